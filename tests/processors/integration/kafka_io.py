"""Kafka and process plumbing of the end-to-end processor tests: feed a plan, run the worker, read what it wrote.

- ``feed`` appends a plan's records to the raw topics (creating them first, as a producer does).
- ``WorkerProcess`` runs ``ddeflow process`` as a subprocess, which a test may SIGKILL.
- ``read_derived`` reads every derived topic with ``read_committed`` and decodes the Avro
  values through the registry; ``Derived.comparable()`` is what two runs must agree on.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from dde.sports import Sport
from ddeflow import topics
from ddeflow.admin import ensure_topics
from ddeflow.avro import AvroCodec
from ddeflow.config import Settings, load_settings
from ddeflow.dlq import read_headers
from ddeflow.endpoints import kafka_options, resolve
from ddeflow.registry import SchemaRegistry
from tests.infra import Infra
from tests.processors.integration.plan import Delivery

REPO = Path(__file__).resolve().parents[3]
MAX_REQUEST_BYTES = 16 * 1024 * 1024
GROUP = "ddeflow-processors"
DLQ_VOLATILE_HEADERS = frozenset({"dlq.failed-at-ns"})
"""Dead-letter headers that carry a wall clock, so two runs may differ there."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def new_settings(infra: Infra, home: Path, tag: str) -> Settings:
    """Settings on the session's infra under a topic prefix of their own."""
    return load_settings(
        KAFKA_BOOTSTRAP_SERVERS=infra.bootstrap_servers,
        SCHEMA_REGISTRY_URL=infra.registry_url,
        DDEFLOW_TOPIC_PREFIX=f"e2e{tag}{uuid.uuid4().hex[:8]}.",
        DDEFLOW_HOME=str(home),
    )


def options(settings: Settings) -> dict[str, Any]:
    return kafka_options(settings, resolve(settings))


def derived_topic_names(prefix: str) -> list[str]:
    return [spec.name for spec in topics.derived_topics(prefix)]


# --- feeding ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Written:
    delivery: Delivery
    partition: int
    offset: int


async def create_raw_topics(settings: Settings, *, max_message_bytes: int | None = None) -> None:
    specs = topics.raw_topics(settings.topic_prefix)
    if max_message_bytes is not None:
        specs = [
            topics.TopicSpec(s.name, s.partitions, {**s.config, "max.message.bytes": str(max_message_bytes)})
            for s in specs
        ]
    await ensure_topics(options(settings), specs)


class Feeder:
    """One idempotent producer appending plan records in order; ``written`` says where each landed."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._producer = AIOKafkaProducer(
            **options(settings), acks="all", enable_idempotence=True, linger_ms=5, max_request_size=MAX_REQUEST_BYTES
        )
        self.written: list[Written] = []

    async def __aenter__(self) -> Feeder:
        await create_raw_topics(self._settings)
        await self._producer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._producer.stop()

    async def send(
        self, deliveries: Iterable[Delivery], *, rate_per_s: float | None = None, until: asyncio.Event | None = None
    ) -> None:
        """Append ``deliveries`` in order and wait for every acknowledgement.

        With ``rate_per_s``, at about that rate; with ``until`` too, only until that event is
        set, and the rest at once.
        """
        prefix = self._settings.topic_prefix
        pending: list[tuple[Delivery, asyncio.Future[Any]]] = []
        started = time.monotonic()
        for count, item in enumerate(deliveries):
            if rate_per_s is not None and not (until is not None and until.is_set()):
                due = started + count / rate_per_s
                if (wait_s := due - time.monotonic()) > 0:
                    await asyncio.sleep(wait_s)
            future = await self._producer.send(
                item.topic(prefix), item.value, key=item.key, headers=list(item.headers(prefix))
            )
            pending.append((item, future))
        for item, future in pending:
            meta = await future
            self.written.append(Written(item, meta.partition, meta.offset))


async def feed(settings: Settings, deliveries: Sequence[Delivery]) -> list[Written]:
    async with Feeder(settings) as feeder:
        await feeder.send(deliveries)
    return feeder.written


# --- the worker as a subprocess ------------------------------------------------------------------

_COUNTER = re.compile(r"([a-z_.]+)=(\d+)")
_RECORDS_IN = re.compile(r"(\d+) raw records in")


def worker_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DDE_", "KAFKA_", "DDEFLOW_", "SCHEMA_"))}
    env.update(
        KAFKA_BOOTSTRAP_SERVERS=str(settings.kafka_bootstrap_servers),
        SCHEMA_REGISTRY_URL=str(settings.schema_registry_url),
        DDEFLOW_TOPIC_PREFIX=settings.topic_prefix,
        DDEFLOW_HOME=str(settings.home),
        DDEFLOW_STATE_GRACE_S=str(settings.state_grace_s),
    )
    return env


@dataclass
class WorkerProcess:
    """``ddeflow process`` in a subprocess; its output goes to files under ``log_dir``."""

    settings: Settings
    log_dir: Path
    name: str
    until_idle_s: float | None = None
    extra_args: tuple[str, ...] = ()
    process: asyncio.subprocess.Process | None = field(default=None, init=False)
    started_at: float = field(default=0.0, init=False)

    @property
    def stdout_path(self) -> Path:
        return self.log_dir / f"{self.name}.out"

    @property
    def stderr_path(self) -> Path:
        return self.log_dir / f"{self.name}.err"

    async def start(self) -> None:
        args = [sys.executable, "-m", "ddeflow.cli", "process"]
        if self.until_idle_s is not None:
            args += ["--until-idle", str(self.until_idle_s)]
        args += list(self.extra_args)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = await asyncio.create_subprocess_exec(
                *args, cwd=REPO, env=worker_env(self.settings), stdout=out, stderr=err
            )
        self.started_at = time.monotonic()

    async def wait(self, timeout_s: float) -> int:
        assert self.process is not None
        try:
            return await asyncio.wait_for(self.process.wait(), timeout_s)
        except TimeoutError:
            self.kill()
            await self.process.wait()
            raise AssertionError(f"worker {self.name} still running after {timeout_s} s; {self.tail()}") from None

    def kill(self) -> None:
        """SIGKILL: no chance to flush, commit or leave the group."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()

    async def killed(self) -> None:
        self.kill()
        if self.process is not None:
            await self.process.wait()

    def tail(self, chars: int = 3000) -> str:
        err = self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""
        out = self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""
        return f"stdout: {out[-chars:]!r}\nstderr: {err[-chars:]!r}"

    def output(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def counters(self) -> dict[str, int]:
        """The counters of the summary line the worker prints when it ends (``... records/s; name=n, ...``)."""
        lines = [line for line in self.output().splitlines() if "raw records in" in line]
        if not lines:
            return {}
        _, _, listed = lines[-1].partition("; ")
        return {name: int(value) for name, value in _COUNTER.findall(listed)}

    def records_in(self) -> int:
        found = _RECORDS_IN.findall(self.output())
        return int(found[-1]) if found else 0


async def run_until_idle(
    settings: Settings, log_dir: Path, name: str, *, idle_s: float = 3.0, timeout_s: float = 300.0
) -> WorkerProcess:
    worker = WorkerProcess(settings, log_dir, name, until_idle_s=idle_s)
    await worker.start()
    code = await worker.wait(timeout_s)
    assert code == 0, f"worker {name} exited {code}; {worker.tail()}"
    return worker


# --- reading back ------------------------------------------------------------------------------


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
    settings: Settings, topic: str, *, partitions: int = topics.DERIVED_PARTITIONS, timeout_s: float = 60.0
) -> list[Any]:
    """Every committed record of ``topic`` (read_committed), in (partition, offset) order."""
    consumer = AIOKafkaConsumer(
        **options(settings),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        fetch_max_wait_ms=50,
        max_partition_fetch_bytes=MAX_REQUEST_BYTES,
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)  # the last stable offsets, under read_committed
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
                    headers = {k: v for k, v in read_headers(o.headers).items() if k not in DLQ_VOLATILE_HEADERS}
                    if headers.get("dlq.source.topic", "").startswith(self.prefix):
                        headers["dlq.source.topic"] = headers["dlq.source.topic"][len(self.prefix) :]
                    by_key.setdefault(o.key, []).append((o.value, tuple(sorted(headers.items()))))
                else:
                    by_key.setdefault(o.key, []).append(o.value)
            out[name] = by_key
        return out


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


