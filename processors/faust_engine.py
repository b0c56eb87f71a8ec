"""``ddeflow process --engine faust``: the same Transformer in one Faust agent, at least once, state in a Faust table.

Also runs as ``faust -A ddeflow.processors.faust_app:app worker`` (``ddeflow.processors.faust_app`` builds the app
from the environment).

The agent reads every raw topic, ``--max-batch`` events at a time (``take_events``; Faust acks them only once the
batch is done), and for each partition number in the batch runs the records through that partition's
``PartitionStore`` with the ``Transformer`` and processors of the default engine.  Then, in this order:

1. every derived record is sent and its delivery awaited;
2. the state changes and the new input positions (``ddeflow.processors.faust_state``) are sent to the table's
   changelog partition of that number, and their delivery awaited;
3. the events are acked, and Faust commits their offsets when it next commits.

So the changelog never holds a state whose outputs are not on the broker, and never less than what the committed
offsets say was processed.  faust-streaming 0.15.3's own paths are not trusted for that (read in its source):

- table writes go through the producer's buffer, and the at-least-once commit flushes it with ``flush_atmost``,
  which gives up once 0.1 s pass without a message leaving it, then commits the offsets anyway: the state could
  fall behind the committed offsets.  This engine writes the changelog itself, with its own idempotent producer,
  and waits for each delivery.
- ``Consumer._new_offset`` treats an ack of ``committed + 1`` as following ``committed``: with acks out of order it
  commits past an offset never processed.  This engine does not rely on the committed offsets at all: the table
  holds the next offset to apply per input partition, records below it are skipped (already applied: Faust's
  commit lagged) and before a record above it the engine reads the missing ones from the broker and applies them
  first (``faust_state.Verdict``).
- ``put()`` in Faust's ``test_context`` waits for the agent to yield a value, and this agent yields none; it is
  tested against a real broker instead.

A crash can still re-send what a batch sent before it: consumers drop doubles by the ``ddeflow-id`` header.

The web server (``--web-port``, on 127.0.0.1) has Faust's own pages (its sensors' counts at ``/``, the assignment at
``/assignment/``), ``/stats/`` (the sensors' counts and the engine's counters) and ``/fixtures/``: each fixture's
current score and status from the state of the partitions this worker holds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, cast

import faust
import mode
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from faust.streams import Stream
from faust.types import EventT, StreamT
from faust.web import Request, Response, View

from ddeflow import topics
from ddeflow.avro import AvroCodec
from ddeflow.config import Settings
from ddeflow.endpoints import kafka_options, registry_client, resolve
from ddeflow.errors import ConfigError
from ddeflow.partitioning import default_partitioner
from ddeflow.processors import faust_state
from ddeflow.processors import registry as processor_registry
from ddeflow.processors.engine import raw_record, until_done
from ddeflow.processors.faust_state import Positions, Restored, Verdict
from ddeflow.processors.transform import Transformer, retention_policy
from ddeflow.processors.worker import WorkerStats, prepare
from ddeflow.producers.raw_records import RawRecord

log = logging.getLogger("ddeflow.processors.faust")

TABLE = "state"
AGENT = "process"
BATCH_WITHIN_S = 0.05
IDLE_CHECK_S = 2.0
PROGRESS_EVERY_S = 10.0


class Engine:
    """What the agent holds: the Transformer, one store and its positions per partition number, the producer."""

    def __init__(self, settings: Settings, app: faust.App, *, max_batch: int, until_idle_s: float | None) -> None:
        self.settings = settings
        self.app = app
        self.max_batch = max_batch
        self.until_idle_s = until_idle_s
        self.raw_topics = [spec.name for spec in topics.raw_topics(settings.topic_prefix, settings.topic_layout)]
        self.table = app.Table(
            TABLE,
            partitions=settings.topic_layout.raw_partitions,
            key_type=bytes,
            value_type=bytes,
        )
        self.transformer: Transformer | None = None
        self.producer: AIOKafkaProducer | None = None
        self.stats = WorkerStats()
        self._lanes: dict[int, Restored] = {}
        self.last_activity = time.monotonic()

    # --- start and stop ---------------------------------------------------------------

    async def start(self) -> None:
        """Topics, schemas and the producer: before Faust's consumer starts."""
        endpoints = resolve(self.settings)
        never = asyncio.Event()
        async with registry_client(self.settings, endpoints) as registry:
            codec: AvroCodec | None = await until_done(
                lambda: prepare(self.settings, registry), never, "preparing topics and schemas"
            )
        assert codec is not None  # until_done returns None only once ``never`` is set
        self.transformer = Transformer(
            self.settings.topic_prefix,
            codec,
            retention_policy(self.settings),
            processors=processor_registry.enabled(self.settings),
        )
        self.stats = WorkerStats(counters=self.transformer.counters)
        self.producer = AIOKafkaProducer(
            **kafka_options(self.settings, endpoints),
            client_id=f"{self.app.conf.id}-out",
            enable_idempotence=True,
            acks="all",
            linger_ms=2,
            max_batch_size=1024 * 1024,  # one input's state changes and position travel in one batch
            max_request_size=topics.MAX_RECORD_BYTES + 64 * 1024,
            partitioner=default_partitioner,
        )
        await self.producer.start()

    async def stop(self) -> None:
        if self.producer is not None:
            await self.producer.stop()
        log.info("stopped: %s", self.stats.summary())

    def revoked(self, partitions: set[int]) -> None:
        """Forget what a revoked partition number held: it is rebuilt from the table when it comes back.  The
        table's in-memory data is kept in step with what the engine writes to its changelog."""
        for number in partitions:
            self._lanes.pop(number, None)

    # --- processing -------------------------------------------------------------------

    def _lane(self, number: int) -> Restored:
        lane = self._lanes.get(number)
        if lane is None:
            items = ((key, value) for key, value in self.table.data.items())
            lane = self._lanes[number] = faust_state.restore(number, items)
            log.info("partition %d: %d states restored from the table", number, len(lane.store))
        return lane

    async def handle(self, events: Sequence[EventT[bytes]]) -> None:
        assert self.transformer is not None and self.producer is not None
        by_number: dict[int, list[EventT[bytes]]] = defaultdict(list)
        for event in events:
            by_number[event.message.partition].append(event)
        sends: list[asyncio.Future[Any]] = []
        applied: dict[int, list[RawRecord]] = {}
        outputs = 0
        for number, mine in sorted(by_number.items()):
            lane = self._lane(number)
            records = [record for event in mine for record in await self._admit(event, lane.positions)]
            for record in records:
                for out in self.transformer.handle(record, lane.store):
                    outputs += 1
                    sends.append(await self.producer.send(out.topic, out.value, key=out.key, headers=list(out.headers)))
            applied[number] = records
        await asyncio.gather(*sends)
        sends = []
        changelog = self.table.changelog_topic.get_topic_name()
        for number, records in applied.items():
            lane = self._lanes[number]
            changes = dict(faust_state.changes(number, lane.store))
            for topic in {record.topic for record in records}:
                changes[faust_state.position_key(number, topic)] = lane.positions.value(topic)
            for key, value in changes.items():
                sends.append(await self.producer.send(changelog, value, key=key, partition=number))
                if key.startswith(b"%d/o:" % number):
                    self.table.data[key] = value
        await asyncio.gather(*sends)
        for number in applied:
            for key, value in faust_state.changes(number, self._lanes[number].store):
                if value is None:
                    self.table.data.pop(key, None)
                else:
                    self.table.data[key] = value
            self._lanes[number].store.commit()
        self.stats.records_in += sum(map(len, applied.values()))
        self.stats.records_out += outputs
        self.stats.transactions += 1
        self.last_activity = time.monotonic()

    async def _admit(self, event: EventT[bytes], positions: Positions) -> list[RawRecord]:
        """The records to apply for ``event``: none if it is already applied, itself, or the records the state
        has not seen before it (read again from the broker) and itself."""
        message = event.message
        verdict = positions.verdict(message.topic, message.offset)
        if verdict is Verdict.MISSED:
            earliest = await self.app.consumer.earliest_offsets(message.tp)
            verdict = positions.verdict(message.topic, message.offset, log_start=earliest.get(message.tp))
        if verdict is Verdict.APPLIED:
            self.stats.counters["faust.already_applied"] += 1
            return []
        record = RawRecord(
            message.topic,
            message.partition,
            message.offset,
            message.key,
            message.value,
            _headers(message.headers),
            timestamp_ms=round(message.timestamp * 1000),
        )
        missed: list[RawRecord] = []
        if verdict is Verdict.MISSED:
            start = positions.next[message.topic]
            log.warning(
                "%s[%d]: offset %d arrived, %d was due: reading %d..%d again",
                message.topic,
                message.partition,
                message.offset,
                start,
                start,
                message.offset - 1,
            )
            missed = await self._read(message.topic, message.partition, start, message.offset)
            self.stats.counters["faust.read_again"] += len(missed)
        positions.next[message.topic] = message.offset + 1
        return [*missed, record]

    async def _read(self, topic: str, partition: int, start: int, end: int) -> list[RawRecord]:
        """The records of ``topic``/``partition`` at offsets ``start`` up to ``end`` (excluded)."""
        tp = TopicPartition(topic, partition)
        reader = AIOKafkaConsumer(**kafka_options(self.settings, resolve(self.settings)), enable_auto_commit=False)
        await reader.start()
        found: list[RawRecord] = []
        try:
            reader.assign([tp])
            reader.seek(tp, start)
            while await reader.position(tp) < end:
                batch = await reader.getmany(tp, timeout_ms=500)
                found += [raw_record(m) for m in batch.get(tp, []) if m.offset < end]
        finally:
            await reader.stop()
        return found

    # --- operations -------------------------------------------------------------------

    def scoreboard(self) -> list[dict[str, Any]]:
        """Each fixture's current score and status, from the partitions this worker holds."""
        rows = []
        if self.recovered():
            for number in self.partitions():
                self._lane(number)  # a partition that had no record since this worker started
        for number, lane in sorted(self._lanes.items()):
            for fixture in lane.store.fixtures():
                rows.append(
                    {
                        "fixtureId": fixture.fixture_id,
                        "partition": number,
                        "home": fixture.home_score,
                        "away": fixture.away_score,
                        "currentPeriod": fixture.current_period,
                        "status": fixture.status,
                        "finished": fixture.finished,
                        "fixtureSeqNum": fixture.summary_seq_num,
                    }
                )
        return rows

    def recovered(self) -> bool:
        """The table holds what its changelog does: no rebalance or recovery in progress (streams wait for that
        themselves; the web server does not)."""
        app = self.app
        recovery = cast(Any, app.tables).recovery
        return bool(recovery.completed.is_set() and not app.in_recovery and not app.rebalancing)

    def partitions(self) -> list[int]:
        """The raw partition numbers assigned to this worker."""
        return sorted({tp.partition for tp in self.app.consumer.assignment() if tp.topic in self.raw_topics})

    async def drained(self) -> bool:
        """Every assigned raw partition applied up to its end."""
        assigned = [tp for tp in self.app.consumer.assignment() if tp.topic in self.raw_topics]
        if not assigned or not self.recovered():
            return False
        ends = await self.app.consumer.highwaters(*assigned)
        starts = await self.app.consumer.earliest_offsets(*assigned)
        for tp in assigned:
            position = self._lane(tp.partition).positions.next.get(tp.topic)
            if (position if position is not None else starts[tp]) < ends[tp]:
                return False
        return True


