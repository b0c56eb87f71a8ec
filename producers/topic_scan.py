"""Reading back what a raw topic holds for one fixture stream (aiokafka shell over ``producers.history``).

One consumer, no group, manual assignment; scans are serialised (a lock), each
reading the fixture's partition backwards from its end in growing windows
(``history.backward_windows``) down to a lower bound: the offset of the first
record newer than ``since_ms`` (default: ``lookback_s`` ago).  A resume needs
only the latest ``need`` positioned records; a reconciliation of a stream not
fully seen by this process asks for everything (``need=None``).  At the start
of ``ingest live``, ``scan_recent`` reads each partition forwards from the
first record of the heal look-back (``offsets_for_times``) to its end.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError as AIOKafkaError

from ddeflow.client_errors import kafka_error
from ddeflow.errors import KafkaError
from producers.history import HeldRecord, StreamHistory, backward_windows
from producers.raw_records import Stream, read_headers
from producers.raw_sink import partition_for

log = logging.getLogger(__name__)

DEFAULT_LOOKBACK_S = 24 * 3600.0
_IDLE_POLLS = 100  # x 100 ms without any record while records are due: the broker is not answering


class TopicScanner:
    def __init__(
        self, kafka_options: dict[str, Any], *, lookback_s: float = DEFAULT_LOOKBACK_S, first_window: int = 512
    ) -> None:
        self._options = kafka_options
        self.lookback_s = lookback_s
        self._first_window = first_window
        self._consumer: AIOKafkaConsumer | None = None
        self._lock = asyncio.Lock()
        self.records_read = 0

    async def start(self) -> None:
        consumer = AIOKafkaConsumer(
            **self._options,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_uncommitted",
            fetch_max_wait_ms=50,
            client_id="ddeflow-ingest-scan",
        )
        try:
            await consumer.start()
        except AIOKafkaError as exc:
            await consumer.stop()
            raise kafka_error(exc, "starting the Kafka consumer") from None
        self._consumer = consumer

    async def stop(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await consumer.stop()

    async def history(
        self,
        topic: str,
        partitions: int,
        fixture_id: str,
        stream: Stream,
        *,
        need: int | None,
        since_ms: int | None = None,
    ) -> StreamHistory:
        """The fixture stream's records, newest first windows; ``need=None`` reads down to the lower bound."""
        key = fixture_id.encode("utf-8")
        tp = TopicPartition(topic, partition_for(key, partitions))
        history = StreamHistory(need if need is not None else 1 << 62)
        async with self._lock:
            consumer = self._started()
            try:
                consumer.assign([tp])
                end = (await consumer.end_offsets([tp]))[tp]
                low = await self._lower_bound(consumer, tp, end, since_ms)
                for lo, hi in backward_windows(end, low, self._first_window):
                    found = await self._read(consumer, tp, lo, hi)
                    history.add_window(
                        [
                            HeldRecord(record.offset, record.value, headers)
                            for record in found
                            if record.key == key and (headers := read_headers(record.headers)).stream in (stream, None)
                        ]
                    )
                    if history.satisfied:
                        break
                else:
                    history.complete = True
            except AIOKafkaError as exc:
                raise kafka_error(exc, f"reading {topic} back") from None
        return history

    async def scan_recent(
        self, topic: str, partitions: int, since_ms: int, visit: Callable[[bytes, bytes], None], *, chunk: int = 2048
    ) -> int:
        """Hand ``visit(key, value)`` every keyed record of ``topic`` from the first one stamped ``since_ms`` or later.

        Forwards, one partition after the other, in chunks of ``chunk`` offsets;
        the lock is taken per chunk, so streams recovering meanwhile wait for one
        chunk at most.  Returns the records read.
        """
        read = 0
        for partition in range(partitions):
            tp = TopicPartition(topic, partition)
            async with self._lock:
                consumer = self._started()
                try:
                    consumer.assign([tp])
                    end = (await consumer.end_offsets([tp]))[tp]
                    lo = await self._lower_bound(consumer, tp, end, since_ms)
                except AIOKafkaError as exc:
                    raise kafka_error(exc, f"reading {topic} back") from None
            while lo < end:
                hi = min(end, lo + chunk)
                async with self._lock:
                    consumer = self._started()
                    try:
                        consumer.assign([tp])
                        async for batch in self._batches(consumer, tp, lo, hi):
                            read += len(batch)
                            for record in batch:
                                if record.key is not None:
                                    visit(record.key, record.value)
                    except AIOKafkaError as exc:
                        raise kafka_error(exc, f"reading {topic} back") from None
                lo = hi
        return read

    async def _lower_bound(self, consumer: AIOKafkaConsumer, tp: TopicPartition, end: int, since_ms: int | None) -> int:
        begin: int = (await consumer.beginning_offsets([tp]))[tp]
        since = since_ms if since_ms is not None else int((time.time() - self.lookback_s) * 1000)
        found = (await consumer.offsets_for_times({tp: max(0, since)}))[tp]
        return max(begin, found.offset if found is not None else end)

    async def _read(self, consumer: AIOKafkaConsumer, tp: TopicPartition, lo: int, hi: int) -> list[Any]:
        return [record async for batch in self._batches(consumer, tp, lo, hi) for record in batch]

    async def _batches(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, lo: int, hi: int
    ) -> AsyncIterator[list[Any]]:
        """The records at offsets ``[lo, hi)``, as they arrive (``hi`` is at most the partition's end)."""
        consumer.seek(tp, lo)
        idle = 0
        while await consumer.position(tp) < hi:
            batch = await consumer.getmany(tp, timeout_ms=100, max_records=2000)
            got = batch.get(tp, [])
            if not got:
                idle += 1
                if idle > _IDLE_POLLS:
                    raise KafkaError(
                        f"reading {tp.topic}[{tp.partition}] offsets {lo}..{hi}: no records arrive", retriable=True
                    )
                continue
            idle = 0
            records = [record for record in got if record.offset < hi]
            self.records_read += len(records)
            yield records
            if got[-1].offset >= hi - 1:
                break

    def _started(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise KafkaError("the raw topic scanner is not running")
        return self._consumer
