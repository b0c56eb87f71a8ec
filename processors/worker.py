"""The processor worker: raw topics in, derived Avro topics out, exactly once, with Kafka transactions.

How exactly-once holds
----------------------
- The worker consumes all raw topics in one consumer group with the range
  assignor.  Every raw topic has the same number of partitions, so one member
  owns partition number ``p`` of all of them.
- For each owned partition number it runs one transactional producer,
  ``transactional.id = <group>-p<p>``.  Starting it fences any older owner
  (a killed or partitioned worker) and aborts that owner's open transaction.
- State for ``p`` lives in memory and in partition ``p`` of a compacted
  changelog topic.  On assignment it is rebuilt from the changelog
  (read_committed), then the input is re-positioned at the committed offsets.
- Each poll's records for ``p`` are processed in one transaction holding the
  derived records, the dead letters, the changed states and the input offsets
  (``send_offsets_to_transaction``).  Either all of it becomes visible to
  ``read_committed`` consumers, or none of it; after a crash the records are
  re-processed from the last committed state and yield identical output.
- A rebalance waits for the transaction in progress (one lock around "process
  and commit" and around the revoke callback).

Riding through outages
----------------------
- A transaction that fails for any Kafka reason (the broker restarting, the
  coordinator moving, a broken producer, a fence) is not retried in place:
  whether the broker committed it is unknown.  The partition number's *lane* is
  rebuilt instead, after the next poll and with capped, jittered backoff: a new
  transactional producer (``init_transactions`` fences the old one and finishes
  its transaction), the state restored from the changelog, the input re-sought
  to the committed offsets.  State, offsets and outputs were committed together,
  so the rebuilt lane continues exactly where the last commit left it.
- Records polled for a lane that is being rebuilt are dropped and re-read.  So
  are records polled before a lane was rebuilt, whoever rebuilt it: the lane's
  consumer positions are put back to where its state ends.  A rebalance may
  rebuild a lane while a polled batch waits (for the lock, or through a pause
  in an outage), and the batch's records may then start past that point; taking
  them would skip the records in between.
- Topic creation, schema registration and joining the group are retried the
  same way at start; the registry is not needed after start (schema ids are
  resolved once).
- One log line when an outage starts, one when it ends with its duration.
  Only refused access (``KafkaAuthError``) and configuration errors end the worker.

Why not Faust's ``exactly_once``: see the README ("Exactly once").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.coordinator.assignors.range import RangePartitionAssignor

from ddeflow import topic_schemas, topics
from ddeflow.admin import ensure_topics, layout_findings
from ddeflow.avro import AvroCodec
from ddeflow.backoff import backoff_delays
from ddeflow.client_errors import translate
from ddeflow.config import Settings
from ddeflow.endpoints import Endpoints, kafka_options, registry_client, resolve
from ddeflow.errors import ConfigError, DdeflowError
from ddeflow.metrics import ProcessMetrics
from ddeflow.outage import Outage
from ddeflow.processors import registry as processor_registry
from ddeflow.processors.engine import RECOVERY_BACKOFF, fatal, lane_producer, pause, restore_store, transact, until_done
from ddeflow.processors.store import PartitionStore
from ddeflow.processors.transform import Transformer, retention_policy
from ddeflow.registry import SchemaRegistry

log = logging.getLogger("ddeflow.processors")

GROUP_NAME = topics.WORKER_GROUP
IDLE_CHECK_S = 0.5
PROGRESS_EVERY_S = 10.0
# A transaction or a lane rebuild that hangs this long is given up and rebuilt; the broker aborts
# an abandoned transaction itself (transaction.timeout.ms), so nothing half-done becomes visible.
TRANSACTION_TIMEOUT_S = 20.0
RECOVERY_STEP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


def group_id(settings: Settings) -> str:
    return settings.topic(GROUP_NAME)


def changelog_topic(settings: Settings) -> str:
    return settings.topic(topics.CHANGELOG)


@dataclass
class WorkerStats:
    counters: Counter[str] = field(default_factory=Counter)
    records_in: int = 0
    records_out: int = 0
    transactions: int = 0
    started_at: float = field(default_factory=time.monotonic)

    def summary(self) -> str:
        elapsed = max(time.monotonic() - self.started_at, 1e-9)
        interesting = ", ".join(f"{k}={v}" for k, v in sorted(self.counters.items()))
        return (
            f"{self.records_in} raw records in, {self.records_out} out, {self.transactions} transactions, "
            f"{self.records_in / elapsed:.0f} records/s; {interesting}"
        )


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, worker: Worker) -> None:
        self._worker = worker

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._worker.revoke({tp.partition for tp in revoked})

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        await self._worker.assign(list(assigned))


@dataclass(slots=True)
class _Lane:
    """What the worker holds for one owned partition number."""

    producer: AIOKafkaProducer
    store: PartitionStore


class Worker:
    def __init__(
        self,
        settings: Settings,
        endpoints: Endpoints,
        codec: AvroCodec,
        *,
        max_batch: int,
        metrics: ProcessMetrics | None = None,
    ) -> None:
        self._settings = settings
        self._options = kafka_options(settings, endpoints)
        self._group = group_id(settings)
        self._changelog = changelog_topic(settings)
        self.max_batch = max_batch
        self._transformer = Transformer(
            settings.topic_prefix, codec, retention_policy(settings), processors=processor_registry.enabled(settings)
        )
        self._lanes: dict[int, _Lane] = {}
        # Partition numbers assigned to us whose lane must be (re)built: producer, state, positions.
        self._broken: set[int] = set()
        self._lock = asyncio.Lock()
        self.assigned_once = False
        # Lane (re)builds so far, and the count at which each lane was last built: a batch polled before
        # its lane's build is not for that lane any more.
        self.builds = 0
        self._built_at: dict[int, int] = {}
        # The next offset to process per input partition.  Records below it (fetched before a seek) are skipped.
        self._next: dict[TopicPartition, int] = {}
        self.stats = WorkerStats(counters=self._transformer.counters)
        self.metrics = metrics
        if metrics is not None:
            metrics.follow(self.stats)
        self.outage = Outage("Kafka")
        self._delays = backoff_delays(RECOVERY_BACKOFF, random.Random())
        self.raw_topics = [spec.name for spec in topics.raw_topics(settings.topic_prefix)]
        self.consumer = AIOKafkaConsumer(
            **self._options,
            group_id=self._group,
            client_id=f"{self._group}-consumer",
            isolation_level="read_committed",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=max_batch,
            # Range keeps partition p of every raw topic on one member, next to the state of p.
            partition_assignment_strategy=(RangePartitionAssignor,),
            session_timeout_ms=10_000,
            heartbeat_interval_ms=1_000,
            fetch_max_wait_ms=settings.fetch_max_wait_ms,
        )

    # --- partition ownership ----------------------------------------------------------

    async def assign(self, assigned: list[TopicPartition]) -> None:
        async with self._lock:
            numbers = sorted({tp.partition for tp in assigned})
            self._broken.update(n for n in numbers if n not in self._lanes)
            self.assigned_once = True
            await self._heal_all(assigned)
            log.info(
                "owning partitions %s (%d states)%s",
                numbers,
                sum(len(lane.store) for lane in self._lanes.values()),
                f"; {sorted(self._broken)} wait for Kafka" if self._broken else "",
            )

    async def revoke(self, numbers: set[int]) -> None:
        async with self._lock:
            for number in sorted(numbers):
                self._broken.discard(number)
                await self._drop(number)

    async def _drop(self, number: int) -> None:
        lane = self._lanes.pop(number, None)
        if lane is not None:
            await _stop_quietly(lane.producer)

    async def heal(self) -> None:
        """Rebuild the lanes that failed."""
        if not self._broken:
            return
        async with self._lock:
            assignment = list(self.consumer.assignment())
            await self._heal_all(assignment)

    async def _heal_all(self, assignment: list[TopicPartition]) -> None:
        owned = {tp.partition for tp in assignment}
        for number in sorted(self._broken - owned):
            # A newer owner has it now (the fence was real): the revoke already took it, or we let it go here.
            self._broken.discard(number)
            await self._drop(number)
        for number in sorted(self._broken):
            try:
                await asyncio.wait_for(
                    self._own(number, [tp for tp in assignment if tp.partition == number]), RECOVERY_STEP_TIMEOUT_S
                )
            except Exception as exc:
                error = translate(exc, f"taking partition {number}")
                if fatal(error):
                    raise error from None
                self.failed(error)
                await self._drop(number)
                continue
            self._broken.discard(number)
        if not self._broken:
            self._healthy()

    async def _own(self, number: int, tps: list[TopicPartition]) -> None:
        """Fence the previous holder of ``number``, restore its state, and seek to its committed offsets."""
        await self._drop(number)
        producer = lane_producer(self._options, self._group, number, linger_ms=self._settings.linger_ms)
        try:
            # init_transactions: fences the previous owner (or our own broken producer) and finishes its
            # open transaction, so what the changelog and the committed offsets say is final from here on.
            await producer.start()
            store = await self._restore(number)
            # Committed offsets are read after fencing; they belong to the same transactions as the state.
            committed = {tp: await self.consumer.committed(tp) for tp in tps}
            missing = [tp for tp, offset in committed.items() if offset is None]
            starts = await self.consumer.beginning_offsets(missing) if missing else {}
        except BaseException:
            await _stop_quietly(producer)
            raise
        for tp, offset in committed.items():
            position = offset if offset is not None else starts[tp]
            self.consumer.seek(tp, position)
            self._next[tp] = position
        self._lanes[number] = _Lane(producer, store)
        self.builds += 1
        self._built_at[number] = self.builds

    async def _restore(self, number: int) -> PartitionStore:
        return await restore_store(self._options, self._changelog, number)

    def failed(self, error: DdeflowError) -> None:
        self.stats.counters["kafka_failures"] += 1
        message = self.outage.failed(time.monotonic(), str(error))
        if message:
            log.warning("%s", message)
        else:
            log.debug("still failing: %s", error)

    def _healthy(self) -> None:
        message = self.outage.healthy(time.monotonic())
        if message:
            log.warning("%s", message)
            self._delays = backoff_delays(RECOVERY_BACKOFF, random.Random())

    def next_delay_s(self) -> float:
        return next(self._delays)

    @property
    def next_offsets(self) -> dict[TopicPartition, int]:
        return self._next

    @property
    def broken(self) -> bool:
        return bool(self._broken)

    # --- processing -------------------------------------------------------------------

    async def process(self, batch: dict[TopicPartition, list[Any]], polled_after: int) -> None:
        """One transaction per partition number; a number whose transaction fails is rebuilt before it goes on.

        ``polled_after``: ``builds`` when the poll of ``batch`` began.
        """
        by_number: dict[int, list[tuple[TopicPartition, list[Any]]]] = defaultdict(list)
        for tp, messages in batch.items():
            if messages:
                by_number[tp.partition].append((tp, messages))
        async with self._lock:
            for number in [n for n in by_number if self._built_at.get(n, 0) > polled_after]:
                # Rebuilt since the poll began: its records are read again from where its state ends.
                for tp, messages in by_number.pop(number):
                    self.stats.counters["refetched"] += len(messages)
                    if number in self._lanes and tp in self._next:
                        self.consumer.seek(tp, self._next[tp])
            numbers = [n for n in sorted(by_number) if n not in self._broken and n in self._lanes]
            results = await asyncio.gather(
                *(asyncio.wait_for(self._transaction(n, by_number[n]), TRANSACTION_TIMEOUT_S) for n in numbers),
                return_exceptions=True,
            )
            for number, result in zip(numbers, results, strict=True):
                if isinstance(result, BaseException):
                    if isinstance(result, asyncio.CancelledError):
                        raise result
                    error = translate(result, f"the transaction of partition {number}")
                    if fatal(error):
                        raise error from None
                    self.failed(error)
                    self._broken.add(number)
                    self.stats.counters["aborted_transactions"] += 1

    async def _transaction(self, number: int, parts: list[tuple[TopicPartition, list[Any]]]) -> None:
        lane = self._lanes[number]
        producer, store = lane.producer, lane.store
        fresh: list[tuple[TopicPartition, list[Any]]] = []
        for tp, messages in parts:
            kept = [m for m in messages if m.offset >= self._next.get(tp, 0)]
            self.stats.counters["refetched"] += len(messages) - len(kept)
            if kept:
                fresh.append((tp, kept))
        if not fresh:
            return
        started = time.monotonic()
        done = await transact(
            producer, self._transformer, store, fresh, changelog=self._changelog, number=number, group=self._group
        )
        self._next.update(done.offsets)
        self.stats.records_in += done.records_in
        self.stats.records_out += done.records_out
        self.stats.transactions += 1
        if self.metrics is not None:
            self.metrics.committed(fresh, done.out_topics, time.monotonic() - started)

    async def drained(self) -> bool:
        """Every assigned input partition has been read up to its last stable offset."""
        if not self.assigned_once or self._broken:
            return False
        assignment = self.consumer.assignment()
        if not assignment:
            return True
        try:
            ends = await self.consumer.end_offsets(list(assignment))
            for tp in assignment:
                if await self.consumer.position(tp) < ends[tp]:
                    return False
        except Exception as exc:
            log.debug("cannot tell whether drained: %s", translate(exc, "reading end offsets"))
            return False
        return True

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.consumer.stop(), STOP_TIMEOUT_S)
        for lane in self._lanes.values():
            await _stop_quietly(lane.producer)
        self._lanes.clear()


async def _stop_quietly(producer: AIOKafkaProducer) -> None:
    """Stop a producer that may be broken: its errors and a hang are not ours to report any more."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(producer.stop(), STOP_TIMEOUT_S)


