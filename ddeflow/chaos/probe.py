"""Samples of a running pipeline's progress: committed derived records, the processors' lag, its group's members."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from ddeflow import topics
from ddeflow.chaos.recovery import Sample
from ddeflow.config import Settings
from ddeflow.harness.derived import options
from ddeflow.harness.worker_process import GROUP

log = logging.getLogger(__name__)
PROBE_TIMEOUT_S = 3.0
MAX_FETCHES = 10


class ProgressProbe:
    """Long-lived clients (made again after any failure, e.g. while the broker is down)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        prefix = settings.topic_prefix
        self._derived = [TopicPartition(s.name, p) for s in topics.derived_topics(prefix) for p in range(s.partitions)]
        self._raw = [TopicPartition(s.name, p) for s in topics.raw_topics(prefix) for p in range(s.partitions)]
        self._group = settings.topic(GROUP)
        self._clients: tuple[AIOKafkaConsumer, AIOKafkaConsumer, AIOKafkaAdminClient] | None = None
        self._counted = 0

    async def _open(self) -> tuple[AIOKafkaConsumer, AIOKafkaConsumer, AIOKafkaAdminClient]:
        if self._clients is None:
            opts: dict[str, Any] = {**options(self._settings), "request_timeout_ms": 2500}
            committed = AIOKafkaConsumer(
                **opts, group_id=None, isolation_level="read_committed", enable_auto_commit=False, fetch_max_wait_ms=50
            )
            raw = AIOKafkaConsumer(**opts, group_id=None)
            admin = AIOKafkaAdminClient(**opts)
            try:
                await committed.start()
                await raw.start()
                await admin.start()
            except BaseException:
                await self._close_all(committed, raw, admin)
                raise
            self._clients = (committed, raw, admin)
        return self._clients

    @staticmethod
    async def _close_all(committed: AIOKafkaConsumer, raw: AIOKafkaConsumer, admin: AIOKafkaAdminClient) -> None:
        for close in (committed.stop, raw.stop, admin.close):
            try:
                await asyncio.wait_for(close(), PROBE_TIMEOUT_S)
            except asyncio.CancelledError:  # aiokafka's stop() can re-raise its own fetch task's cancellation
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
            except Exception as exc:
                log.debug("closing a probe client failed: %r", exc)

    async def close(self) -> None:
        if self._clients is not None:
            clients, self._clients = self._clients, None
            await self._close_all(*clients)

    async def _count_committed(self, committed: AIOKafkaConsumer) -> int | None:
        """Committed derived records so far (offsets would also count transaction markers and aborted records)."""
        if not committed.assignment():
            existing = await committed.topics()
            if not {tp.topic for tp in self._derived} <= existing:
                return None  # the worker creates them at start
            committed.assign(self._derived)
            await committed.seek_to_beginning(*self._derived)
            self._counted = 0
        for _ in range(MAX_FETCHES):  # a long backlog is counted over several samples
            batch = await committed.getmany(timeout_ms=50, max_records=2000)
            if not batch:
                break
            self._counted += sum(len(records) for records in batch.values())
        return self._counted

    async def _measure(self) -> tuple[int | None, int, int, int]:
        committed, raw, admin = await self._open()
        derived = await self._count_committed(committed)
        ends = await raw.end_offsets(self._raw)
        done = await admin.list_consumer_group_offsets(self._group)
        lag = sum(max(0, ends[tp] - (done[tp].offset if tp in done and done[tp].offset >= 0 else 0)) for tp in ends)
        responses = await admin.describe_consumer_groups([self._group])
        # DescribeGroups rows: (error_code, group_id, state, protocol_type, protocol, members, ...)
        members = sum(len(row[5]) for response in responses for row in response.groups)
        return derived, lag, members, sum(ends.values())

    async def sample(self, at_s: float) -> Sample:
        try:
            derived, lag, members, raw = await asyncio.wait_for(self._measure(), PROBE_TIMEOUT_S)
        except Exception as exc:  # any failure of the cluster: an unreadable sample, new clients next time
            log.debug("progress probe failed: %r", exc)
            await self.close()
            return Sample(at_s, None, None, None)
        return Sample(at_s, derived, lag, members, raw)


async def sample_until(probe: ProgressProbe, started: float, out: list[Sample], stop: asyncio.Event) -> None:
    """Append a sample about every half second until ``stop``."""
    while not stop.is_set():
        out.append(await probe.sample(time.monotonic() - started))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)
