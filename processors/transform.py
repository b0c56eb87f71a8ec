"""One raw record in, the derived records and state changes out.  No I/O.

Routing: ``dde.raw.<sport>.actions`` records are action packets,
``dde.raw.<sport>.statistics`` records are statistics packets.  A record that
does not parse goes to the dead-letter topic with its source coordinates;
nothing else about it is kept.  A parsed packet moves the built-in states on
(dedupe and the sendType lifecycle, ``ddeflow.processors.core``), then becomes
one typed event for the processors that want its sport and stream
(``ddeflow.processors.api``; by default the four built-ins of
``ddeflow.processors.builtins``), whose records are the output, in the
processors' order.  While a processor of the sport wants
the previous statistics snapshot, each fixture's last applied one is kept in
the store beside its statistics state.  Every output carries the ``ddeflow-id``
header (``ddeflow.producers.raw_records.record_id``): the input's topic,
partition and offset and the output's index among that input's outputs.
Everything here is a
function of the input and the state, so re-processing the same records from the
same state yields byte-identical output.

Before a record is applied, the stream time of its topic (in this partition)
moves up to the record's timestamp and the state of streams over for longer
than the grace period is removed, leaving a marker; a record of a removed
stream is counted (``actions.late_for_removed_fixture``,
``statistics.late_for_removed_fixture``) and dropped.  The rule, and why it
makes replays equal live runs, is in ``ddeflow.processors.core.retention``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ddeflow import topics
from ddeflow.avro import AvroCodec
from ddeflow.config import Settings
from ddeflow.dde import ActionPacket, Sport, StatisticsPacket, parse_action_packet, parse_statistics_packet
from ddeflow.dlq import dead_letter
from ddeflow.errors import PacketError
from ddeflow.processors.api import ActionEvent, Processor, StatisticsEvent
from ddeflow.processors.builtins import BUILTINS
from ddeflow.processors.core import (
    Disposition,
    MarkedStream,
    Marker,
    RetentionPolicy,
    StatisticsState,
    StreamTime,
    advance,
    advance_action,
    advance_statistics,
    fixture_is_over,
)
from ddeflow.processors.core.processor_states import SnapshotState
from ddeflow.processors.runner import OutRecord as OutRecord
from ddeflow.processors.runner import ProcessorSet
from ddeflow.processors.store import (
    PartitionStore,
    action_key,
    encode_state,
    fixture_key,
    marker_key,
    processor_key,
    snapshot_key,
    statistics_key,
    stream_time_key,
)
from ddeflow.producers.raw_records import (
    HEADER_RECORD_ID,
    RawRecord,
    Stream,
    raw_topic,
    received_at_us,
    record_id,
)

ORIGIN = "processor"
SNAPSHOT_MAX_BYTES = 900 * 1024
"""The largest statistics snapshot kept for ``snapshot_before``, as stored: a changelog record must stay under
the broker's default ``max.message.bytes`` (1 MB).  A larger one is counted (``statistics.snapshot_not_kept``)
and the next event's ``snapshot_before`` is None."""


@dataclass(frozen=True, slots=True)
class Route:
    sport: Sport
    stream: Stream


def raw_routes(prefix: str) -> dict[str, Route]:
    """Every raw topic under ``prefix`` with the sport and stream it carries."""
    routes: dict[str, Route] = {}
    for sport in Sport:
        for stream in Stream:
            routes[raw_topic(prefix, sport, stream)] = Route(sport, stream)
    return routes


def retention_policy(settings: Settings) -> RetentionPolicy:
    """The grace period from the settings; markers last as long as the raw topics keep their records."""
    return RetentionPolicy(grace_ms=settings.state_grace_s * 1000, marker_ms=topics.RAW_RETENTION_MS)


