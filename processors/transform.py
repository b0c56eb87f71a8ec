"""One raw record in, the derived records and state changes out.  No I/O.

Routing: ``dde.raw.<sport>.actions`` records are action packets,
``dde.raw.<sport>.statistics`` records are statistics packets (break completions
are derived from snooker's; other sports' statistics only advance their
``seqNum``).  A record that does not parse goes to the dead-letter topic with
its source coordinates; nothing else about it is kept.  Everything here is a
function of the input and the state, so re-processing the same records from the
same state yields byte-identical output.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from dde import ActionPacket, Sport, StatisticsPacket, parse_action_packet, parse_statistics_packet
from ddeflow import topics
from ddeflow.avro import AvroCodec
from ddeflow.dlq import dead_letter
from ddeflow.errors import PacketError
from processors.core import Disposition, Output, apply_action_packet, apply_statistics_packet
from processors.store import PartitionStore, action_key, fixture_key, statistics_key

RECEIVED_AT_HEADER = "received-at-ns"
ORIGIN = "processor"


@dataclass(frozen=True, slots=True)
class RawRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True, slots=True)
class OutRecord:
    topic: str
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True, slots=True)
class Route:
    sport: Sport
    statistics: bool


def raw_routes(prefix: str) -> dict[str, Route]:
    """Every raw topic under ``prefix`` with the sport and stream it carries."""
    routes: dict[str, Route] = {}
    for sport in Sport:
        routes[prefix + topics.raw_actions(sport)] = Route(sport, statistics=False)
        routes[prefix + topics.raw_statistics(sport)] = Route(sport, statistics=True)
    return routes


def route(topic: str, prefix: str) -> Route | None:
    """Which sport and stream a raw topic carries; None for a topic that is not a raw topic."""
    return raw_routes(prefix).get(topic)


def received_at_us(headers: tuple[tuple[str, bytes], ...]) -> int | None:
    for name, value in headers:
        if name == RECEIVED_AT_HEADER:
            try:
                return int(value) // 1000
            except ValueError:
                return None
    return None


class Transformer:
    """Applies raw records to a partition's store; counts what happened in ``counters``."""

    def __init__(self, prefix: str, codec: AvroCodec) -> None:
        self._prefix = prefix
        self._routes = raw_routes(prefix)
        self._codec = codec
        self._dlq_topic = prefix + topics.DLQ
        self.counters: Counter[str] = Counter()

    def handle(self, record: RawRecord, store: PartitionStore) -> list[OutRecord]:
        where = self._routes.get(record.topic)
        if where is None:
            self.counters["ignored"] += 1
            return []
        try:
            if record.value is None:
                raise PacketError("not_a_packet", "the record has no value (a tombstone)")
            if where.statistics:
                return self._statistics(parse_statistics_packet(record.value), record, store)
            return self._action(parse_action_packet(record.value), where.sport, record, store)
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

    def _action(self, packet: ActionPacket, sport: Sport, record: RawRecord, store: PartitionStore) -> list[OutRecord]:
        action_id = packet.fixture_action.action_id
        step = apply_action_packet(
            store.fixture(packet.fixture_id),
            store.action(action_id),
            packet,
            sport,
            received_at_us(record.headers),
        )
        self.counters.update(step.verdict.counter_keys())
        if step.verdict.summary is Disposition.APPLIED:
            store.put(fixture_key(packet.fixture_id), step.fixture)
        if step.verdict.action is Disposition.APPLIED:
            store.put(action_key(action_id), step.action)
        return [self._encode(output) for output in step.outputs]

    def _statistics(self, packet: StatisticsPacket, record: RawRecord, store: PartitionStore) -> list[OutRecord]:
        step = apply_statistics_packet(store.statistics(packet.fixture_id), packet, received_at_us(record.headers))
        self.counters.update(step.verdict.counter_keys())
        if step.verdict.snapshot is Disposition.APPLIED:
            store.put(statistics_key(packet.fixture_id), step.stats)
        return [self._encode(output) for output in step.outputs]

    def _encode(self, output: Output) -> OutRecord:
        topic = output.topic(self._prefix)
        return OutRecord(topic, output.key.encode(), self._codec.encode(f"{topic}-value", output.to_avro()))
