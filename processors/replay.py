"""``ddeflow replay``: a fixed range of the raw topics through the worker's own engine, exactly once.

Where a replay keeps what it needs to survive a crash, all under the target prefix ``P`` (``--into P``):

- ``P ddeflow-replay.plan`` (one partition, compacted): the plan, resolved once at the first start.  A restart
  with the same request reads it back instead of resolving again (so "until now" means the first start's now);
  a different request into the same prefix is refused.
- ``P ddeflow-replay.state-changelog``: the processors' state, as the worker keeps its own.
- the consumer group ``P ddeflow-replay`` (offsets only: the replay assigns partitions itself, the group
  never has members) and the transactional ids ``P ddeflow-replay-p<n>``: per partition number, the
  derived records, the state changes and the input offsets are committed in one transaction
  (``ddeflow.processors.engine.transact``), so a replay SIGKILLed and started again continues where its last
  commit left it, and ends with the output of an uninterrupted one.

``--rebuild`` uses the live worker's own group, transactional ids and changelog under the main prefix, after
deleting them and the derived topics, so that the live worker resumes from the rebuilt state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from ddeflow import topic_schemas, topics
from ddeflow.admin import describe_topics, ensure_topics
from ddeflow.avro import AvroCodec
from ddeflow.config import Settings
from ddeflow.endpoints import kafka_options, registry_client, resolve
from ddeflow.errors import ConfigError
from ddeflow.kafka_connect import admin_client, explaining
from ddeflow.processors import registry as processor_registry
from ddeflow.processors.api import Processor
from ddeflow.processors.engine import Use, lane_producer, restore_store, transact, until_done
from ddeflow.processors.replay_range import Bound, Plan, Request, bounded_partitions, make_plan, timestamps
from ddeflow.processors.store import PartitionStore
from ddeflow.processors.transform import Transformer, retention_policy
from ddeflow.producers.raw_records import RawRecord
from ddeflow.registry import SchemaRegistry

log = logging.getLogger("ddeflow.replay")

REPLAY_GROUP = "ddeflow-replay"
PLAN_KEY = b"plan"
LINGER_MS = 20


@dataclass(frozen=True, slots=True)
class Target:
    """Where a replay writes and keeps its progress."""

    prefix: str
    group: str
    changelog: str
    plan_topic: str


def into_target(into: str) -> Target:
    return Target(
        prefix=into,
        group=into + REPLAY_GROUP,
        changelog=into + REPLAY_GROUP + ".state-changelog",
        plan_topic=into + REPLAY_GROUP + ".plan",
    )


@dataclass
class ReplayStats:
    counters: Counter[str]
    records_in: int = 0
    records_out: int = 0
    transactions: int = 0
    started_at: float = 0.0

    def summary(self, plan: Plan) -> str:
        elapsed = max(time.monotonic() - self.started_at, 1e-9)
        anomalies = sum(n for name, n in self.counters.items() if name.startswith("anomalies."))
        return (
            f"replayed {self.records_in} raw records ({plan.count} offsets planned) into {self.records_out} "
            f"derived records in {self.transactions} transactions; dlq={self.counters['dlq']}, "
            f"anomalies={anomalies}; {elapsed:.1f} s, {self.records_in / elapsed:.0f} records/s"
        )


async def partition_counts(options: dict[str, Any], names: list[str]) -> dict[str, int]:
    """How many partitions each named topic has (0 for a topic that does not exist)."""
    found = await describe_topics(options, names)
    return {name: (0 if topic is None else topic.partitions) for name, topic in found.items()}


# --- the plan -------------------------------------------------------------------------------


async def resolve_plan(options: dict[str, Any], request: Request, start: Bound | None, end: Bound | None) -> Plan:
    """Read the raw topics' offsets once (and resolve timestamps) into the per-partition plan."""
    names = request.filters.topics(request.source_prefix)
    counts = await partition_counts(options, names)
    missing = [name for name, count in counts.items() if count == 0]
    if missing:
        raise ConfigError(f"raw topics missing: {', '.join(missing)}")
    if len(set(counts.values())) != 1:
        raise ConfigError(f"raw topics must share one partition count, found {sorted(set(counts.values()))}")
    partitions = next(iter(counts.values()))
    tps = [TopicPartition(n, p) for n in names for p in bounded_partitions(start, end, partitions)]
    consumer = AIOKafkaConsumer(**options, group_id=None, isolation_level="read_committed", enable_auto_commit=False)
    await consumer.start()
    try:
        earliest = await consumer.beginning_offsets(tps)
        latest = await consumer.end_offsets(tps)  # the last stable offsets under read_committed
        at_time: dict[int, dict[tuple[str, int], int | None]] = {}
        for ms in timestamps(start, end):
            found = await consumer.offsets_for_times({tp: ms for tp in tps})
            at_time[ms] = {(tp.topic, tp.partition): (None if hit is None else hit.offset) for tp, hit in found.items()}
    finally:
        await consumer.stop()
    return make_plan(
        request,
        start,
        end,
        partitions,
        {(tp.topic, tp.partition): offset for tp, offset in earliest.items()},
        {(tp.topic, tp.partition): offset for tp, offset in latest.items()},
        at_time,
    )