async def prepare(settings: Settings, registry: SchemaRegistry) -> AvroCodec:
    """Create every topic ddeflow's processing needs and register the output schemas."""
    endpoints = resolve(settings)
    options = kafka_options(settings, endpoints)
    await _check_topics(settings, options)
    codec = AvroCodec(registry)
    extra = processor_registry.extra_bindings(processor_registry.enabled(settings), settings.topic_prefix)
    ids = await topic_schemas.register_all(registry, settings.topic_prefix, extra)
    for binding in [*topic_schemas.bindings(settings.topic_prefix), *extra]:
        codec.use(binding.subject, ids[binding.subject], binding.schema)
    return codec


async def _check_topics(settings: Settings, options: dict[str, Any]) -> None:
    """Create what is missing, then refuse to run on topics laid out otherwise than the worker needs."""
    layout = settings.topic_layout
    extra = processor_registry.extra_topics(processor_registry.enabled(settings), settings.topic_prefix, layout)
    await ensure_topics(
        options, [*topics.all_topics(settings.topic_prefix, layout), *extra], replication=layout.replication
    )
    findings = await layout_findings(options, settings.topic_prefix, layout, just_created=True)
    for finding in findings:
        if not finding.fatal:
            log.warning("topic layout %s", finding)
    fatal = [str(finding) for finding in findings if finding.fatal]
    if fatal:
        raise ConfigError(
            "the topics are not laid out as the worker needs (see `ddeflow topics check`): " + "; ".join(fatal)
        )


