"""Writing raw records and dead letters to Kafka: the producers' one aiokafka producer, and broker outages.

The record format of the raw topics is documented in ``ddeflow.producers.raw_records``;
dead letters in ``ddeflow.dlq``.

Delivery: ``acks="all"`` and ``enable_idempotence=True``.  aiokafka keeps at
most one batch in flight per partition and retries it in place, so each
partition receives records in send order with none repeated, and the topic
holds a prefix, per partition, of what one producer was given.  The partition
is chosen here (``partition_for``: Kafka's default murmur2 of the key) so that
the scanner that recovers a stream's position reads the same partition the
records went to.

Broker outages (``ddeflow.producers.outage`` holds the policy).  A blip shorter than
``ack_timeout_s`` is no outage: aiokafka retries the batch in place, with the
same producer id and sequence numbers, so the broker drops a repeat.  An outage
starts when a send fails with a retriable error, or when the oldest
unacknowledged record is older than ``ack_timeout_s``.  Then:

1. One warning line (``ddeflow.outage``).  ``generation`` is bumped and
   ``healthy`` cleared: every ``publish`` and ``flush`` raises
   ``BrokerUnavailableError`` from now on, also those already waiting for
   buffer room or inside the client, and a caller holding an older generation
   learns that its records may be gone.
2. The producer is discarded, not flushed: its sender task is cancelled and its
   connections closed.  Nothing of it can reach the broker after that; the
   records it held are no longer counted against the buffer.
3. With capped, jittered exponential backoff, a fresh producer (a new producer
   id) is started until one starts; then ``healthy`` is set and one line says
   the outage is over, how long it lasted and how many attempts failed.
   Refused credentials or ACLs and bad configuration end this: ``failure`` is
   set and ``failed`` fires, and the commands stop.  Only those are fatal: a
   non-retriable error of the producer's own state (a sequence the broker no
   longer accepts) is an outage too, since a fresh producer leaves it behind
   (``outage.cured_by_a_fresh_producer``).

Why discarding loses nothing and writes nothing twice.  At the moment of the
outage some records were acknowledged (in the topic), some never left the
client, and some were in a request the broker may or may not have appended
(the request reached it and the answer was lost, or it never arrived).  The
producer cannot tell those apart, and an idempotent producer whose batches
failed cannot safely continue its sequence.  So no caller trusts its own count
of what it sent: each stream re-reads the topic (``TopicScanner``) after the
outage and resumes the feed right after what the topic really holds; the REST
reconciliation and ``ingest live`` re-read too.  Records the broker did append
are found and not sent again; records it did not are fetched from the feed
again.  This needs every request of the old producer to be appended or dropped
before the re-read: its sender is cancelled and its sockets closed before the
fresh producer starts, and the re-read only follows a successful start, so a
restarted broker (its connections died with it) cannot append an old request
later.  The one window left is a network partition with the broker alive,
where bytes of a request still in this host's TCP send buffer could arrive
after the re-read; that would duplicate those records (still each with its
``stream-position``, so the processors drop them), never lose one.

The buffer: records handed to the producer and not yet acknowledged are
bounded by ``max_buffered_bytes`` (``ddeflow.producers.outage.SendBuffer``); a publish
waits for room, so with the broker gone the streams stop reading within one
bound's worth of frames, and then the outage disconnects them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError as AIOKafkaError

from ddeflow.backoff import backoff_delays
from ddeflow.client_errors import kafka_error
from ddeflow.dlq import DeadLetter
from ddeflow.errors import BrokerError, BrokerUnavailableError
from ddeflow.outage import Outage
from ddeflow.partitioning import partition_for
from ddeflow.producers.outage import (
    OutagePolicy,
    SendBuffer,
    cured_by_a_fresh_producer,
    is_stalled,
    record_size,
)
from ddeflow.producers.progress import DelayHistogram, IngestCounters
from ddeflow.producers.raw_records import RawFrame
from ddeflow.topics import MAX_RECORD_BYTES

log = logging.getLogger(__name__)

_DISCARD_WAIT_S = 5.0
LINGER_MS = 5
"""How long ``ingest live``'s producer lets a batch wait for more records."""