def build_app(
    settings: Settings,
    *,
    max_batch: int = 1000,
    until_idle_s: float | None = None,
    web_port: int | None = None,
    web_bind: str = "127.0.0.1",
) -> EngineApp:
    """The Faust app of the engine: its agent, table, timers and web pages."""
    if settings.kafka_security_protocol != "PLAINTEXT":
        raise ConfigError(
            "the Faust engine connects to Kafka over PLAINTEXT only so far; use the default engine "
            f"with KAFKA_SECURITY_PROTOCOL={settings.kafka_security_protocol}"
        )
    endpoints = resolve(settings)
    options: dict[str, Any] = {} if web_port is None else {"web_port": web_port}
    app = EngineApp(
        settings.topic(topics.FAUST_APP),
        broker=[f"kafka://{server.strip()}" for server in endpoints.bootstrap_servers.split(",")],
        store="memory://",
        processing_guarantee="at_least_once",
        topic_partitions=settings.topic_layout.raw_partitions,
        topic_replication_factor=settings.topic_layout.replication or 1,
        table_standby_replicas=0,
        consumer_auto_offset_reset="earliest",
        agent_supervisor=mode.CrashingSupervisor,
        autodiscover=False,
        datadir=str(settings.home / "faust"),
        web_enabled=True,
        web_stats_enabled=True,
        web_bind=web_bind,
        web_host=web_bind,
        **options,
    )
    engine = Engine(settings, app, max_batch=max_batch, until_idle_s=until_idle_s)
    app.engine = engine
    source = app.topic(
        *engine.raw_topics, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
    )

    @app.agent(source, name=AGENT, concurrency=1)
    async def process(stream: StreamT[bytes]) -> None:
        async for events in cast(Stream[bytes], stream).take_events(engine.max_batch, within=BATCH_WITHIN_S):
            await engine.handle(events)

    @app.on_partitions_revoked.connect
    def on_revoked(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        revoked: set[Any] = args[0] if args else kwargs.get("revoked", set())
        engine.revoked({tp.partition for tp in revoked if tp.topic in engine.raw_topics})

    @app.timer(interval=IDLE_CHECK_S)  # type: ignore[untyped-decorator]
    async def check_idle() -> None:
        if engine.until_idle_s is None or time.monotonic() - engine.last_activity < engine.until_idle_s:
            return
        if await engine.drained():
            log.info("drained and idle for %.1f s: stopping", engine.until_idle_s)
            engine.until_idle_s = None
            os.kill(os.getpid(), signal.SIGTERM)  # Faust's own graceful stop

    @app.timer(interval=PROGRESS_EVERY_S)  # type: ignore[untyped-decorator]
    async def progress() -> None:
        log.info("progress: %s", engine.stats.summary())

    @app.page("/stats/")
    class Stats(View):
        async def get(self, request: Request) -> Response:
            sensors = {f"Sensor{i}": sensor.asdict() for i, sensor in enumerate(app.sensors)}
            stats = engine.stats
            mine = {"records_in": stats.records_in, "records_out": stats.records_out, "batches": stats.transactions}
            return self.json({"sensors": sensors, "engine": {**mine, "counters": dict(stats.counters)}})

    @app.page("/fixtures/")
    class Fixtures(View):
        async def get(self, request: Request) -> Response:
            if not engine.recovered():
                return self.error(503, "the table is being recovered")
            return self.json({"partitions": engine.partitions(), "fixtures": engine.scoreboard()})

    @app.page("/fixtures/{fixture_id}/")
    class OneFixture(View):
        async def get(self, request: Request, fixture_id: str) -> Response:
            if not engine.recovered():
                return self.error(503, "the table is being recovered")
            found = [row for row in engine.scoreboard() if row["fixtureId"] == fixture_id]
            if not found:
                return self.notfound(f"fixture {fixture_id} is not held by this worker")
            return self.json(found[0])

    return app


class EngineApp(faust.App):
    """Starts the engine (topics, schemas, producer) before Faust's consumer and stops it after."""

    engine: Engine

    async def on_first_start(self) -> None:
        self.conf.datadir.parent.mkdir(parents=True, exist_ok=True)  # Faust creates only the last level
        await super().on_first_start()
        await self.engine.start()

    async def on_stop(self) -> None:
        await super().on_stop()
        await self.engine.stop()


def _headers(headers: Any) -> tuple[tuple[str, bytes], ...]:
    """Faust's message headers (a list of pairs from Kafka, or a mapping) as the raw records' tuple."""
    pairs = headers.items() if isinstance(headers, dict) else (headers or ())
    return tuple((str(name), bytes(value)) for name, value in pairs)
