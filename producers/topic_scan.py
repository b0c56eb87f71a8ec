"""Reading back what a raw topic holds for one fixture stream (aiokafka shell over ``ddeflow.producers.history``).

One consumer, no group, manual assignment; scans are serialised (a lock), each
reading the fixture's partition backwards from its end in growing windows
(``history.backward_windows``) down to a lower bound: the offset of the first
record newer than ``since_ms`` (default: ``lookback_s`` ago).  A resume needs
only the latest ``need`` positioned records; a reconciliation of a stream not
fully seen by this process asks for everything (``need=None``).

Most streams started are new: their partition holds nothing of them, and a scan
would read the whole window down to the lower bound to learn that, for every
start, at a cost that grows with the topic.  So the keys seen in each partition
are indexed, from the lowest bound asked for so far up to the end as of the last
scan, and extended forwards by what was appended since.  A key the index does not
hold has no record there: its history is complete and empty, read for nothing.
The index keeps each key's last offset, and forgets the keys whose last record
falls below the look-back bound: no later scan asks for an earlier record, since
a scan's lower bound is never earlier than ``lookback_s`` ago.

``scan_recent`` (the start of ``ingest live``) reads whole topics' recent
records instead: with a consumer of its own, so streams recovering meanwhile
never wait for it, every partition at once, forwards from the first record
stamped at or after ``since_ms`` (``offsets_for_times``) to the end.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError as AIOKafkaError

from ddeflow.client_errors import kafka_error
from ddeflow.errors import BrokerError
from ddeflow.partitioning import partition_for
from ddeflow.producers.history import HeldRecord, StreamHistory, backward_windows
from ddeflow.producers.raw_records import Stream, read_raw_headers

log = logging.getLogger(__name__)

DEFAULT_LOOKBACK_S = 24 * 3600.0
_IDLE_POLLS = 100  # x 100 ms without any record while records are due: the broker is not answering


@dataclass(slots=True)
class _KeyIndex:
    """The keys of a partition's records from offset ``low`` up to ``end`` (exclusive), each with its last offset."""

    low: int
    end: int
    last: dict[bytes, int] = field(default_factory=dict)

    def add(self, record: Any) -> None:
        self.last[record.key] = record.offset

    def forget_below(self, low: int) -> None:
        """Keep only what is at ``low`` or above: the keys with a record there."""
        if low > self.low:
            self.last = {key: offset for key, offset in self.last.items() if offset >= low}
            self.low = low


