"""Writing ``dde.feed-status``: a queue and one background task, so that frame ingest never waits for a status record.

``StreamStatus`` is one fixture stream's side: it feeds the pure ``StatusMachine``
(``ddeflow.producers.feed_status``) with the wall clock, runs a timer that calls ``tick`` when silence would pass the
threshold (a stream task sleeps in ``recv`` meanwhile), and hands each change to the ``FeedStatusWriter``.

The writer:

- ``offer`` never waits: the record is queued (at most ``max_queued``; past that the oldest is dropped and counted,
  with one warning).
- One task registers the schema (subject ``<prefix>dde.feed-status-value``, BACKWARD) once the registry answers,
  retrying with backoff, so ingest neither needs the registry to start nor waits for it; then it encodes each record
  as Avro and hands it to the raw producer (``RawSink.publish_keyed``) without waiting for its acknowledgement.
- During a Kafka outage it waits for the sink to heal and sends the record then: the records of the outage itself
  (down, reason ``kafka_outage``) arrive after it, with their own times.  A record handed to the producer just before
  an outage may be lost with it (the sink discards what it held): feed status is best effort there, and never a
  reason for ingest to stop.  Refused registry credentials or an incompatible schema: one error line, no status
  records, ingest goes on.
- ``stop`` gives the queue up to ``drain_timeout_s`` to empty, so the last streams' finished records go out before
  the producer is flushed (unless the registry has failed to answer so far: then nothing can go out).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from typing import Any

from ddeflow import topic_schemas
from ddeflow.avro import AvroCodec
from ddeflow.backoff import BackoffPolicy, backoff_delays
from ddeflow.errors import BrokerError, BrokerUnavailableError, RegistryError
from ddeflow.producers.feed_status import DownReason, FeedState, StatusChange, StatusMachine, avro_value
from ddeflow.producers.raw_records import Stream
from ddeflow.producers.raw_sink import RawSink
from ddeflow.registry import SchemaRegistry

log = logging.getLogger(__name__)

DEFAULT_MAX_QUEUED = 10_000


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class FeedStatusWriter:
    def __init__(
        self,
        sink: RawSink,
        registry: SchemaRegistry,
        topic_prefix: str,
        *,
        max_queued: int = DEFAULT_MAX_QUEUED,
        backoff: BackoffPolicy | None = None,
        drain_timeout_s: float = 5.0,
    ) -> None:
        self._sink = sink
        self._registry = registry
        self._binding = topic_schemas.feed_status_binding(topic_prefix)
        self._queue: deque[tuple[bytes, dict[str, Any]]] = deque()
        self._max_queued = max_queued
        self._ready = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        self._backoff = backoff or BackoffPolicy()
        self._drain_timeout_s = drain_timeout_s
        self._task: asyncio.Task[None] | None = None
        self.written = 0
        self.dropped = 0
        self.registry_failing = False
        """The schema is not registered yet and the registry failed to answer at least once."""

    @property
    def topic(self) -> str:
        return self._binding.topic

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="feed-status-writer")

    async def stop(self) -> None:
        if self._task is None:
            return
        if not self.registry_failing:  # a registry that is away would not let anything be written meanwhile
            drained = asyncio.ensure_future(self._drained.wait())
            try:
                await asyncio.wait(
                    [self._task, drained], timeout=self._drain_timeout_s, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                drained.cancel()
        if self._queue:
            log.warning("feed status: %d record(s) not written before stopping", len(self._queue))
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    def offer(self, key: str, value: dict[str, Any]) -> None:
        if len(self._queue) >= self._max_queued:
            self._queue.popleft()
            self.dropped += 1
            if self.dropped == 1:
                log.warning("feed status: more than %d records waiting; dropping the oldest", self._max_queued)
        self._queue.append((key.encode(), value))
        self._drained.clear()
        self._ready.set()

    async def _run(self) -> None:
        codec = await self._codec()
        if codec is None:
            return
        delays = backoff_delays(self._backoff, random.Random())
        while True:
            if not self._queue:
                self._drained.set()
                self._ready.clear()
                await self._ready.wait()
                continue
            key, value = self._queue[0]
            try:
                await self._sink.publish_keyed(self.topic, key, codec.encode(self._binding.subject, value))
            except BrokerUnavailableError:
                await self._sink.wait_healthy()
                continue
            except BrokerError as error:
                if error.retriable:
                    await asyncio.sleep(next(delays))
                    continue
                log.error("feed status: cannot write %s, no more status records: %s", self.topic, error)
                return
            self._queue.popleft()
            self.written += 1
            delays = backoff_delays(self._backoff, random.Random())

    async def _codec(self) -> AvroCodec | None:
        delays = backoff_delays(self._backoff, random.Random())
        binding = self._binding
        while True:
            try:
                schema_id = await self._registry.register(binding.subject, binding.schema)
                await self._registry.set_compatibility(binding.subject, topic_schemas.COMPATIBILITY)
                break
            except RegistryError as error:
                if not error.retriable:
                    log.error("feed status: not published: %s", error)
                    return None
                self.registry_failing = True
                delay_s = next(delays)
                log.info("feed status: registry unavailable (%s); trying again in %.2f s", error, delay_s)
                await asyncio.sleep(delay_s)
        codec = AvroCodec(self._registry)
        codec.use(binding.subject, schema_id, binding.schema)
        self.registry_failing = False
        return codec


class StreamStatus:
    """One fixture stream's feed status: the state machine, its silence timer, and its records to the writer."""

    def __init__(
        self,
        writer: FeedStatusWriter | None,
        *,
        fixture_id: str,
        sport: str,
        stream: Stream,
        media: bool,
        stale_after_s: float,
    ) -> None:
        self._writer = writer
        self._fixture_id = fixture_id
        self._sport = sport
        self._stream = stream.value
        self._media = media
        self.machine = StatusMachine(round(stale_after_s * 1000), _now_ms())
        self._wake = asyncio.Event()
        self._timer: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._writer is not None and self._timer is None:
            self._timer = asyncio.create_task(self._watch(), name=f"feed-status-{self._fixture_id}")

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            await asyncio.gather(self._timer, return_exceptions=True)
            self._timer = None

    def connecting(self, position: int) -> None:
        self.machine.connecting(_now_ms(), position)

    def alive(self, now_ms: int) -> None:
        self._emit(self.machine.alive(now_ms))

    def written(self, position: int, seq: int | None) -> None:
        self.machine.written(position, seq)

    def lost(self, reason: DownReason, detail: str | None) -> None:
        self._emit(self.machine.lost(_now_ms(), reason, detail))

    def finished(self) -> None:
        self._emit(self.machine.finished(_now_ms()))

    def _emit(self, change: StatusChange | None) -> None:
        if change is None or self._writer is None:
            return
        value = avro_value(
            change,
            fixture_id=self._fixture_id,
            sport=self._sport,
            stream=self._stream,
            media=self._media,
            threshold_ms=self.machine.threshold_ms,
        )
        self._writer.offer(self._fixture_id, value)
        if change.state is FeedState.UP:
            self._wake.set()

    async def _watch(self) -> None:
        while True:
            due_ms = self.machine.due_ms()
            if due_ms is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            wait_s = (due_ms - _now_ms()) / 1000
            if wait_s > 0:
                await asyncio.sleep(wait_s)
                continue
            self._emit(self.machine.tick(_now_ms()))