async def run_worker(
    settings: Settings,
    *,
    until_idle_s: float | None = None,
    max_batch: int = 1000,
    commit_interval_ms: int = 0,
    stop: asyncio.Event | None = None,
    metrics: ProcessMetrics | None = None,
) -> WorkerStats:
    """Process until ``stop`` is set, or (with ``until_idle_s``) until drained and idle that long.

    Outages of Kafka or the registry, at start or while running, are waited out;
    only refused access and bad configuration end it with an error.
    """
    endpoints = resolve(settings)
    stop = stop or asyncio.Event()
    async with registry_client(settings, endpoints) as registry:
        codec = await until_done(lambda: prepare(settings, registry), stop, "preparing topics and schemas")
        if codec is None:
            return WorkerStats()
        worker = await until_done(
            lambda: _started(settings, endpoints, codec, max_batch, metrics), stop, "joining the group"
        )
        if worker is None:
            return WorkerStats()
        try:
            await _loop(worker, until_idle_s, commit_interval_ms / 1000, stop)
        finally:
            await worker.close()
            log.info("stopped: %s", worker.stats.summary())
    return worker.stats


async def _started(
    settings: Settings, endpoints: Endpoints, codec: AvroCodec, max_batch: int, metrics: ProcessMetrics | None
) -> Worker:
    worker = Worker(settings, endpoints, codec, max_batch=max_batch, metrics=metrics)
    worker.consumer.subscribe(worker.raw_topics, listener=_Rebalance(worker))
    try:
        await worker.consumer.start()
    except BaseException:
        await worker.close()
        raise
    return worker


