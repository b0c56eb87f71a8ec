"""Kafka and process plumbing of the end-to-end processor tests: feed a plan, run the worker, read what it wrote.

- ``feed`` appends a plan's records to the raw topics (creating them first, as a producer does).
- ``WorkerProcess`` runs ``ddeflow process`` as a subprocess, which a test may SIGKILL
  (from ``ddeflow.harness.worker_process``, shared with the chaos suite).
- ``read_derived`` reads every derived topic with ``read_committed`` and decodes the Avro
  values through the registry; ``Derived.comparable()`` is what two runs must agree on
  (from ``ddeflow.harness.derived``).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from ddeflow import topics
from ddeflow.admin import ensure_topics
from ddeflow.config import Settings, load_settings
from ddeflow.dde.sports import Sport
from ddeflow.harness.derived import (
    DLQ_VOLATILE_HEADERS,
    MAX_REQUEST_BYTES,
    Derived,
    Out,
    derived_topic_names,
    options,
    plain,
    read_derived,
    read_topic,
)
from ddeflow.harness.worker_process import (
    GROUP,
    GroupProgress,
    WorkerProcess,
    group_members,
    group_progress,
    group_state,
    worker_env,
)
from tests.infra import Infra
from tests.processors.integration.plan import Delivery

__all__ = [
    "DLQ_VOLATILE_HEADERS",
    "GROUP",
    "MAX_REQUEST_BYTES",
    "Derived",
    "GroupProgress",
    "Out",
    "WorkerProcess",
    "derived_topic_names",
    "group_members",
    "group_progress",
    "group_state",
    "options",
    "plain",
    "read_derived",
    "read_topic",
    "worker_env",
]


def new_settings(infra: Infra, home: Path, tag: str) -> Settings:
    """Settings on the session's infra under a topic prefix of their own."""
    return load_settings(
        KAFKA_BOOTSTRAP_SERVERS=infra.bootstrap_servers,
        SCHEMA_REGISTRY_URL=infra.registry_url,
        DDEFLOW_TOPIC_PREFIX=f"e2e{tag}{uuid.uuid4().hex[:8]}.",
        DDEFLOW_HOME=str(home),
    )


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


async def run_until_idle(
    settings: Settings, log_dir: Path, name: str, *, idle_s: float = 3.0, timeout_s: float = 300.0
) -> WorkerProcess:
    worker = WorkerProcess(settings, log_dir, name, until_idle_s=idle_s)
    await worker.start()
    code = await worker.wait(timeout_s)
    assert code == 0, f"worker {name} exited {code}; {worker.tail()}"
    return worker


def action_topics() -> list[str]:
    return [topics.derived_actions(sport) for sport in Sport]


# --- watching a running worker -----------------------------------------------------------------


async def wait_for_commits(worker: WorkerProcess, since: GroupProgress, *, timeout_s: float = 90.0) -> GroupProgress:
    """Until the group's committed offsets moved past ``since``: this worker owns partitions and commits."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert worker.process is not None and worker.process.returncode is None, f"worker died: {worker.tail()}"
        progress = await group_progress(worker.settings)
        if progress.committed > since.committed:
            return progress
        await asyncio.sleep(0.1)
    raise AssertionError(f"{worker.name} committed nothing in {timeout_s} s; {worker.tail()}")


class OpenTransactions:
    """How many records of the derived topics sit in transactions not yet committed or aborted.

    Per partition, the high watermark (read_uncommitted end) minus the last stable offset
    (read_committed end); both consumers stay open so that a probe costs two round trips.
    """

    def __init__(self, settings: Settings, names: Sequence[str] | None = None) -> None:
        """Over every derived topic, or only those of ``names`` (without the prefix)."""
        self._tps = [
            TopicPartition(spec.name, p)
            for spec in topics.derived_topics(settings.topic_prefix)
            if names is None or spec.name in {settings.topic(name) for name in names}
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


SETTLE_S = 0.5
"""How long a frozen worker's last request (a commit already on the wire) is given to take effect."""


async def kill_inside_a_transaction(worker: WorkerProcess, open_txn: OpenTransactions, *, within_s: float) -> int:
    """SIGKILL ``worker`` while one of its transactions holds records; return how many it held (0: none was caught).

    Seeing a transaction open is not enough: by the time the kill lands, the commit may have gone out.
    So the worker is frozen (SIGSTOP) when one is seen, and killed only if, frozen and settled, records
    are still uncommitted; otherwise it is thawed and watched again.
    """
    deadline = time.monotonic() + within_s
    try:
        while time.monotonic() < deadline:
            if await open_txn.records() == 0:
                continue
            worker.freeze()
            await asyncio.sleep(SETTLE_S)
            if (held := await open_txn.records()) > 0:
                return held
            worker.thaw()
        return 0
    finally:
        await worker.killed()