class TopicScanner:
    def __init__(
        self, kafka_options: dict[str, Any], *, lookback_s: float = DEFAULT_LOOKBACK_S, first_window: int = 512
    ) -> None:
        self._options = kafka_options
        self.lookback_s = lookback_s
        self._first_window = first_window
        self._consumer: AIOKafkaConsumer | None = None
        self._lock = asyncio.Lock()
        self._indexes: dict[TopicPartition, _KeyIndex] = {}
        self.records_read = 0

    async def start(self) -> None:
        self._consumer = await self._new_consumer("ddeflow-ingest-scan")

    async def _new_consumer(self, client_id: str) -> AIOKafkaConsumer:
        consumer = AIOKafkaConsumer(
            **self._options,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_uncommitted",
            fetch_max_wait_ms=50,
            client_id=client_id,
        )
        try:
            await consumer.start()
        except AIOKafkaError as exc:
            await consumer.stop()
            raise kafka_error(exc, "starting the Kafka consumer") from None
        return consumer

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
                if not await self._may_hold(consumer, tp, key, low, end, lowest=since_ms is None):
                    history.complete = True
                    return history
                for lo, hi in backward_windows(end, low, self._first_window):
                    found = await self._read(consumer, tp, lo, hi)
                    history.add_window(
                        [
                            HeldRecord(record.offset, record.value, headers)
                            for record in found
                            if record.key == key
                            and (headers := read_raw_headers(record.headers)).stream in (stream, None)
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
        self, partitions: Mapping[str, int], since_ms: int, visit: Callable[[str, bytes, bytes], None]
    ) -> int:
        """Hand ``visit(topic, key, value)`` every keyed record of the topics (name: partition count) from the
        first one stamped ``since_ms`` or later to the end as it is now.  Returns the records read."""
        tps = [TopicPartition(topic, p) for topic, count in partitions.items() for p in range(count)]
        if not tps:
            return 0
        consumer = await self._new_consumer("ddeflow-ingest-heal-scan")
        read = 0
        try:
            consumer.assign(tps)
            ends = await consumer.end_offsets(tps)
            begins = await consumer.beginning_offsets(tps)
            found = await consumer.offsets_for_times(dict.fromkeys(tps, max(0, since_ms)))
            due: dict[TopicPartition, int] = {}
            for tp in tps:
                at = found[tp]
                low = max(begins[tp], at.offset if at is not None else ends[tp])
                if low < ends[tp]:
                    consumer.seek(tp, low)
                    due[tp] = ends[tp]
            idle = 0
            while due:
                batch = await consumer.getmany(*due, timeout_ms=100, max_records=2000)
                if not any(batch.values()):
                    idle += 1
                    if idle > _IDLE_POLLS:
                        raise BrokerError(f"reading {len(due)} raw partitions back: no records arrive", retriable=True)
                    continue
                idle = 0
                for tp, records in batch.items():
                    end = due.get(tp, -1)
                    for record in records:
                        if record.offset < end:
                            read += 1
                            if record.key is not None:
                                visit(tp.topic, record.key, record.value)
                for tp in [tp for tp, end in due.items() if await consumer.position(tp) >= end]:
                    del due[tp]
        except AIOKafkaError as exc:
            raise kafka_error(exc, "reading the raw topics back") from None
        finally:
            await consumer.stop()
        self.records_read += read
        return read

    async def _lower_bound(self, consumer: AIOKafkaConsumer, tp: TopicPartition, end: int, since_ms: int | None) -> int:
        begin: int = (await consumer.beginning_offsets([tp]))[tp]
        since = since_ms if since_ms is not None else int((time.time() - self.lookback_s) * 1000)
        found = (await consumer.offsets_for_times({tp: max(0, since)}))[tp]
        return max(begin, found.offset if found is not None else end)

    async def _may_hold(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, key: bytes, low: int, end: int, *, lowest: bool
    ) -> bool:
        """Whether ``tp`` has a record keyed ``key`` in ``[low, end)``, by its key index (brought up to ``end``).

        ``lowest``: ``low`` is the look-back bound, below which no later call asks; the index forgets what is there.
        """
        index = self._indexes.get(tp)
        if index is None or index.low > low or index.end > end:  # new, too short, or the partition was recreated
            index = self._indexes[tp] = _KeyIndex(low, low)
        if index.end < end:
            await self._each(consumer, tp, index.end, end, index.add)
            index.end = end
        if lowest:
            index.forget_below(low)
        return index.last.get(key, -1) >= low

    async def _read(self, consumer: AIOKafkaConsumer, tp: TopicPartition, lo: int, hi: int) -> list[Any]:
        records: list[Any] = []
        await self._each(consumer, tp, lo, hi, records.append)
        return records

    async def _each(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, lo: int, hi: int, visit: Callable[[Any], object]
    ) -> None:
        """``visit`` every record of ``tp`` at offsets ``lo`` (inclusive) to ``hi`` (exclusive), in order."""
        consumer.seek(tp, lo)
        idle = 0
        while await consumer.position(tp) < hi:
            batch = await consumer.getmany(tp, timeout_ms=100, max_records=2000)
            got = batch.get(tp, [])
            if not got:
                idle += 1
                if idle > _IDLE_POLLS:
                    raise BrokerError(
                        f"reading {tp.topic}[{tp.partition}] offsets {lo}..{hi}: no records arrive", retriable=True
                    )
                continue
            idle = 0
            for record in got:
                if record.offset < hi:
                    visit(record)
                    self.records_read += 1
            if got[-1].offset >= hi - 1:
                break

    def _started(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise BrokerError("the raw topic scanner is not running")
        return self._consumer
