"""Creating ddeflow's topics on a cluster; safe to repeat."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError as AIOKafkaError
from aiokafka.errors import TopicAlreadyExistsError

from ddeflow.client_errors import kafka_error
from ddeflow.errors import KafkaError
from ddeflow.topics import TopicSpec

# Error code 36: the topic exists already; anything else is a real failure.
_TOPIC_EXISTS = TopicAlreadyExistsError.errno


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
        # Three copies where the cluster has three brokers; one on the embedded single node.
        replication = max(1, min(3, len(cluster.get("brokers", []))))
        response = await admin.create_topics(
            [
                NewTopic(
                    name=spec.name,
                    num_partitions=spec.partitions,
                    replication_factor=replication,
                    topic_configs=dict(spec.config),
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
