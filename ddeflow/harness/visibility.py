"""When derived records become visible to a ``read_committed`` reader, and how long after their raw record was
received: the delay the benchmarks and the soak report."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from ddeflow import topics
from ddeflow.avro import AvroCodec
from ddeflow.config import Settings
from ddeflow.harness.derived import options

ReceivedAt = Callable[[Any], Awaitable[int | None]]
"""A record's raw receipt time in µs since the epoch, or None when it carries none."""
QUIET_POLLS = 20
"""Polls with nothing new after ``stop`` before the reader gives up waiting for stragglers."""


@dataclass
class Seen:
    """Delays (ms) from raw receipt to visibility, each with when it was seen (µs since the epoch)."""

    delays_ms: list[float] = field(default_factory=list)
    seen_us: list[int] = field(default_factory=list)


def received_at_field(codec: AvroCodec) -> ReceivedAt:
    """The derived records' own ``receivedAt``, which the processor copies from the raw ``received-at-ns``."""

    async def received_at(m: Any) -> int | None:
        value = await codec.decode(m.value)
        at = value.get("receivedAt")
        return None if at is None else int(at.timestamp() * 1_000_000)

    return received_at


async def observe(
    settings: Settings, topic_names: list[str], received_at: ReceivedAt, stop: asyncio.Event, into: Seen | None = None
) -> Seen:
    """Every record of ``topic_names`` from the beginning until ``stop`` (and a quiet spell after it): its delay
    from raw receipt to visibility here."""
    seen = into if into is not None else Seen()
    consumer = AIOKafkaConsumer(
        **options(settings),
        group_id=None,
        isolation_level="read_committed",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=10,
    )
    await consumer.start()
    try:
        tps = [TopicPartition(name, p) for name in topic_names for p in range(topics.DERIVED_PARTITIONS)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        quiet_polls = 0
        while not stop.is_set() or quiet_polls < QUIET_POLLS:
            batch = await consumer.getmany(timeout_ms=50)
            seen_us = time.time_ns() // 1000
            messages = [m for records in batch.values() for m in records]
            quiet_polls = 0 if messages else quiet_polls + 1
            for m in messages:
                at = await received_at(m)
                if at is not None:
                    seen.delays_ms.append((seen_us - at) / 1000)
                    seen.seen_us.append(seen_us)
    finally:
        await consumer.stop()
    return seen
