"""A private three-broker local stack survives losing a partition leader: nothing lost, nothing doubled.

Two producers write numbered records into one topic at replication 3 and min ISR 2: an idempotent
one with acks=all and a transactional one; a read_committed consumer reads along.  Mid-stream the
leader of partition 0 is SIGKILLed; production and the consumer go on with two brokers; the broker
is started again and rejoins.  Every record acknowledged must be read exactly once.  (The stack runs
without its registry, which starts slower than the three brokers together.)
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from ddeflow.admin import ensure_topics, partition_leader
from ddeflow.local.stack import LocalStack
from ddeflow.topics import TopicSpec
from tests.infra import local_stack_settings

pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.timeout(420)]

TOPIC = "chaos"
PARTITIONS = 3
BATCH = 20  # records per transaction, and per round of the idempotent producer
PROGRESS = 200  # records each producer must get acknowledged in each phase
PHASE_TIMEOUT_S = 90.0


@dataclass
class Tally:
    """What one producer had acknowledged, by record value."""

    acked: list[bytes] = field(default_factory=list)


async def _until(timeout_s: float, what: str, probe: Callable[[], Awaitable[bool]]) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await probe():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{what}: not reached within {timeout_s} s")


async def _idempotent(options: dict[str, Any], stop: asyncio.Event, tally: Tally) -> None:
    producer = AIOKafkaProducer(**options, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        n = 0
        while not stop.is_set():
            values = [f"i-{n + k}".encode() for k in range(BATCH)]
            sent = [await producer.send(TOPIC, value, key=value) for value in values]
            await asyncio.gather(*sent)
            tally.acked.extend(values)
            n += BATCH
    finally:
        await producer.stop()


async def _transactional(options: dict[str, Any], stop: asyncio.Event, tally: Tally) -> None:
    producer = AIOKafkaProducer(**options, transactional_id=f"chaos-{time.time_ns()}")
    await producer.start()
    try:
        n = 0
        while not stop.is_set():
            values = [f"t-{n + k}".encode() for k in range(BATCH)]
            async with producer.transaction():
                for value in values:
                    await producer.send(TOPIC, value, key=value)
            tally.acked.extend(values)
            n += BATCH
    finally:
        await producer.stop()


async def _consume(options: dict[str, Any], seen: list[bytes]) -> None:
    consumer = AIOKafkaConsumer(
        TOPIC, **options, group_id=None, isolation_level="read_committed", auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        while True:
            batches = await consumer.getmany(timeout_ms=500)
            seen.extend(record.value for records in batches.values() for record in records if record.value)
    finally:
        await consumer.stop()


async def _replicas_and_min_isr(options: dict[str, Any]) -> tuple[list[int], str]:
    admin = AIOKafkaAdminClient(**options)
    await admin.start()
    try:
        [topic] = await admin.describe_topics([TOPIC])
        [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, TOPIC)])
    finally:
        await admin.close()
    entries = response.to_object()["resources"][0]["config_entries"]
    min_isr = next(entry["config_value"] for entry in entries if entry["config_names"] == "min.insync.replicas")
    return [len(partition["replicas"]) for partition in topic["partitions"]], min_isr


async def _in_sync(options: dict[str, Any], node: int) -> bool:
    admin = AIOKafkaAdminClient(**options)
    await admin.start()
    try:
        [topic] = await admin.describe_topics([TOPIC])
    finally:
        await admin.close()
    return all(node in partition["isr"] for partition in topic["partitions"])


async def test_killing_a_partition_leader_loses_and_doubles_nothing(tmp_path: Path) -> None:
    stack = LocalStack(local_stack_settings(tmp_path, brokers=3))
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    try:
        info = await asyncio.to_thread(lambda: stack.up(3, registry=False))
        options: dict[str, Any] = {"bootstrap_servers": info.bootstrap_servers}
        await ensure_topics(options, [TopicSpec(TOPIC, PARTITIONS)])
        assert await _replicas_and_min_isr(options) == ([3] * PARTITIONS, "2")

        plain, txn = Tally(), Tally()
        seen: list[bytes] = []
        tasks = [
            asyncio.create_task(_idempotent(options, stop, plain)),
            asyncio.create_task(_transactional(options, stop, txn)),
            asyncio.create_task(_consume(options, seen)),
        ]

        def counts() -> tuple[int, int, int]:
            return len(plain.acked), len(txn.acked), len(seen)

        async def progressed(since: tuple[int, int, int]) -> bool:
            """Each producer had PROGRESS more records acknowledged, and the consumer read as many more."""
            for task in tasks:
                if task.done():
                    task.result()  # a producer or the consumer that gave up fails the test here
            return all(now >= then + PROGRESS for now, then in zip(counts(), since, strict=True))

        await _until(PHASE_TIMEOUT_S, "before the kill", lambda: progressed((0, 0, 0)))
        leader = await partition_leader(options, TOPIC, 0)
        assert leader in (1, 2, 3)
        await asyncio.to_thread(stack.kill_broker, leader)
        at_kill = counts()

        async def new_leader() -> bool:
            return (await partition_leader(options, TOPIC, 0)) not in (None, leader)

        await _until(PHASE_TIMEOUT_S, "a new leader for partition 0", new_leader)
        await _until(PHASE_TIMEOUT_S, "production and consumption with two brokers", lambda: progressed(at_kill))

        await asyncio.to_thread(stack.start_broker, leader)
        await _until(PHASE_TIMEOUT_S, "the restarted broker back in sync", lambda: _in_sync(options, leader))
        rejoined = counts()
        await _until(PHASE_TIMEOUT_S, "production after the restart", lambda: progressed(rejoined))

        stop.set()
        await asyncio.gather(*tasks[:2])
        acked = plain.acked + txn.acked

        async def all_read() -> bool:
            return len(seen) >= len(acked)

        await _until(PHASE_TIMEOUT_S, "the consumer reading every acknowledged record", all_read)
        await asyncio.sleep(1)  # anything doubled would arrive behind the last record
        doubled = [value for value, count in Counter(seen).items() if count > 1]
        assert not doubled, f"{len(doubled)} records read twice, e.g. {doubled[:3]}"
        assert set(seen) == set(acked), f"lost: {sorted(set(acked) - set(seen))[:5]}"
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.to_thread(stack.down)