async def _poll(worker: Worker, linger_s: float) -> dict[TopicPartition, list[Any]]:
    """One poll; with ``linger_s`` keep polling that long (or up to max_batch) to commit bigger transactions."""
    batch: dict[TopicPartition, list[Any]] = await worker.consumer.getmany(timeout_ms=100, max_records=worker.max_batch)
    if linger_s <= 0 or not any(batch.values()):
        return batch
    deadline = time.monotonic() + linger_s
    while (left := deadline - time.monotonic()) > 0 and sum(map(len, batch.values())) < worker.max_batch:
        more = await worker.consumer.getmany(timeout_ms=max(1, int(left * 1000)), max_records=worker.max_batch)
        for tp, messages in more.items():
            batch.setdefault(tp, []).extend(messages)
    return batch


async def _loop(worker: Worker, until_idle_s: float | None, linger_s: float, stop: asyncio.Event) -> None:
    last_activity = time.monotonic()
    last_progress = time.monotonic()
    while not stop.is_set():
        polled_after = worker.builds
        try:
            batch = await _poll(worker, linger_s)
        except Exception as exc:
            error = translate(exc, "polling the raw topics")
            if fatal(error):
                raise error from None
            worker.failed(error)
            await pause(stop, worker.next_delay_s())
            continue
        # After the poll, so that a revoke it ran has settled who owns what before a lane is rebuilt.
        await worker.heal()
        if worker.broken:
            await pause(stop, worker.next_delay_s())
        now = time.monotonic()
        if any(batch.values()):
            await worker.process(batch, polled_after)
            last_activity = now
        elif until_idle_s is not None and now - last_activity >= until_idle_s:
            if await worker.drained():
                return
            last_activity = now - until_idle_s + IDLE_CHECK_S
        if worker.metrics is not None:
            worker.metrics.lag(worker.consumer, worker.next_offsets)
        if now - last_progress >= PROGRESS_EVERY_S:
            log.info("progress: %s", worker.stats.summary())
            last_progress = now