async def stored_plan(options: dict[str, Any], topic: str) -> bytes | None:
    """The plan a replay into this target stored at its first start; None if there is none."""
    async with admin_client(options, "listing topics") as admin:
        if topic not in set(await admin.list_topics()):
            return None
    tp = TopicPartition(topic, 0)
    reader = AIOKafkaConsumer(**options, group_id=None, isolation_level="read_committed", enable_auto_commit=False)
    await reader.start()
    found: bytes | None = None
    try:
        reader.assign([tp])
        await reader.seek_to_beginning(tp)
        end = (await reader.end_offsets([tp]))[tp]
        while await reader.position(tp) < end:
            batch = await reader.getmany(tp, timeout_ms=500)
            for message in batch.get(tp, []):
                if message.key == PLAN_KEY:
                    found = message.value
    finally:
        await reader.stop()
    return found


async def store_plan(options: dict[str, Any], topic: str, plan: Plan) -> None:
    producer = AIOKafkaProducer(**options, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, plan.to_json(), key=PLAN_KEY, partition=0)
    finally:
        await producer.stop()


async def fixed_plan(
    options: dict[str, Any], target: Target, request: Request, start: Bound | None, end: Bound | None
) -> tuple[Plan, bool]:
    """The stored plan of this target if there is one (refused if for another request), else a new one;
    and whether it was stored before."""
    async with explaining(options, "planning the replay"):
        stored = await stored_plan(options, target.plan_topic)
        if stored is not None:
            return Plan.from_json(stored, request), True
        return await resolve_plan(options, request, start, end), False


# --- running --------------------------------------------------------------------------------


async def prepare_target(
    options: dict[str, Any],
    registry: SchemaRegistry,
    target: Target,
    partitions: int,
    layout: topics.TopicLayout,
    processors: Sequence[Processor[Any]] = (),
) -> AvroCodec:
    """The target's derived topics (with ``processors``' own), changelog and plan topic, and its schemas
    registered."""
    changelog = topics.state_changelog(target.prefix, layout)
    await ensure_topics(
        options,
        [
            *topics.derived_topics(target.prefix, layout),
            *processor_registry.extra_topics(processors, target.prefix, layout),
            topics.TopicSpec(target.changelog, partitions, changelog.config),
            topics.TopicSpec(target.plan_topic, 1, changelog.config),
        ],
        replication=layout.replication,
    )
    codec = AvroCodec(registry)
    extra = processor_registry.extra_bindings(processors, target.prefix)
    ids = await topic_schemas.register_all(registry, target.prefix, extra)
    for binding in [*topic_schemas.bindings(target.prefix), *extra]:
        codec.use(binding.subject, ids[binding.subject], binding.schema)
    return codec


Progress = Callable[[ReplayStats, int], None]
"""Told after each poll: the stats so far and how many planned offsets have been passed."""


