"""The two things measured, each for the worker and for the baseline: sustained throughput over a backlog, and
the delay from raw append to read_committed visibility at an offered load."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient

from ddeflow import topics
from ddeflow.admin import ensure_topics
from ddeflow.avro import AvroCodec
from ddeflow.bench import baseline
from ddeflow.bench.children import Child, ChildRun, plain_child, start_child, worker_child
from ddeflow.bench.feed import append
from ddeflow.bench.figures import Delays, Drain, received_since
from ddeflow.bench.profile import Load
from ddeflow.config import Settings
from ddeflow.endpoints import resolve
from ddeflow.harness.derived import options
from ddeflow.harness.plan import Delivery
from ddeflow.harness.visibility import ReceivedAt, Seen, observe, received_at_field
from ddeflow.harness.worker_process import GROUP, group_members, group_state
from ddeflow.producers.raw_records import HEADER_RECEIVED_AT
from ddeflow.registry import SchemaRegistry

SAMPLE_S = 0.25
JOIN_TIMEOUT_S = 180.0
LIVE_IDLE_S = 5.0
"""The delay phase's child ends this long after the last record it saw."""
WARMUP_RECORDS = 20


def group_of(target: Child, settings: Settings) -> str:
    if target is worker_child:
        return settings.topic(GROUP)
    return baseline.group(settings, transactional=target is not plain_child)


class _Committed:
    """Records a group has committed over the raw topics so far, through one long-lived admin client."""

    def __init__(self, settings: Settings, group: str) -> None:
        self._admin = AIOKafkaAdminClient(**options(settings))
        self._group = group
        self._raw = {spec.name for spec in topics.raw_topics(settings.topic_prefix)}

    async def __aenter__(self) -> _Committed:
        await self._admin.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._admin.close()

    async def count(self) -> int:
        offsets = await self._admin.list_consumer_group_offsets(self._group)
        return sum(max(0, meta.offset) for tp, meta in offsets.items() if tp.topic in self._raw)


async def _stable(settings: Settings, group: str, run: ChildRun) -> float:
    """When the group turned stable with a member: the child owns the partitions and starts fetching."""
    deadline = time.monotonic() + JOIN_TIMEOUT_S
    while True:
        state, members = await group_state(settings, group)
        if state == "Stable" and members > 0:
            return time.monotonic()
        if not run.process.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"{run.name}'s group {group} was not stable within {JOIN_TIMEOUT_S:.0f} s")
        await asyncio.sleep(0.05)


async def drain(settings: Settings, target: Child, label: str, total: int, idle_s: float) -> Drain:
    """Run ``target`` over the ``total`` raw records already appended; its rate from its group turning stable to
    all committed, with the committed count and its RSS every ``SAMPLE_S``."""
    group = group_of(target, settings)
    run = start_child(target, settings, until_idle_s=idle_s)
    try:
        started = await _stable(settings, group, run)
        committed: list[tuple[float, int]] = []
        rss: list[tuple[float, float]] = []
        async with _Committed(settings, group) as progress:
            while True:
                at = time.monotonic() - started
                done = await progress.count()
                committed.append((at, done))
                if (mb := run.rss_mb()) is not None:
                    rss.append((at, mb))
                if done >= total:
                    break
                if not run.process.is_alive():
                    raise RuntimeError(f"{run.name} ended with {done} of {total} records committed")
                await asyncio.sleep(SAMPLE_S)
        result = await run.result()
    finally:
        run.stop()
    return Drain(label, total, committed[-1][0], tuple(committed), tuple(rss), str(result["summary"]))


async def _header_received_at(m: Any) -> int | None:
    for name, value in m.headers:
        if name == HEADER_RECEIVED_AT:
            return int(value) // 1000
    return None


async def delays(
    settings: Settings,
    plan: Sequence[Delivery],
    load: Load,
    target: Child,
    label: str,
    extra: Mapping[str, str] = {},
) -> Delays:
    """On fresh topics (``settings``' prefix), with ``target`` running: append ``plan`` at the load's rate and note
    when each output record becomes visible to a read_committed reader here."""
    prefix = settings.topic_prefix
    opts = options(settings)
    registry = SchemaRegistry(resolve(settings).registry_url)
    received_at: ReceivedAt
    if target is worker_child:
        names = [spec.name for spec in topics.derived_topics(prefix) if not spec.name.endswith(topics.DLQ)]
        received_at = received_at_field(AvroCodec(registry))
    else:
        transactional = target is not plain_child
        names = [baseline.out_topic(settings, transactional)]
        await ensure_topics(opts, [topics.TopicSpec(names[0], topics.DERIVED_PARTITIONS)])
        received_at = _header_received_at
    await ensure_topics(opts, topics.raw_topics(prefix))
    run = start_child(target, settings, until_idle_s=LIVE_IDLE_S, extra=extra)
    rss: list[tuple[float, float]] = []
    try:
        deadline = time.monotonic() + JOIN_TIMEOUT_S
        while await group_members(settings, group_of(target, settings)) < 1:
            if time.monotonic() > deadline or not run.process.is_alive():
                raise RuntimeError(f"{run.name} never joined its group")
            await asyncio.sleep(0.2)
        if target is worker_child:  # they exist once it has joined
            await ensure_topics(opts, topics.derived_topics(prefix))
        stop = asyncio.Event()
        seen = Seen()
        observer = asyncio.create_task(observe(settings, names, received_at, stop, seen))
        started = time.monotonic()

        async def sample_rss() -> None:
            while True:
                if (mb := run.rss_mb()) is not None:
                    rss.append((time.monotonic() - started, mb))
                await asyncio.sleep(SAMPLE_S * 4)

        sampler = asyncio.create_task(sample_rss())
        # A child's start (fencing, restoring state, its first producers) is not part of the delay: a few records
        # first, measured from when they are committed.
        warm, measured = plan[:WARMUP_RECORDS], plan[WARMUP_RECORDS:]
        await append(settings, warm)
        await _committed_at_least(settings, group_of(target, settings), len(warm), run)
        from_us = time.time_ns() // 1000
        fed_s = await append(settings, measured, rate_per_s=load.rate_per_s)
        await run.result()
        sampler.cancel()
        stop.set()
        await observer
    finally:
        await registry.close()
        run.stop()
    return Delays(
        label,
        load.rate_per_s,
        len(measured),
        fed_s,
        tuple(received_since(seen.delays_ms, seen.seen_us, from_us)),
        tuple(rss),
    )


def since(seen: Seen, from_us: int) -> list[float]:
    """The delays of the records received at or after ``from_us`` (µs since the epoch)."""
    return [delay for delay, at_us in zip(seen.delays_ms, seen.seen_us, strict=True) if at_us - delay * 1000 >= from_us]


async def _committed_at_least(settings: Settings, group: str, count: int, run: ChildRun) -> None:
    deadline = time.monotonic() + JOIN_TIMEOUT_S
    async with _Committed(settings, group) as progress:
        while await progress.count() < count:
            if time.monotonic() > deadline or not run.process.is_alive():
                raise RuntimeError(f"{run.name} did not commit its first {count} records")
            await asyncio.sleep(0.1)
