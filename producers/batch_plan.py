"""What to publish from a REST body or a file, in which order, and what to dead-letter.  Pure.

Each piece (see ``json_split``) is classified with ``ddeflow.dde.classify_frame``:

- an action packet goes to the sport's actions topic, a statistics packet to its
  statistics topic (``expect`` limits this: REST ``/actions`` bodies hold action
  packets only);
- anything else is rejected with a ``PacketError`` saying why (``malformed_json``
  for text that is not JSON at all, ``not_a_packet`` for JSON of another shape,
  a field error...), with its element index and line.

Accepted packets are grouped by (stream, fixtureId) in the order the groups first
appear and published within a group by ``fixtureSeqNum`` (``seqNum`` for
statistics), because the REST array is not sorted.  Equal numbers keep their
input order.  Nothing is dropped: every piece ends up accepted or rejected.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from ddeflow.dde.actions import ActionPacket
from ddeflow.dde.parse import MALFORMED_JSON, NOT_A_PACKET, classify_frame
from ddeflow.dde.statistics import StatisticsPacket
from ddeflow.errors import PacketError
from ddeflow.producers.json_split import Piece
from ddeflow.producers.raw_records import Stream


@dataclass(frozen=True, slots=True)
class Accepted:
    stream: Stream
    fixture_id: str
    seq: int
    """``fixtureSeqNum`` of an action packet, ``seqNum`` of a statistics packet."""
    raw: bytes
    index: int
    line: int


@dataclass(frozen=True, slots=True)
class Rejected:
    index: int
    line: int
    raw: bytes
    error: PacketError

    def describe(self) -> str:
        return f"line {self.line}, element {self.index}: {self.error}"


@dataclass(frozen=True, slots=True)
class BatchPlan:
    accepted: tuple[Accepted, ...]
    """In publishing order."""
    rejected: tuple[Rejected, ...]


def plan_batch(pieces: Sequence[Piece], *, expect: frozenset[Stream] = frozenset(Stream)) -> BatchPlan:
    accepted: list[Accepted] = []
    rejected: list[Rejected] = []
    for piece in pieces:
        if piece.error is not None:
            rejected.append(Rejected(piece.index, piece.line, piece.raw, piece.error))
            continue
        try:
            packet = classify_frame(piece.raw)
        except PacketError as exc:
            rejected.append(Rejected(piece.index, piece.line, piece.raw, exc))
            continue
        if isinstance(packet, ActionPacket):
            item = Accepted(Stream.ACTIONS, packet.fixture_id, packet.seq_num, piece.raw, piece.index, piece.line)
        elif isinstance(packet, StatisticsPacket):
            item = Accepted(Stream.STATISTICS, packet.fixture_id, packet.seq_num, piece.raw, piece.index, piece.line)
        else:
            rejected.append(Rejected(piece.index, piece.line, piece.raw, _not_a_packet(piece.raw)))
            continue
        if item.stream not in expect:
            error = PacketError(NOT_A_PACKET, f"a {item.stream} packet where {_names(expect)} are expected")
            rejected.append(Rejected(piece.index, piece.line, piece.raw, error))
            continue
        accepted.append(item)
    return BatchPlan(tuple(_in_publishing_order(accepted)), tuple(rejected))


def _not_a_packet(raw: bytes) -> PacketError:
    """Why a piece that is no packet was refused: not JSON at all, or JSON of another shape."""
    try:
        json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return PacketError(MALFORMED_JSON, str(exc), raw=raw)
    return PacketError(NOT_A_PACKET, "neither an action packet nor a statistics packet", raw=raw)


def _names(streams: frozenset[Stream]) -> str:
    return " or ".join(f"{stream} packets" for stream in sorted(streams))


def _in_publishing_order(items: list[Accepted]) -> list[Accepted]:
    first_seen: dict[tuple[Stream, str], int] = {}
    for item in items:
        first_seen.setdefault((item.stream, item.fixture_id), len(first_seen))
    return sorted(items, key=lambda item: (first_seen[item.stream, item.fixture_id], item.seq))