@dataclass(slots=True)
class _Lane:
    producer: AIOKafkaProducer
    store: PartitionStore


class Replay:
    """One attempt at finishing a plan: lanes rebuilt from the target's changelog and committed offsets."""

    def __init__(
        self,
        options: dict[str, Any],
        target: Target,
        plan: Plan,
        transformer: Transformer,
        stats: ReplayStats,
        *,
        max_batch: int,
    ) -> None:
        self._options = options
        self._target = target
        self._plan = plan
        self._transformer = transformer
        self._stats = stats
        self._max_batch = max_batch
        self._spans = {(s.topic, s.partition): s for s in plan.spans}
        self._filters = plan.request.filters
        self._lanes: dict[int, _Lane] = {}
        self.positions: dict[TopicPartition, int] = {}
        self._sealed: dict[TopicPartition, int] = {}

    def choose(self, record: RawRecord) -> Use:
        span = self._spans[(record.topic, record.partition)]
        if not self._filters.keeps(record.key):
            return Use.TIME
        return Use.STATE if record.offset < span.start else Use.EMIT

    def passed(self) -> int:
        """Planned offsets (warm-up included) behind the current positions."""
        done = 0
        for span in self._plan.spans:
            position = self.positions.get(TopicPartition(span.topic, span.partition), span.end)
            done += min(max(position, span.warm_from), span.end) - span.warm_from
        return done

    async def run(self, stop: asyncio.Event, progress: Progress) -> bool:
        """True once every span is read to its end; False if stopped first."""
        try:
            await self._own()
            if not await self._loop(stop, progress):
                return False
            await self._seal()
            return True
        finally:
            for lane in self._lanes.values():
                with contextlib.suppress(Exception):
                    await lane.producer.stop()

    async def _own(self) -> None:
        for number in self._plan.partitions():
            producer = lane_producer(self._options, self._target.group, number, linger_ms=LINGER_MS)
            # Fences an earlier (killed) run of this replay and finishes its open transaction first.
            await producer.start()
            self._lanes[number] = _Lane(producer, PartitionStore())
        for number, lane in self._lanes.items():
            lane.store = await restore_store(self._options, self._target.changelog, number)
        committed = await _committed(self._options, self._target.group)
        self._sealed = committed
        for span in self._plan.spans:
            tp = TopicPartition(span.topic, span.partition)
            self.positions[tp] = committed.get(tp, span.warm_from)

    async def _loop(self, stop: asyncio.Event, progress: Progress) -> bool:
        ends = {TopicPartition(s.topic, s.partition): s.end for s in self._plan.spans}
        active = {tp for tp, position in self.positions.items() if position < ends[tp]}
        if not active:
            return True
        consumer = AIOKafkaConsumer(
            **self._options,
            group_id=None,
            isolation_level="read_committed",
            enable_auto_commit=False,
            max_poll_records=self._max_batch,
            max_partition_fetch_bytes=topics.MAX_RECORD_BYTES + 64 * 1024,
        )
        await consumer.start()
        try:
            consumer.assign(sorted(active))
            for tp in active:
                consumer.seek(tp, self.positions[tp])
            while active:
                if stop.is_set():
                    return False
                batch = await consumer.getmany(*active, timeout_ms=200, max_records=self._max_batch)
                by_number: dict[int, list[tuple[TopicPartition, list[Any]]]] = {}
                for tp, messages in batch.items():
                    kept = [m for m in messages if self.positions[tp] <= m.offset < ends[tp]]
                    if kept:
                        by_number.setdefault(tp.partition, []).append((tp, kept))
                numbers = sorted(by_number)
                results = await asyncio.gather(*(self._transaction(n, by_number[n]) for n in numbers))
                for done in results:
                    self.positions.update(done)
                for tp in list(active):
                    position = await consumer.position(tp)
                    if position >= ends[tp]:
                        self.positions[tp] = max(self.positions[tp], ends[tp])
                        active.discard(tp)
                        consumer.pause(tp)
                progress(self._stats, self.passed())
            return True
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()

    async def _seal(self) -> None:
        """Commit each span's end as its offset (past trailing transaction markers and records a filter
        left out), so the group says exactly where the range ended: where a live worker resumes a rebuild."""
        for number, lane in self._lanes.items():
            ends = {TopicPartition(s.topic, s.partition): s.end for s in self._plan.spans if s.partition == number}
            if all(self._sealed.get(tp) == end for tp, end in ends.items()):
                continue
            await lane.producer.begin_transaction()
            await lane.producer.send_offsets_to_transaction(ends, self._target.group)
            await lane.producer.commit_transaction()

    async def _transaction(
        self, number: int, parts: list[tuple[TopicPartition, list[Any]]]
    ) -> dict[TopicPartition, int]:
        lane = self._lanes[number]
        done = await transact(
            lane.producer,
            self._transformer,
            lane.store,
            parts,
            changelog=self._target.changelog,
            number=number,
            group=self._target.group,
            choose=self.choose,
        )
        self._stats.records_in += done.records_in
        self._stats.records_out += done.records_out
        self._stats.transactions += 1
        return done.offsets


