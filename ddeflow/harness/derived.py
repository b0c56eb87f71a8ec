"""Reading what the processors wrote: every derived topic with ``read_committed``, Avro decoded through the registry.

``Derived.comparable()`` is what two runs over the same input must agree on.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from ddeflow import topics
from ddeflow.avro import AvroCodec
from ddeflow.config import Settings
from ddeflow.dlq import read_dlq_headers
from ddeflow.endpoints import kafka_options, resolve
from ddeflow.producers.raw_records import HEADER_RECORD_ID
from ddeflow.registry import SchemaRegistry

MAX_REQUEST_BYTES = 16 * 1024 * 1024
DLQ_VOLATILE_HEADERS = frozenset({"dlq.failed-at-ns"})
"""Dead-letter headers that carry a wall clock, so two runs may differ there."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def options(settings: Settings) -> dict[str, Any]:
    return kafka_options(settings, resolve(settings))


def derived_topic_names(prefix: str) -> list[str]:
    return [spec.name for spec in topics.derived_topics(prefix)]


@dataclass(frozen=True, slots=True)
class Out:
    topic: str
    partition: int
    offset: int
    key: str | None
    value: Any
    """The decoded Avro value; for the dead-letter topic, the raw bytes."""
    headers: tuple[tuple[str, bytes], ...]
    timestamp_ms: int


async def read_topic(
    settings: Settings,
    topic: str,
    *,
    partitions: int = topics.DERIVED_PARTITIONS,
    timeout_s: float = 60.0,
    isolation_level: str = "read_committed",
) -> list[Any]:
    """Every committed record of ``topic`` (read_committed), in (partition, offset) order; with
    ``isolation_level="read_uncommitted"``, every record, those of aborted transactions too."""
    consumer = AIOKafkaConsumer(
        **options(settings),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level=isolation_level,
        fetch_max_wait_ms=50,
        max_partition_fetch_bytes=MAX_REQUEST_BYTES,
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)  # the last stable offsets under read_committed, else the ends
        found: list[Any] = []
        remaining = {tp for tp in tps if ends[tp] > 0}
        async with asyncio.timeout(timeout_s):
            while remaining:
                batch = await consumer.getmany(*remaining, timeout_ms=200)
                for tp, messages in batch.items():
                    found += [m for m in messages if m.offset < ends[tp]]
                for tp in list(remaining):
                    if await consumer.position(tp) >= ends[tp]:
                        remaining.discard(tp)
        return sorted(found, key=lambda m: (m.partition, m.offset))
    finally:
        await consumer.stop()


@dataclass(frozen=True)
class Derived:
    """Everything a run left in the derived topics, by topic name without the prefix."""

    prefix: str
    records: dict[str, list[Out]]

    def values(self, name: str, key: str | None = None) -> list[Any]:
        return [o.value for o in self.records[name] if key is None or o.key == key]

    def per_key(self, name: str) -> dict[str | None, list[Any]]:
        """Values by key, each key's in offset order (one key lives in one partition)."""
        found: dict[str | None, list[Any]] = {}
        for o in self.records[name]:
            found.setdefault(o.key, []).append(o.value)
        return found

    def ids(self, name: str) -> list[bytes | None]:
        """The ``ddeflow-id`` of each record of ``name``, in the records' order."""
        return [record_id_of(o) for o in self.records[name]]

    def deduped(self) -> tuple[Derived, int]:
        """The records with each ``ddeflow-id`` kept once (the first seen, per topic), and how many were dropped."""
        kept: dict[str, list[Out]] = {}
        dropped = 0
        for name, records in self.records.items():
            seen: set[bytes | None] = set()
            mine = kept[name] = []
            for o in records:
                found = record_id_of(o)
                if found is not None and found in seen:
                    dropped += 1
                    continue
                seen.add(found)
                mine.append(o)
        return Derived(self.prefix, kept), dropped

    def dead_letters(self) -> list[Out]:
        return self.records[topics.DLQ]

    def comparable(self, *, drop_keys: frozenset[str] = frozenset()) -> dict[str, dict[str | None, list[Any]]]:
        """What two runs over the same input must agree on: per topic, per key, the values in order.

        Dead letters compare by value and headers, less the wall-clock ones and the topic
        prefix in ``dlq.source.topic``; ``drop_keys``
        leaves some keys out (e.g. records of input one run had and the other had not).
        """
        out: dict[str, dict[str | None, list[Any]]] = {}
        for name, records in self.records.items():
            by_key: dict[str | None, list[Any]] = {}
            for o in records:
                if o.key in drop_keys:
                    continue
                if name == topics.DLQ:
                    headers = {k: v for k, v in read_dlq_headers(o.headers).items() if k not in DLQ_VOLATILE_HEADERS}
                    if headers.get("dlq.source.topic", "").startswith(self.prefix):
                        headers["dlq.source.topic"] = headers["dlq.source.topic"][len(self.prefix) :]
                    by_key.setdefault(o.key, []).append((o.value, tuple(sorted(headers.items()))))
                else:
                    by_key.setdefault(o.key, []).append(o.value)
            out[name] = by_key
        return out


def record_id_of(out: Out) -> bytes | None:
    """A derived record's ``ddeflow-id`` (which names the raw topic without the run's prefix); None if it has
    none."""
    found = [value for name, value in out.headers if name == HEADER_RECORD_ID]
    return found[-1] if found else None


def plain(value: Any) -> Any:
    """A decoded Avro value with its ``timestamp-micros`` datetimes back as the integers on the wire."""
    if isinstance(value, datetime):
        return (value - _EPOCH) // timedelta(microseconds=1)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


async def read_derived(settings: Settings) -> Derived:
    prefix = settings.topic_prefix
    records: dict[str, list[Out]] = {}
    async with SchemaRegistry(resolve(settings).registry_url) as registry:
        codec = AvroCodec(registry)
        for spec in topics.derived_topics(prefix):
            name = spec.name[len(prefix) :]
            outs = []
            for m in await read_topic(settings, spec.name, partitions=spec.partitions):
                value = m.value if name == topics.DLQ else plain(await codec.decode(m.value))
                key = m.key.decode("utf-8") if m.key is not None else None
                outs.append(Out(name, m.partition, m.offset, key, value, tuple(m.headers), m.timestamp))
            records[name] = outs
    return Derived(prefix, records)


def differences(got: dict[str | None, list[Any]], want: dict[str | None, list[Any]], *, limit: int = 5) -> list[str]:
    """What separates one topic's ``comparable()`` records from another's, key by key, as lines a person can read:
    a key only one side has, a count that differs (a record lost or doubled), or the first record that differs with
    the fields that differ."""
    lines: list[str] = []
    for key in sorted(set(got) | set(want), key=str):
        mine, theirs = got.get(key, []), want.get(key, [])
        if mine == theirs:
            continue
        if len(lines) == limit:
            lines.append("…")
            break
        at = next(
            (i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b), min(len(mine), len(theirs))
        )
        line = f"key {key}: {len(mine)} records, expected {len(theirs)}; first difference at #{at}"
        if at < len(mine) and at < len(theirs) and isinstance(mine[at], dict) and isinstance(theirs[at], dict):
            fields = sorted(f for f in set(mine[at]) | set(theirs[at]) if mine[at].get(f) != theirs[at].get(f))
            line += ": " + ", ".join(f"{f} {mine[at].get(f)!r} (expected {theirs[at].get(f)!r})" for f in fields)
        elif at < len(mine) or at < len(theirs):
            line += (
                f": {mine[at] if at < len(mine) else None!r} (expected {theirs[at] if at < len(theirs) else None!r})"
            )
        lines.append(line)
    return lines
