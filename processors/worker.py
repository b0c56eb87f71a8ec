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

Why not Faust's ``exactly_once``: see the README ("Exactly once").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.errors import KafkaError as AIOKafkaError
from aiokafka.errors import ProducerFenced

from ddeflow import schemas, topics
from ddeflow.admin import ensure_topics, partition_counts
from ddeflow.avro import AvroCodec
from ddeflow.config import Settings
from ddeflow.endpoints import Endpoints, kafka_options, registry_auth, resolve
from ddeflow.errors import ConfigError, KafkaError
from ddeflow.registry import SchemaRegistry
from processors.store import PartitionStore
from processors.transform import RawRecord, Transformer

log = logging.getLogger("ddeflow.processors")

GROUP_NAME = "ddeflow-processors"
CHANGELOG_NAME = "ddeflow-processors.state-changelog"
IDLE_CHECK_S = 0.5
PROGRESS_EVERY_S = 10.0


def group_id(settings: Settings) -> str:
    return settings.topic(GROUP_NAME)


def changelog_topic(settings: Settings) -> str:
    return settings.topic(CHANGELOG_NAME)


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


class Worker:
    def __init__(self, settings: Settings, endpoints: Endpoints, codec: AvroCodec, *, max_batch: int) -> None:
        self._settings = settings
        self._options = kafka_options(settings, endpoints)
        self._group = group_id(settings)
        self._changelog = changelog_topic(settings)
        self.max_batch = max_batch
        self._transformer = Transformer(settings.topic_prefix, codec)
        self._stores: dict[int, PartitionStore] = {}
        self._producers: dict[int, AIOKafkaProducer] = {}
        self._lock = asyncio.Lock()
        self.assigned_once = False
        # The next offset to process per input partition.  Records below it (fetched before a seek) are skipped.
        self._next: dict[TopicPartition, int] = {}
        self.stats = WorkerStats(counters=self._transformer.counters)
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
        )

    # --- partition ownership ----------------------------------------------------------

    async def assign(self, assigned: list[TopicPartition]) -> None:
        async with self._lock:
            numbers = sorted({tp.partition for tp in assigned})
            await asyncio.gather(*(self._own(n) for n in numbers if n not in self._producers))
            # Positions come from the committed offsets read *after* fencing the previous owner.
            committed = {tp: await self.consumer.committed(tp) for tp in assigned}
            missing = [tp for tp, offset in committed.items() if offset is None]
            starts = await self.consumer.beginning_offsets(missing) if missing else {}
            self._next = {}
            for tp, offset in committed.items():
                position = offset if offset is not None else starts[tp]
                self.consumer.seek(tp, position)
                self._next[tp] = position
            self.assigned_once = True
            log.info("owning partitions %s (%d states)", numbers, sum(len(s) for s in self._stores.values()))

    async def _own(self, number: int) -> None:
        producer = AIOKafkaProducer(
            **self._options,
            client_id=f"{self._group}-p{number}",
            transactional_id=f"{self._group}-p{number}",
            enable_idempotence=True,
            acks="all",
            linger_ms=2,
            max_request_size=topics.MAX_RECORD_BYTES + 64 * 1024,  # a dead letter carries the whole bad frame
        )
        await producer.start()  # init_transactions: fences the previous owner, aborts its open transaction
        self._producers[number] = producer
        self._stores[number] = await self._restore(number)

    async def _restore(self, number: int) -> PartitionStore:
        store = PartitionStore()
        tp = TopicPartition(self._changelog, number)
        reader = AIOKafkaConsumer(**self._options, isolation_level="read_committed", enable_auto_commit=False)
        await reader.start()
        try:
            reader.assign([tp])
            await reader.seek_to_beginning(tp)
            end = (await reader.end_offsets([tp]))[tp]
            while await reader.position(tp) < end:
                batch = await reader.getmany(tp, timeout_ms=500, max_records=5000)
                for message in batch.get(tp, []):
                    store.restore(message.key, message.value)
        finally:
            await reader.stop()
        return store

    async def revoke(self, numbers: set[int]) -> None:
        async with self._lock:
            for number in sorted(numbers):
                producer = self._producers.pop(number, None)
                self._stores.pop(number, None)
                if producer is not None:
                    await producer.stop()

    # --- processing -------------------------------------------------------------------

    async def process(self, batch: dict[TopicPartition, list[Any]]) -> None:
        by_number: dict[int, list[tuple[TopicPartition, list[Any]]]] = defaultdict(list)
        for tp, messages in batch.items():
            if messages:
                by_number[tp.partition].append((tp, messages))
        async with self._lock:
            await asyncio.gather(*(self._transaction(n, parts) for n, parts in sorted(by_number.items())))

    async def _transaction(self, number: int, parts: list[tuple[TopicPartition, list[Any]]]) -> None:
        producer = self._producers.get(number)
        store = self._stores.get(number)
        if producer is None or store is None:
            return  # revoked while the batch was in flight: the new owner re-reads these records
        fresh: list[tuple[TopicPartition, list[Any]]] = []
        for tp, messages in parts:
            kept = [m for m in messages if m.offset >= self._next.get(tp, 0)]
            self.stats.counters["refetched"] += len(messages) - len(kept)
            if kept:
                fresh.append((tp, kept))
        if not fresh:
            return
        await producer.begin_transaction()
        try:
            sent = 0
            for _, messages in fresh:
                for message in messages:
                    record = RawRecord(
                        message.topic,
                        message.partition,
                        message.offset,
                        message.key,
                        message.value,
                        tuple(message.headers),
                    )
                    for out in self._transformer.handle(record, store):
                        await producer.send(out.topic, out.value, key=out.key, headers=list(out.headers))
                        sent += 1
            for key, value in store.pending():
                await producer.send(self._changelog, value, key=key, partition=number)
            offsets = {tp: messages[-1].offset + 1 for tp, messages in fresh}
            await producer.send_offsets_to_transaction(offsets, self._group)
            await producer.commit_transaction()
        except ProducerFenced:
            store.discard()
            raise KafkaError(
                f"partition {number} was taken over by another worker mid-transaction; this worker stops"
            ) from None
        except BaseException:
            store.discard()
            with contextlib.suppress(AIOKafkaError):
                await producer.abort_transaction()
            raise
        store.commit()
        self._next.update(offsets)
        self.stats.records_in += sum(len(messages) for _, messages in fresh)
        self.stats.records_out += sent
        self.stats.transactions += 1

    async def drained(self) -> bool:
        """Every assigned input partition has been read up to its last stable offset."""
        if not self.assigned_once:
            return False
        assignment = self.consumer.assignment()
        if not assignment:
            return True
        ends = await self.consumer.end_offsets(list(assignment))
        for tp in assignment:
            if await self.consumer.position(tp) < ends[tp]:
                return False
        return True

    async def close(self) -> None:
        with contextlib.suppress(AIOKafkaError):
            await self.consumer.stop()
        for producer in self._producers.values():
            with contextlib.suppress(AIOKafkaError):
                await producer.stop()
        self._producers.clear()


