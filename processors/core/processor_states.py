"""What the store keeps for processors declared through ``ddeflow.processors.api``.

Stored form, with ``v`` the format version::

    ProcessorState  {"v": 1, "processor": str, "stream": "actions"|"statistics", "fixtureId": str, "state": <JSON>}
    BreakerState    {"v": 1, "processor": str, "version": int, "failures": int, "tripped": bool}
    SnapshotState   {"v": 1, "fixtureId": str, "seqNum": int, "packet": str}

A processor's state is per fixture and per stream (the stream it reads), and is removed with that stream's
other states.  A breaker state is per processor (and its version) in one partition; it is small and never removed.
A snapshot state is a fixture's last applied ``/statistics`` packet, kept only while a processor asks for it
(``wants_previous_snapshot``) and removed with the fixture's statistics state.  Its ``packet`` is the frame as
received, as a string (a frame that parsed is UTF-8), so it parses again to exactly the packet the processors saw.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ddeflow.dde import StatisticsPacket, parse_statistics_packet
from ddeflow.errors import PacketError, StateError
from ddeflow.processors.core._codec import as_object, bool_at, check_version, int_at, member, str_at
from ddeflow.processors.core.retention import MarkedStream

_VERSION: Final = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcessorState:
    processor: str
    stream: MarkedStream
    fixture_id: str
    state: Any
    """JSON, as the processor returned it (never copied)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": _VERSION,
            "processor": self.processor,
            "stream": self.stream.value,
            "fixtureId": self.fixture_id,
            "state": self.state,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProcessorState:
        what = "ProcessorState"
        obj = as_object(data, what)
        check_version(obj, what, _VERSION)
        return cls(
            processor=str_at(member(obj, "processor", what), f"{what}.processor"),
            stream=_stream(str_at(member(obj, "stream", what), f"{what}.stream")),
            fixture_id=str_at(member(obj, "fixtureId", what), f"{what}.fixtureId"),
            state=member(obj, "state", what),
        )


def _stream(text: str) -> MarkedStream:
    try:
        return MarkedStream(text)
    except ValueError:
        raise StateError(f"ProcessorState.stream: {text!r} is not a stream") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakerState:
    processor: str
    version: int
    failures: int
    """Failures in a row since the last success."""
    tripped: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": _VERSION,
            "processor": self.processor,
            "version": self.version,
            "failures": self.failures,
            "tripped": self.tripped,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BreakerState:
        what = "BreakerState"
        obj = as_object(data, what)
        check_version(obj, what, _VERSION)
        return cls(
            processor=str_at(member(obj, "processor", what), f"{what}.processor"),
            version=int_at(member(obj, "version", what), f"{what}.version"),
            failures=int_at(member(obj, "failures", what), f"{what}.failures"),
            tripped=bool_at(member(obj, "tripped", what), f"{what}.tripped"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SnapshotState:
    fixture_id: str
    seq_num: int
    raw: bytes
    """The frame as received."""
    packet: StatisticsPacket
    """``raw`` parsed."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": _VERSION,
            "fixtureId": self.fixture_id,
            "seqNum": self.seq_num,
            "packet": self.raw.decode("utf-8"),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SnapshotState:
        what = "SnapshotState"
        obj = as_object(data, what)
        check_version(obj, what, _VERSION)
        raw = str_at(member(obj, "packet", what), f"{what}.packet").encode("utf-8")
        try:
            packet = parse_statistics_packet(raw)
        except PacketError as exc:
            raise StateError(f"{what}.packet does not parse: {exc}") from None
        return cls(
            fixture_id=str_at(member(obj, "fixtureId", what), f"{what}.fixtureId"),
            seq_num=int_at(member(obj, "seqNum", what), f"{what}.seqNum"),
            raw=raw,
            packet=packet,
        )