async def unless_stopped(work: Coroutine[Any, Any, bool], stop: asyncio.Event) -> bool:
    """``work``, cancelled as soon as ``stop`` is set (False then), even while it waits for an absent broker.

    Safe at any point: what was not committed is aborted or fenced by the next start.
    """
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return False


async def _committed(options: dict[str, Any], group: str) -> dict[TopicPartition, int]:
    async with admin_client(options, f"reading the offsets of the group {group}") as admin:
        found = await admin.list_consumer_group_offsets(group)
    return {tp: meta.offset for tp, meta in found.items() if meta.offset >= 0}


async def run_replay(
    settings: Settings,
    request: Request,
    start: Bound | None,
    end: Bound | None,
    *,
    into: str,
    max_batch: int,
    stop: asyncio.Event,
    progress: Callable[[Plan], Progress],
    announce: Callable[[Plan, bool], None],
) -> tuple[Plan, ReplayStats] | None:
    """Replay ``request`` into the prefix ``into`` until its plan is done; None if stopped first."""
    if into == settings.topic_prefix:
        raise ConfigError("--into must differ from DDEFLOW_TOPIC_PREFIX: replaying onto the live topics is --rebuild")
    endpoints = resolve(settings)
    options = kafka_options(settings, endpoints)
    target = into_target(into)
    processors = processor_registry.enabled(settings)
    async with registry_client(settings, endpoints) as registry:
        found = await until_done(lambda: fixed_plan(options, target, request, start, end), stop, "planning")
        if found is None:
            return None
        plan, resumed = found
        announce(plan, resumed)
        partitions = (await partition_counts(options, [plan.spans[0].topic]))[plan.spans[0].topic] if plan.spans else 1
        codec = await until_done(
            lambda: prepare_target(options, registry, target, partitions, settings.topic_layout, processors),
            stop,
            "preparing",
        )
        if codec is None:
            return None
        if not resumed:
            await until_done(lambda: store_plan(options, target.plan_topic, plan), stop, "storing the plan")
    transformer = Transformer(
        request.source_prefix, codec, retention_policy(settings), output_prefix=into, processors=processors
    )
    return await finish(options, target, plan, transformer, max_batch=max_batch, stop=stop, progress=progress)


async def finish(
    options: dict[str, Any],
    target: Target,
    plan: Plan,
    transformer: Transformer,
    *,
    max_batch: int,
    stop: asyncio.Event,
    progress: Callable[[Plan], Progress],
) -> tuple[Plan, ReplayStats] | None:
    """Run ``plan`` to its end, each attempt after a retriable failure resuming from the last commit;
    None if stopped first."""
    stats = ReplayStats(transformer.counters, started_at=time.monotonic())
    report = progress(plan)

    async def attempt() -> bool:
        replay = Replay(options, target, plan, transformer, stats, max_batch=max_batch)
        return await unless_stopped(replay.run(stop, report), stop)

    while not stop.is_set():
        if await until_done(attempt, stop, "replaying"):
            return plan, stats
    return None