async def prepare(settings: Settings, registry: SchemaRegistry) -> AvroCodec:
    """Create every topic ddeflow's processing needs and register the output schemas."""
    endpoints = resolve(settings)
    options = kafka_options(settings, endpoints)
    raw = topics.raw_topics(settings.topic_prefix)
    counts = {spec.partitions for spec in raw}
    if len(counts) != 1:
        raise ConfigError(f"raw topics must share one partition count, found {sorted(counts)}")
    changelog = topics.TopicSpec(
        changelog_topic(settings), raw[0].partitions, {"cleanup.policy": "compact", "min.compaction.lag.ms": "0"}
    )
    await ensure_topics(options, [*raw, *topics.derived_topics(settings.topic_prefix), changelog])
    await _check_partitions(options, [spec.name for spec in raw] + [changelog.name], raw[0].partitions)
    codec = AvroCodec(registry)
    ids = await schemas.register_all(registry, settings.topic_prefix)
    for binding in schemas.bindings(settings.topic_prefix):
        codec.use(binding.subject, ids[binding.subject], binding.schema)
    return codec


async def _check_partitions(options: dict[str, Any], names: list[str], expected: int) -> None:
    counts = await partition_counts(options, names)
    for _ in range(30):  # topics created a moment ago may not be in the metadata yet
        if all(counts.values()):
            break
        await asyncio.sleep(0.5)
        counts = await partition_counts(options, names)
    for name, found in counts.items():
        if found != expected:
            raise ConfigError(
                f"topic {name} has {found} partitions, expected {expected}: the raw topics and the "
                "state changelog must be co-partitioned"
            )


async def run_worker(
    settings: Settings,
    *,
    until_idle_s: float | None = None,
    max_batch: int = 1000,
    commit_interval_ms: int = 0,
    stop: asyncio.Event | None = None,
) -> WorkerStats:
    """Process until ``stop`` is set, or (with ``until_idle_s``) until drained and idle that long."""
    endpoints = resolve(settings)
    stop = stop or asyncio.Event()
    async with SchemaRegistry(endpoints.registry_url, auth=registry_auth(settings)) as registry:
        codec = await prepare(settings, registry)
        worker = Worker(settings, endpoints, codec, max_batch=max_batch)
        try:
            worker.consumer.subscribe(worker.raw_topics, listener=_Rebalance(worker))
            await worker.consumer.start()
            await _loop(worker, until_idle_s, commit_interval_ms / 1000, stop)
        except AIOKafkaError as exc:
            raise KafkaError(f"processing failed: {type(exc).__name__}: {exc}") from None
        finally:
            await worker.close()
            log.info("stopped: %s", worker.stats.summary())
    return worker.stats


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
        batch = await _poll(worker, linger_s)
        now = time.monotonic()
        if any(batch.values()):
            await worker.process(batch)
            last_activity = now
        elif until_idle_s is not None and now - last_activity >= until_idle_s:
            if await worker.drained():
                return
            last_activity = now - until_idle_s + IDLE_CHECK_S
        if now - last_progress >= PROGRESS_EVERY_S:
            log.info("progress: %s", worker.stats.summary())
            last_progress = now


def install_stop_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
