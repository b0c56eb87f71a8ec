"""Writing raw records and dead letters to Kafka: the producers' one aiokafka producer.

The record format of the raw topics is documented in ``producers.raw_records``;
dead letters in ``ddeflow.dlq``.

Delivery: ``acks="all"`` and ``enable_idempotence=True``.  aiokafka keeps at
most one batch in flight per partition and retries it in place, so each
partition receives records in send order with none repeated, and after a crash
the topic holds a prefix of what was sent to each partition.  The partition is
chosen here (``partition_for``: Kafka's default murmur2 of the key) so that the
scanner that recovers a stream's position reads the same partition the records
went to.

A send that the client gives up on is never dropped silently: the first failure
is kept, ``failed`` is set (the commands watch it and stop), and every later
``publish`` raises it as a ``KafkaError``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError as AIOKafkaError
from aiokafka.partitioner import murmur2

from ddeflow.client_errors import kafka_error
from ddeflow.dlq import DeadLetter
from ddeflow.errors import KafkaError
from ddeflow.topics import MAX_RECORD_BYTES
from producers.progress import Counters, DelayHistogram
from producers.raw_records import RawRecord

log = logging.getLogger(__name__)


def partition_for(key: bytes, partitions: int) -> int:
    """Kafka's default partition for a key (the Java client's murmur2), among ``partitions``."""
    hashed: int = murmur2(key)
    return (hashed & 0x7FFFFFFF) % partitions


class RawSink:
    def __init__(self, kafka_options: dict[str, Any], *, linger_ms: int = 5) -> None:
        self._options = kafka_options
        self._linger_ms = linger_ms
        self._producer: AIOKafkaProducer | None = None
        self._partitions: dict[str, int] = {}
        self._pending: set[asyncio.Future[Any]] = set()
        self.failure: KafkaError | None = None
        self.failed = asyncio.Event()
        self.counters = Counters()
        self.delays = DelayHistogram()
        """Frame receipt to broker acknowledgement, for every raw record."""

    async def start(self) -> None:
        producer = AIOKafkaProducer(
            **self._options,
            acks="all",
            enable_idempotence=True,
            linger_ms=self._linger_ms,
            max_request_size=MAX_RECORD_BYTES + 64 * 1024,  # one record plus batch overhead
            client_id="ddeflow-ingest",
        )
        try:
            await producer.start()
        except AIOKafkaError as exc:
            await producer.stop()
            raise kafka_error(exc, "starting the Kafka producer") from None
        self._producer = producer

    async def stop(self) -> None:
        """Flush what was sent, then close; a failure during the flush is raised."""
        producer, self._producer = self._producer, None
        if producer is None:
            return
        try:
            await producer.flush()
            await self._wait_pending()
        finally:
            await producer.stop()
        self._raise_failure()

    async def flush(self) -> None:
        """Wait until every record sent so far is acknowledged (or raise the first failure)."""
        if self._producer is not None:
            await self._producer.flush()
        await self._wait_pending()
        self._raise_failure()

    async def _wait_pending(self) -> None:
        if self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    def _raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure

    async def partitions(self, topic: str) -> int:
        count = self._partitions.get(topic)
        if count is None:
            producer = self._started()
            found = await producer.partitions_for(topic)
            if not found:
                raise KafkaError(f"topic {topic} has no partitions (does it exist?)")
            count = self._partitions[topic] = len(found)
        return count

    async def publish(self, record: RawRecord) -> asyncio.Future[Any]:
        """Hand one raw record to the producer; the future resolves when the broker has it."""
        partition = partition_for(record.key, await self.partitions(record.topic))
        future = await self._send(record.topic, record.value, record.key, partition, list(record.headers))
        received_at_ns = record.received_at_ns
        future.add_done_callback(lambda done: self._acked(done, received_at_ns))
        return future

    async def dead_letter(self, topic: str, letter: DeadLetter) -> asyncio.Future[Any]:
        partition = None if letter.key is None else partition_for(letter.key, await self.partitions(topic))
        future = await self._send(topic, letter.value, letter.key, partition, list(letter.headers))
        self.counters.dead_letters += 1
        return future

    async def _send(
        self, topic: str, value: bytes, key: bytes | None, partition: int | None, headers: list[tuple[str, bytes]]
    ) -> asyncio.Future[Any]:
        self._raise_failure()
        producer = self._started()
        try:
            future: asyncio.Future[Any] = await producer.send(
                topic, value, key=key, partition=partition, headers=headers
            )
        except AIOKafkaError as exc:
            self._fail(exc, topic)
            raise self.failure from None  # type: ignore[misc]
        self._pending.add(future)
        future.add_done_callback(self._settled)
        return future

    def _settled(self, future: asyncio.Future[Any]) -> None:
        self._pending.discard(future)
        if future.cancelled():
            self._fail(None, "a record")
            return
        exc = future.exception()
        if exc is not None:
            self._fail(exc, "a record")

    def _acked(self, future: asyncio.Future[Any], received_at_ns: int) -> None:
        if not future.cancelled() and future.exception() is None:
            self.delays.record(time.time_ns() - received_at_ns)

    def _fail(self, exc: BaseException | None, where: str) -> None:
        if self.failure is None:
            what = f"Kafka did not accept {where}"
            self.failure = kafka_error(exc, what) if exc is not None else KafkaError(f"{what}: the send was cancelled")
            log.error("%s", self.failure)
            self.failed.set()

    def _started(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise KafkaError("the raw producer is not running")
        return self._producer
