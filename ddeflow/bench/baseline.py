"""The baseline: raw topics → one output topic, byte for byte, with plain aiokafka clients.

Transactional, it follows the worker's pattern: a read_committed group consumer, one transactional producer per
partition number, each poll's records and offsets in one transaction per partition number, the transactions of
a poll run together.  Plain, it sends each poll's records and commits the group's offsets once they are acked.
The producers take the worker's ``linger_ms`` and ``fetch_max_wait_ms`` from the same settings.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.coordinator.assignors.range import RangePartitionAssignor

from ddeflow import topics
from ddeflow.admin import ensure_topics
from ddeflow.config import Settings
from ddeflow.harness.derived import options

MAX_BATCH = 1000
"""Records per poll, as ``ddeflow process`` takes by default."""


def group(settings: Settings, transactional: bool) -> str:
    return settings.topic("bench-passthrough" if transactional else "bench-passthrough-plain")


def out_topic(settings: Settings, transactional: bool) -> str:
    return settings.topic("bench.passthrough" if transactional else "bench.passthrough-plain")


async def passthrough(settings: Settings, until_idle_s: float, *, transactional: bool) -> int:
    """Copy until drained and idle for ``until_idle_s``; returns the records moved."""
    opts = options(settings)
    name, out = group(settings, transactional), out_topic(settings, transactional)
    await ensure_topics(opts, [topics.TopicSpec(out, topics.DERIVED_PARTITIONS)])
    consumer = AIOKafkaConsumer(
        *[spec.name for spec in topics.raw_topics(settings.topic_prefix)],
        **opts,
        group_id=name,
        isolation_level="read_committed",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=MAX_BATCH,
        session_timeout_ms=10_000,
        heartbeat_interval_ms=1_000,
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        partition_assignment_strategy=(RangePartitionAssignor,),
    )
    producers: dict[int, AIOKafkaProducer] = {}

    async def producer_for(number: int) -> AIOKafkaProducer:
        key = number if transactional else -1
        if key not in producers:
            producer = AIOKafkaProducer(
                **opts,
                transactional_id=f"{name}-p{number}" if transactional else None,
                enable_idempotence=True,
                acks="all",
                linger_ms=settings.linger_ms,
            )
            await producer.start()
            producers[key] = producer
        return producers[key]

    async def transaction(number: int, parts: list[tuple[TopicPartition, list[Any]]]) -> None:
        producer = await producer_for(number)
        async with producer.transaction():
            for _, messages in parts:
                for m in messages:
                    await producer.send(out, m.value, key=m.key, headers=list(m.headers))
            await producer.send_offsets_to_transaction({tp: messages[-1].offset + 1 for tp, messages in parts}, name)

    async def plain(batch: dict[TopicPartition, list[Any]]) -> None:
        producer = await producer_for(0)
        sent = [
            await producer.send(out, m.value, key=m.key, headers=list(m.headers))
            for messages in batch.values()
            for m in messages
        ]
        await asyncio.gather(*sent)
        await consumer.commit({tp: messages[-1].offset + 1 for tp, messages in batch.items() if messages})

    moved = 0
    await consumer.start()
    try:
        last_activity = time.monotonic()
        while True:
            batch = await consumer.getmany(timeout_ms=100, max_records=MAX_BATCH)
            batch = {tp: messages for tp, messages in batch.items() if messages}
            if batch:
                if transactional:
                    by_number: dict[int, list[tuple[TopicPartition, list[Any]]]] = defaultdict(list)
                    for tp, messages in batch.items():
                        by_number[tp.partition].append((tp, messages))
                    await asyncio.gather(*(transaction(n, parts) for n, parts in by_number.items()))
                else:
                    await plain(batch)
                moved += sum(map(len, batch.values()))
                last_activity = time.monotonic()
            elif time.monotonic() - last_activity >= until_idle_s and await _drained(consumer):
                return moved
    finally:
        await consumer.stop()
        for producer in producers.values():
            await producer.stop()


async def _drained(consumer: AIOKafkaConsumer) -> bool:
    assignment = consumer.assignment()
    if not assignment:
        return False
    ends = await consumer.end_offsets(list(assignment))
    for tp in assignment:
        if await consumer.position(tp) < ends[tp]:
            return False
    return True
