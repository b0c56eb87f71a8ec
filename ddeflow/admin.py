"""Creating ddeflow's topics on a cluster; safe to repeat."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaClient, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError as AIOKafkaError
from aiokafka.errors import TopicAlreadyExistsError

from ddeflow.client_errors import kafka_error
from ddeflow.errors import KafkaError
from ddeflow.topics import TopicSpec

# Error code 36: the topic exists already; anything else is a real failure.
_TOPIC_EXISTS = TopicAlreadyExistsError.errno


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


async def ensure_topics(kafka_options: dict[str, Any], specs: Iterable[TopicSpec]) -> list[str]:
    """Create the topics that do not exist yet; returns the names it created."""
    wanted = list(specs)
    admin = AIOKafkaAdminClient(**kafka_options)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        missing = [spec for spec in wanted if spec.name not in existing]
        if not missing:
            return []
        cluster = await admin.describe_cluster()
        replication = replication_for(len(cluster.get("brokers", [])))
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
        failures = [
            f"{name}: error {code} {message or ''}".strip()
            for name, code, message in _topic_errors(response)
            if code not in (0, _TOPIC_EXISTS)
        ]
        if failures:
            raise KafkaError("could not create topics: " + "; ".join(failures))
        return [spec.name for spec in missing]
    except AIOKafkaError as exc:
        raise kafka_error(exc, "topic administration") from None
    finally:
        await admin.close()


def _topic_errors(response: Any) -> list[tuple[str, int, str | None]]:
    rows: list[tuple[str, int, str | None]] = []
    for entry in getattr(response, "topic_errors", []):
        name, code = entry[0], entry[1]
        message = entry[2] if len(entry) > 2 else None
        rows.append((name, code, message))
    return rows


async def partition_counts(kafka_options: dict[str, Any], names: Iterable[str]) -> dict[str, int]:
    """How many partitions each named topic has (0 for a topic that does not exist)."""
    wanted = list(names)
    admin = AIOKafkaAdminClient(**kafka_options)
    try:
        await admin.start()
        described = await admin.describe_topics(wanted)
    except AIOKafkaError as exc:
        raise kafka_error(exc, "describing topics") from None
    finally:
        await admin.close()
    counts = {name: 0 for name in wanted}
    for topic in described:
        if topic.get("error_code", 0) == 0 and topic.get("topic") in counts:
            counts[topic["topic"]] = len(topic.get("partitions", []))
    return counts


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
        raise KafkaError(f"{topic} has no partition {partition}")
    return leader if leader >= 0 else None