class RawSink:
    def __init__(
        self,
        kafka_options: dict[str, Any],
        *,
        linger_ms: int = LINGER_MS,
        policy: OutagePolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._options = kafka_options
        self._linger_ms = linger_ms
        self.policy = policy or OutagePolicy()
        self._rng = rng or random.Random()
        self._producer: AIOKafkaProducer | None = None
        self._partitions: dict[str, int] = {}
        self._sent_at: dict[asyncio.Future[Any], float] = {}
        """Unacknowledged records of the current producer, oldest first."""
        self._buffer = SendBuffer(self.policy.max_buffered_bytes)
        self._room = asyncio.Event()
        self._room.set()
        self.generation = 0
        """Bumped at each outage: records published under an older generation may be lost."""
        self.healthy = asyncio.Event()
        self._lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        """Resolved when the current generation ends (an outage starts)."""
        self.outage = Outage("Kafka")
        self._healer: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self.failure: BrokerError | None = None
        self.failed = asyncio.Event()
        self.counters = IngestCounters()
        self.delays = DelayHistogram()
        """Frame receipt to broker acknowledgement, for every raw record."""

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        self._producer = await self._new_producer()
        self.healthy.set()
        self._watchdog = asyncio.create_task(self._watch(), name="raw-sink-watchdog")

    async def stop(self) -> None:
        """Flush what was sent, then close; a fatal failure is raised.

        During an outage nothing can be flushed: the producer is discarded with
        what it holds, which callers that needed it have learnt already (their
        generation is over) and the next run fetches again from the feed.
        """
        try:
            await self.flush()
        except BrokerUnavailableError:
            log.warning("stopping during a Kafka outage: unacknowledged records are discarded")
        finally:
            for task in (self._watchdog, self._healer):
                if task is not None:
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
            producer, self._producer = self._producer, None
            flushed = self.healthy.is_set() and self.failure is None
            self.healthy.clear()
            if producer is not None:
                await (producer.stop() if flushed else _discard(producer))

    async def _new_producer(self) -> AIOKafkaProducer:
        producer = AIOKafkaProducer(
            **self._options,
            acks="all",
            enable_idempotence=True,
            linger_ms=self._linger_ms,
            max_request_size=MAX_RECORD_BYTES + 64 * 1024,  # one record plus batch overhead
            client_id="ddeflow-ingest",
        )
        try:
            # An idempotent producer's start waits for a producer id without end while the broker is away.
            async with asyncio.timeout(self.policy.start_timeout_s):
                await producer.start()
        except (AIOKafkaError, TimeoutError) as exc:
            await _discard(producer)
            raise kafka_error(exc, "starting the Kafka producer") from None
        except BaseException:
            await _discard(producer)
            raise
        return producer

    # --- sending ----------------------------------------------------------------------------------

    async def partitions(self, topic: str) -> int:
        count = self._partitions.get(topic)
        if count is None:
            producer = self._started(self.generation)
            try:
                found = await self._unless_lost(asyncio.ensure_future(producer.partitions_for(topic)))
            except AIOKafkaError as exc:
                error = kafka_error(exc, f"looking up {topic}")
                self._trouble(error)
                raise error from None
            if not found:
                raise BrokerError(f"topic {topic} has no partitions (does it exist?)")
            count = self._partitions[topic] = len(found)
        return count

    async def publish(
        self, record: RawFrame, *, generation: int | None = None, frame: bool = False
    ) -> asyncio.Future[Any]:
        """Hand one raw record to the producer; the future resolves when the broker has it.

        With ``generation``: raise ``BrokerUnavailableError`` if an outage has begun
        since the caller took it (what it published before may be lost).  A
        websocket ``frame`` is counted in ``counters.frames`` once the broker has it.
        """
        partition = partition_for(record.key, await self.partitions(record.topic))
        on_ack = partial(self._acked, received_at_ns=record.received_at_ns, frame=frame, topic=record.topic)
        return await self._send(
            record.topic, record.value, record.key, partition, list(record.headers), generation, on_ack
        )

    async def publish_keyed(self, topic: str, key: bytes, value: bytes) -> asyncio.Future[Any]:
        """A record of the producers' own (feed status): partitioned by key like the raw records, not a frame."""
        partition = partition_for(key, await self.partitions(topic))
        return await self._send(topic, value, key, partition, [], None, None)

    async def dead_letter(
        self, topic: str, letter: DeadLetter, *, generation: int | None = None
    ) -> asyncio.Future[Any]:
        partition = None if letter.key is None else partition_for(letter.key, await self.partitions(topic))
        future = await self._send(topic, letter.value, letter.key, partition, list(letter.headers), generation, None)
        self.counters.dead_letters += 1
        return future

    async def flush(self, generation: int | None = None) -> None:
        """Wait until every record sent so far (under ``generation``, default the current one) is acknowledged.

        Raises the fatal failure, or ``BrokerUnavailableError`` when an outage
        began since ``generation`` or begins while waiting.
        """
        expected = self.generation if generation is None else generation
        self._started(expected)
        pending = list(self._sent_at)
        if pending:
            await self._unless_lost(asyncio.ensure_future(asyncio.wait(pending)))
        self._started(expected)

    async def _send(
        self,
        topic: str,
        value: bytes,
        key: bytes | None,
        partition: int | None,
        headers: list[tuple[str, bytes]],
        generation: int | None,
        on_ack: Callable[[asyncio.Future[Any]], None] | None,
    ) -> asyncio.Future[Any]:
        expected = self.generation if generation is None else generation
        self._started(expected)
        size = record_size(value, key, headers)
        while not self._buffer.admits(size):
            self._room.clear()
            await self._unless_lost(asyncio.ensure_future(self._room.wait()))
        producer = self._started(expected)
        # A task, so that the send can be abandoned if it blocks into an outage, and so that a record the
        # producer took is tracked even when the caller is cancelled just after.
        handing = asyncio.ensure_future(
            self._hand_over(
                producer, expected, size, on_ack, topic, value, key=key, partition=partition, headers=headers
            )
        )
        try:
            future: asyncio.Future[Any] = await self._unless_lost(handing)
        except AIOKafkaError as exc:
            error = kafka_error(exc, f"Kafka did not take a record for {topic}")
            self._trouble(error)
            raise self._unavailable() from None
        self._started(expected)  # the outage may have begun as the producer took the record
        return future

    async def _hand_over(
        self,
        producer: AIOKafkaProducer,
        generation: int,
        size: int,
        on_ack: Callable[[asyncio.Future[Any]], None] | None,
        topic: str,
        value: bytes,
        **send: Any,
    ) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = await producer.send(topic, value, **send)
        if generation == self.generation:  # else it went to a discarded producer
            self._buffer.add(size)
            self._sent_at[future] = time.monotonic()
            future.add_done_callback(partial(self._settled, size=size, generation=generation))
            if on_ack is not None:
                future.add_done_callback(on_ack)
        return future

    async def _unless_lost(self, work: asyncio.Future[Any]) -> Any:
        """``work``'s result, unless the generation ends first: then cancel it and raise."""
        lost = self._lost
        try:
            await asyncio.wait([work, lost], return_when=asyncio.FIRST_COMPLETED)
        except BaseException:  # the caller is cancelled
            if not work.done():
                work.cancel()
            raise
        if not work.done():
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)
            raise self._unavailable()
        return work.result()

    def _settled(self, future: asyncio.Future[Any], *, size: int, generation: int) -> None:
        if generation != self.generation:
            return  # failed with its discarded producer, whose records are no longer counted
        self._sent_at.pop(future, None)
        self._buffer.remove(size)
        if not self._room.is_set() and self._buffer.admits(size):
            self._room.set()
        if future.cancelled():
            self._trouble(BrokerUnavailableError("Kafka did not accept a record: the send was cancelled"))
            return
        exc = future.exception()
        if exc is not None:
            self._trouble(kafka_error(exc, "Kafka did not accept a record"))

    def _acked(self, future: asyncio.Future[Any], *, received_at_ns: int, frame: bool, topic: str) -> None:
        if not future.cancelled() and future.exception() is None:
            self.delays.record(time.time_ns() - received_at_ns)
            if frame:
                self.counters.frames += 1
                by_topic = self.counters.frames_by_topic
                by_topic[topic] = by_topic.get(topic, 0) + 1

    def _started(self, generation: int) -> AIOKafkaProducer:
        """The producer of ``generation``; raises the fatal failure, or why that generation is over."""
        if self.failure is not None or generation != self.generation or not self.healthy.is_set():
            raise self._unavailable()
        if self._producer is None:
            raise self._unavailable()
        return self._producer

    def _unavailable(self) -> BrokerError:
        if self.failure is not None:
            return self.failure
        if self._producer is None and not self.outage.ongoing:
            return BrokerError("the raw producer is not running")
        return BrokerUnavailableError(
            "Kafka is unavailable: records not acknowledged before the outage were discarded; "
            "resume from what the topic holds"
        )

    # --- outages ---------------------------------------------------------------------------------

    async def wait_healthy(self) -> int:
        """Wait for the end of the outage (raise the fatal failure if it cannot heal); the new generation."""
        while not self.healthy.is_set():
            if self.failure is not None:
                raise self.failure
            waits = [asyncio.ensure_future(self.healthy.wait()), asyncio.ensure_future(self.failed.wait())]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for wait in waits:
                    wait.cancel()
        if self.failure is not None:
            raise self.failure
        return self.generation

    def _trouble(self, error: BrokerError) -> None:
        if cured_by_a_fresh_producer(error):
            self._begin_outage(error)
        else:
            self._fail(error)

    def _begin_outage(self, cause: BrokerError) -> None:
        if self.failure is not None or self.outage.ongoing:
            return
        message = self.outage.failed(time.monotonic(), str(cause))
        log.warning(
            "%s; ingestion paused, %d unacknowledged records (%d bytes) discarded, to be fetched again from the feed",
            message,
            self._buffer.records,
            self._buffer.bytes,
        )
        self.generation += 1
        self.healthy.clear()
        self._lost.set_result(None)
        self._healer = asyncio.create_task(self._heal(), name="raw-sink-heal")

    async def _heal(self) -> None:
        old, self._producer = self._producer, None
        if old is not None:
            await _discard(old)
        self._sent_at.clear()
        self._buffer = SendBuffer(self.policy.max_buffered_bytes)
        self._room.set()
        delays = backoff_delays(self.policy.backoff, self._rng)
        while True:
            await asyncio.sleep(next(delays))
            try:
                producer = await self._new_producer()
            except BrokerError as error:
                if not cured_by_a_fresh_producer(error):
                    self._fail(error)
                    return
                self.outage.failed(time.monotonic(), str(error))
                log.debug("Kafka still unavailable: %s", error)
                continue
            break
        self._producer = producer
        self._lost = asyncio.get_running_loop().create_future()
        self.healthy.set()
        message = self.outage.healthy(time.monotonic())
        if message:
            log.warning("%s; streams resume from what the topics hold", message)

    async def _watch(self) -> None:
        """Declare an outage when the oldest unacknowledged record has waited ``ack_timeout_s``."""
        timeout_s = self.policy.ack_timeout_s
        while True:
            await asyncio.sleep(timeout_s / 4)
            if not self.healthy.is_set():
                continue
            oldest = next(iter(self._sent_at.values()), None)
            if is_stalled(oldest, time.monotonic(), timeout_s):
                self._begin_outage(BrokerUnavailableError(f"no acknowledgement from Kafka for {timeout_s:g} s"))

    def _fail(self, error: BrokerError) -> None:
        if self.failure is None:
            self.failure = error
            log.error("%s", error)
            self.failed.set()
            if not self._lost.done():
                self._lost.set_result(None)


async def _discard(producer: AIOKafkaProducer) -> None:
    """Close ``producer`` without flushing: nothing it holds may reach the broker afterwards.

    aiokafka has no abort: ``stop()`` flushes, and an idempotent producer retries a
    batch without end while the broker is away.  So its sender task is cancelled
    first (it sends nothing more), then its connections are closed (requests in
    flight fail).  The futures of the records it held are left unresolved; the
    sink stopped counting them when it moved to the next generation.
    """
    sender = getattr(producer, "_sender", None)
    task: asyncio.Task[None] | None = getattr(sender, "sender_task", None)
    if task is not None and not task.done():
        task.cancel()
    with contextlib.suppress(Exception):
        await producer.client.close()
    if task is not None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), _DISCARD_WAIT_S)