class Transformer:
    """Applies raw records to a partition's store; counts what happened in ``counters``."""

    def __init__(
        self,
        prefix: str,
        codec: AvroCodec,
        retention: RetentionPolicy,
        *,
        output_prefix: str | None = None,
        processors: Sequence[Processor[Any]] = BUILTINS,
    ) -> None:
        """Reads the raw topics under ``prefix``; writes under ``output_prefix`` (default: the same) what
        ``processors`` derive (default: the built-ins), in their order."""
        self._out_prefix = prefix if output_prefix is None else output_prefix
        self._retention = retention
        self._routes = raw_routes(prefix)
        # Ids name the raw topic without the deployment's prefix, so two runs over the same raw offsets under
        # different prefixes (a rebuild beside a fresh run, a copy) write the same ids.
        self._id_topics = {topic: raw_topic("", route.sport, route.stream) for topic, route in self._routes.items()}
        self._dlq_topic = self._out_prefix + topics.DLQ
        self.counters: Counter[str] = Counter()
        self._processors = ProcessorSet(processors, self._out_prefix, codec, self.counters, self._dlq_topic)

    def handle(self, record: RawRecord, store: PartitionStore) -> list[OutRecord]:
        """The records derived from ``record``, each with its ``ddeflow-id`` header."""
        outputs = self._handle(record, store)
        id_topic = self._id_topics.get(record.topic, record.topic)
        return [
            out.with_header(HEADER_RECORD_ID, record_id(id_topic, record.partition, record.offset, index))
            for index, out in enumerate(outputs)
        ]

    def _handle(self, record: RawRecord, store: PartitionStore) -> list[OutRecord]:
        where = self._routes.get(record.topic)
        if where is None:
            self.counters["ignored"] += 1
            return []
        now_ms = self._tick(record, store)
        try:
            if record.value is None:
                raise PacketError("not_a_packet", "the record has no value (a tombstone)")
            if where.stream is Stream.STATISTICS:
                return self._statistics(parse_statistics_packet(record.value), where.sport, record, store, now_ms)
            return self._action(parse_action_packet(record.value), where.sport, record, store, now_ms)
        except PacketError as error:
            self.counters["dlq"] += 1
            self.counters[f"dlq.{error.reason}"] += 1
            letter = dead_letter(
                error,
                origin=ORIGIN,
                failed_at_ns=None,
                raw=record.value or b"",
                fixture_id=record.key.decode("utf-8", "replace") if record.key else None,
                source_topic=record.topic,
                source_partition=record.partition,
                source_offset=record.offset,
            )
            return [OutRecord(self._dlq_topic, letter.key, letter.value, letter.headers)]

    def advance_time(self, record: RawRecord, store: PartitionStore) -> None:
        """Only move the record's topic's stream time (and remove what that makes due); nothing is applied."""
        if record.topic in self._routes:
            self._tick(record, store)

    def _tick(self, record: RawRecord, store: PartitionStore) -> int:
        """Move the record's topic's stream time on and remove what has become due; the stream time."""
        before = store.stream_time(record.topic)
        now_ms = advance(before, record.timestamp_ms)
        if now_ms == before:
            return now_ms
        store.put(stream_time_key(record.topic), StreamTime(topic=record.topic, ms=now_ms))
        cutoff = self._retention.removal_cutoff(now_ms)
        for marker in store.due_markers(record.topic, removed=False, finished_by_ms=cutoff):
            self._remove(marker, store)
        cutoff = self._retention.expiry_cutoff(now_ms)
        for marker in store.due_markers(record.topic, removed=True, finished_by_ms=cutoff):
            store.delete(marker_key(marker.stream, marker.fixture_id))
            self.counters["state.markers_expired"] += 1
        return now_ms

    def _remove(self, marker: Marker, store: PartitionStore) -> None:
        """Remove the states of a stream that is over, keeping its marker with the last applied sequence."""
        fixture_id = marker.fixture_id
        seq_num = marker.seq_num
        if marker.stream is MarkedStream.ACTIONS:
            fixture = store.fixture(fixture_id)
            if fixture is not None:
                seq_num = fixture.summary_seq_num
                store.delete(fixture_key(fixture_id))
            action_ids = store.actions_of(fixture_id)
            for action_id in action_ids:
                store.delete(action_key(fixture_id, action_id))
            self.counters["state.fixtures_removed"] += 1
            self.counters["state.actions_removed"] += len(action_ids)
        else:
            stats = store.statistics(fixture_id)
            if stats is not None:
                seq_num = stats.seq_num
                store.delete(statistics_key(fixture_id))
            store.delete(snapshot_key(fixture_id))
            self.counters["state.statistics_removed"] += 1
        for name in store.processors_of(marker.stream, fixture_id):
            store.delete(processor_key(name, marker.stream, fixture_id))
        store.put(marker_key(marker.stream, fixture_id), replace(marker, seq_num=seq_num, removed=True))

    def _action(
        self, packet: ActionPacket, sport: Sport, record: RawRecord, store: PartitionStore, now_ms: int
    ) -> list[OutRecord]:
        marker = store.marker(MarkedStream.ACTIONS, packet.fixture_id)
        if marker is not None and marker.removed:
            self.counters["actions.late_for_removed_fixture"] += 1
            return []
        action_id = packet.fixture_action.action_id
        fixture = store.fixture(packet.fixture_id)
        action = store.action(packet.fixture_id, action_id)
        step = advance_action(fixture, action, packet)
        self.counters.update(step.verdict.counter_keys())
        if step.verdict.summary is Disposition.APPLIED:
            store.put(fixture_key(packet.fixture_id), step.fixture)
            if marker is None and fixture_is_over(step.fixture):
                _mark_over(store, MarkedStream.ACTIONS, packet.fixture_id, step.fixture.summary_seq_num, record, now_ms)
        if step.verdict.action is Disposition.APPLIED:
            store.put(action_key(packet.fixture_id, action_id), step.action)
        if not self._processors.wants(sport, Stream.ACTIONS):
            return []
        event = ActionEvent(
            sport=sport,
            packet=packet,
            verdict=step.verdict,
            action_before=action,
            action_after=step.action,
            fixture_before=fixture,
            fixture_after=step.fixture,
            received_at_us=received_at_us(record.headers),
        )
        return self._processors.run(event, record, store)

    def _statistics(
        self, packet: StatisticsPacket, sport: Sport, record: RawRecord, store: PartitionStore, now_ms: int
    ) -> list[OutRecord]:
        marker = store.marker(MarkedStream.STATISTICS, packet.fixture_id)
        if marker is not None and marker.removed:
            self.counters["statistics.late_for_removed_fixture"] += 1
            return []
        stats = store.statistics(packet.fixture_id)
        step = advance_statistics(stats, packet)
        self.counters.update(step.verdict.counter_keys())
        applied = step.verdict.snapshot is Disposition.APPLIED
        if applied:
            store.put(statistics_key(packet.fixture_id), step.stats)
            if marker is None and packet.finished:
                _mark_over(store, MarkedStream.STATISTICS, packet.fixture_id, packet.seq_num, record, now_ms)
        if not self._processors.wants(sport, Stream.STATISTICS):
            return []
        previous = None
        if self._processors.wants_previous_snapshot(sport):
            previous = self._previous_snapshot(stats, store)
            if applied:
                self._keep_snapshot(packet, record, store)
        event = StatisticsEvent(
            sport=sport,
            packet=packet,
            verdict=step.verdict,
            before=stats,
            after=step.stats,
            received_at_us=received_at_us(record.headers),
            snapshot_before=previous,
        )
        return self._processors.run(event, record, store)

    def _previous_snapshot(self, stats: StatisticsState | None, store: PartitionStore) -> StatisticsPacket | None:
        """The fixture's last applied snapshot, if the one kept is it (it is not when it was too large to keep, or
        when it was kept by an earlier run whose processors wanted it and this run's did not until now)."""
        if stats is None:
            return None
        kept = store.snapshot(stats.fixture_id)
        if kept is None or kept.seq_num != stats.seq_num:
            return None
        return kept.packet

    def _keep_snapshot(self, packet: StatisticsPacket, record: RawRecord, store: PartitionStore) -> None:
        key = snapshot_key(packet.fixture_id)
        raw = record.value or b""
        kept = SnapshotState(fixture_id=packet.fixture_id, seq_num=packet.seq_num, raw=raw, packet=packet)
        if len(encode_state(kept)) > SNAPSHOT_MAX_BYTES:
            self.counters["statistics.snapshot_not_kept"] += 1
            store.delete(key)
        else:
            store.put(key, kept)


def _mark_over(
    store: PartitionStore, stream: MarkedStream, fixture_id: str, seq_num: int, record: RawRecord, now_ms: int
) -> None:
    """The stream is over as of ``now_ms``: its states are due for removal once the grace period has passed."""
    marker = Marker(
        fixture_id=fixture_id, stream=stream, topic=record.topic, finished_at_ms=now_ms, seq_num=seq_num, removed=False
    )
    store.put(marker_key(stream, fixture_id), marker)