def action_topics() -> list[str]:
    return [topics.derived_actions(sport) for sport in Sport]


# --- watching a running worker -----------------------------------------------------------------


class OpenTransactions:
    """How many records of the derived topics sit in transactions not yet committed or aborted.

    Per partition, the high watermark (read_uncommitted end) minus the last stable offset
    (read_committed end); both consumers stay open so that a probe costs two round trips.
    """

    def __init__(self, settings: Settings) -> None:
        self._tps = [
            TopicPartition(spec.name, p)
            for spec in topics.derived_topics(settings.topic_prefix)
            for p in range(spec.partitions)
        ]
        self._committed = AIOKafkaConsumer(**options(settings), group_id=None, isolation_level="read_committed")
        self._uncommitted = AIOKafkaConsumer(**options(settings), group_id=None, isolation_level="read_uncommitted")

    async def __aenter__(self) -> OpenTransactions:
        await self._committed.start()
        await self._uncommitted.start()
        await self.records()  # the first call fetches metadata for every partition: slow, so not in a watch
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._committed.stop()
        await self._uncommitted.stop()

    async def records(self) -> int:
        stable = await self._committed.end_offsets(self._tps)
        high = await self._uncommitted.end_offsets(self._tps)
        return sum(high[tp] - stable[tp] for tp in self._tps)


@dataclass(frozen=True, slots=True)
class GroupProgress:
    committed: int
    """Sum of the processors' group's committed offsets over the raw topics."""
    lag: int
    """Raw records appended but not yet committed by the group."""


async def group_progress(settings: Settings, group: str | None = None) -> GroupProgress:
    """Progress of ``group`` (default: the processors' group under the settings' prefix) over the raw topics."""
    admin = AIOKafkaAdminClient(**options(settings))
    consumer = AIOKafkaConsumer(**options(settings), group_id=None)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group or settings.topic(GROUP))
        tps = [
            TopicPartition(spec.name, p)
            for spec in topics.raw_topics(settings.topic_prefix)
            for p in range(spec.partitions)
        ]
        ends = await consumer.end_offsets(tps)
        done = {tp: committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0 for tp in tps}
        return GroupProgress(sum(done.values()), sum(max(0, ends[tp] - done[tp]) for tp in tps))
    finally:
        await consumer.stop()
        await admin.close()


async def group_state(settings: Settings, group: str | None = None) -> tuple[str, int]:
    """The group's state (``Empty``, ``PreparingRebalance``, ``Stable``...) and how many members it has."""
    admin = AIOKafkaAdminClient(**options(settings))
    await admin.start()
    try:
        responses = await admin.describe_consumer_groups([group or settings.topic(GROUP)])
        # DescribeGroups v2 rows: (error_code, group_id, state, protocol_type, protocol, members, ...)
        rows = [row for response in responses for row in response.groups]
        return (rows[0][2] if rows else "Dead"), sum(len(row[5]) for row in rows)
    finally:
        await admin.close()


async def group_members(settings: Settings, group: str | None = None) -> int:
    return (await group_state(settings, group))[1]
