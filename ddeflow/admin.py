"""Creating and describing ddeflow's topics on a cluster; creating is safe to repeat."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaClient, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError as AIOKafkaError
from aiokafka.errors import TopicAlreadyExistsError

from ddeflow.client_errors import kafka_error
from ddeflow.errors import BrokerError, KafkaAuthError
from ddeflow.kafka_connect import admin_client
from ddeflow.topic_check import Finding, ObservedTopic, check_layout
from ddeflow.topics import TopicLayout, TopicSpec, all_topics

# Error code 36: the topic exists already; anything else is a real failure.
log = logging.getLogger(__name__)

_TOPIC_EXISTS = TopicAlreadyExistsError.errno
LEADER_WAIT_S = 30.0
_TOPIC_AUTHORIZATION_FAILED = 29
_CLUSTER_AUTHORIZATION_FAILED = 31


def replication_for(brokers: int) -> int:
    """Three copies where the cluster has three brokers or more; one on the embedded single node."""
    return max(1, min(3, brokers))


def topic_configs(spec: TopicSpec, replication: int) -> dict[str, str]:
    """The spec's configs, plus min ISR 2 at replication 3 (unless the spec says otherwise), so that acks=all
    means two copies whatever the cluster's default (1, in Kafka's own)."""
    configs = dict(spec.config)
    if replication >= 3:
        configs.setdefault("min.insync.replicas", "2")
    return configs


async def ensure_topics(
    kafka_options: dict[str, Any], specs: Iterable[TopicSpec], *, replication: int | None = None
) -> list[str]:
    """Create the topics that do not exist yet; returns the names it created.

    ``replication`` None: as many copies as ``replication_for`` the cluster's size.
    """
    wanted = list(specs)
    async with admin_client(kafka_options, "topic administration") as admin:
        existing = set(await admin.list_topics())
        missing = [spec for spec in wanted if spec.name not in existing]
        if not missing:
            return []
        if replication is None:
            replication = replication_for(await _brokers(admin))
        response = await admin.create_topics(
            [
                NewTopic(
                    name=spec.name,
                    num_partitions=spec.partitions,
                    replication_factor=replication,
                    topic_configs=topic_configs(spec, replication),
                )
                for spec in missing
            ]
        )
        errors = _topic_errors(response)
        refused = [
            name for name, code, _ in errors if code in (_TOPIC_AUTHORIZATION_FAILED, _CLUSTER_AUTHORIZATION_FAILED)
        ]
        if refused:
            raise KafkaAuthError(
                f"the ACLs do not let this principal create {', '.join(refused)} (TopicAuthorizationFailed)"
            )
        failures = [
            f"{name}: error {code} {message or ''}".strip()
            for name, code, message in errors
            if code not in (0, _TOPIC_EXISTS)
        ]
        if failures:
            raise BrokerError("could not create topics: " + "; ".join(failures))
        await _until_led(admin, missing)
        return [spec.name for spec in missing]


async def _until_led(admin: AIOKafkaAdminClient, created: list[TopicSpec]) -> None:
    """Wait (a while) until the cluster's metadata shows every partition of the topics just created with a leader.

    A created topic is not at once in every broker's metadata: one described right after may show no partitions
    yet, and a client using it at once meets errors it has to retry.
    """
    deadline = time.monotonic() + LEADER_WAIT_S
    partitions = {spec.name: spec.partitions for spec in created}
    while time.monotonic() < deadline:
        described = await admin.describe_topics(list(partitions))
        led = {
            t["topic"]
            for t in described
            if t.get("error_code", 0) == 0
            and len(t["partitions"]) == partitions.get(t["topic"])
            and all(p["leader"] >= 0 for p in t["partitions"])
        }
        if led >= set(partitions):
            return
        await asyncio.sleep(0.1)
    log.warning("topics created, but not every partition has a leader yet: %s", ", ".join(sorted(partitions)))


def _topic_errors(response: Any) -> list[tuple[str, int, str | None]]:
    rows: list[tuple[str, int, str | None]] = []
    for entry in getattr(response, "topic_errors", []):
        name, code = entry[0], entry[1]
        message = entry[2] if len(entry) > 2 else None
        rows.append((name, code, message))
    return rows


async def describe_topics(kafka_options: dict[str, Any], names: Iterable[str]) -> dict[str, ObservedTopic | None]:
    """Each named topic as the cluster has it (None for a topic that does not exist), with its topic-level configs."""
    wanted = list(names)
    async with admin_client(kafka_options, "describing topics") as admin:
        described = await admin.describe_topics(wanted)
        refused = [t["topic"] for t in described if t.get("error_code") == _TOPIC_AUTHORIZATION_FAILED]
        if refused:
            raise KafkaAuthError(
                f"the ACLs do not let this principal describe {', '.join(refused)} (TopicAuthorizationFailed)"
            )
        present = [t for t in described if t.get("error_code", 0) == 0 and t.get("topic") in wanted]
        configs: dict[str, dict[str, str]] = {}
        if present:
            resources = [ConfigResource(ConfigResourceType.TOPIC, t["topic"]) for t in present]
            for response in await admin.describe_configs(resources):
                for resource in response.to_object()["resources"]:
                    configs[resource["resource_name"]] = {
                        entry["config_names"]: entry["config_value"]
                        for entry in resource["config_entries"]
                        if entry["config_value"] is not None
                    }
    observed: dict[str, ObservedTopic | None] = dict.fromkeys(wanted)
    for topic in present:
        partitions = sorted(topic.get("partitions", []), key=lambda p: p["partition"])
        observed[topic["topic"]] = ObservedTopic(
            name=topic["topic"],
            partitions=len(partitions),
            replication=min((len(p["replicas"]) for p in partitions), default=0),
            leaders=tuple(p["leader"] for p in partitions),
            under_replicated=sum(1 for p in partitions if len(p["isr"]) < len(p["replicas"])),
            config=configs.get(topic["topic"], {}),
        )
    return observed


_UNKNOWN_TOPIC = 3


async def check_topic_readable(kafka_options: dict[str, Any], topic: str) -> int:
    """``topic``'s partition count; raise unless it exists and this client may see it: an ACL refusal says so, not
    "no such topic" (a principal's metadata leaves out what it may not describe)."""
    async with admin_client(kafka_options, f"describing {topic}") as admin:
        described = await admin.describe_topics([topic])
    codes = {entry.get("error_code", 0) for entry in described if entry.get("topic") == topic}
    if _TOPIC_AUTHORIZATION_FAILED in codes:
        raise KafkaAuthError(f"the ACLs do not let this principal read {topic} (TopicAuthorizationFailed)")
    if not codes or _UNKNOWN_TOPIC in codes:
        raise BrokerError(f"topic {topic} does not exist")
    return max(len(entry.get("partitions", [])) for entry in described if entry.get("topic") == topic)


async def cluster_size(kafka_options: dict[str, Any]) -> int:
    """How many brokers the cluster has now."""
    async with admin_client(kafka_options, "describing the cluster") as admin:
        return await _brokers(admin)


async def _brokers(admin: AIOKafkaAdminClient) -> int:
    cluster = await admin.describe_cluster()
    return len(cluster.get("brokers", []))


async def partition_leader(kafka_options: dict[str, Any], topic: str, partition: int) -> int | None:
    """The node id leading ``topic``/``partition`` now, or None while none is elected.

    Asks whichever broker answers, so it works while one is down.  The answer is the leader the
    controller last chose: a broker that just died stays leader until the controller notices
    (``broker.session.timeout.ms``)."""
    client = AIOKafkaClient(**kafka_options)
    try:
        await client.bootstrap()
        cluster = await client.fetch_all_metadata()  # from any broker that answers
        leader = cluster.leader_for_partition(TopicPartition(topic, partition))
    except AIOKafkaError as exc:
        raise kafka_error(exc, f"reading the metadata of {topic}") from None
    finally:
        await client.close()
    if leader is None:
        raise BrokerError(f"{topic} has no partition {partition}")
    return leader if leader >= 0 else None


async def layout_findings(
    kafka_options: dict[str, Any], prefix: str, layout: TopicLayout, *, just_created: bool = False
) -> list[Finding]:
    """How the deployment's topics differ from ``layout`` (``ddeflow.topic_check``).

    ``just_created``: topics were created a moment ago, so wait a little for the metadata to show them.
    """
    expected = all_topics(prefix, layout)
    replication = layout.replication or replication_for(await cluster_size(kafka_options))
    observed = await describe_topics(kafka_options, [spec.name for spec in expected])
    for _ in range(30 if just_created else 0):
        if all(observed.values()):
            break
        await asyncio.sleep(0.5)
        observed = await describe_topics(kafka_options, [spec.name for spec in expected])
    return check_layout(prefix, layout, expected, observed, replication=replication)
