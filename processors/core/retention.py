"""When a finished fixture's state is removed, and the small marker that stays behind: the pure rule.

Time here is **stream time**, never the wall clock: per input topic-partition,
the highest Kafka record timestamp seen so far (``advance``).  The worker
consumes the actions and statistics topics of one partition number together,
and how records of *different* topic-partitions interleave differs between
runs; the order *within* one topic-partition does not.  So every decision about
a record depends only on records of its own input topic-partition:

- State derived from ``dde.raw.<sport>.actions`` (the fixture summary state
  and the fixture's action states) is judged by that actions topic-partition's
  stream time; the statistics state by its statistics topic-partition's.  A
  fixture's records of one stream all live in one topic-partition (the key is
  the fixtureId).
- A fixture's actions stream is **over** when its applied summary says
  ``finished`` or its status is Completed, Abandoned or Cancelled
  (``fixture_is_over``); its statistics stream when an applied snapshot says
  ``finished``.  At that record a ``Marker`` is written (not yet removed),
  holding the stream time then (``finished_at_ms``).
- Before each record is applied, its topic-partition's stream time moves up
  to the record's timestamp, and every marker of that topic-partition with
  ``finished_at_ms + grace_ms <= stream time`` has its states removed (changelog
  tombstones) and becomes a removed marker holding the last applied sequence
  number; every removed marker with ``finished_at_ms + grace_ms + marker_ms <=
  stream time`` is removed as well (``marker_ms`` is the raw topics' retention).
- A record of a stream whose marker says removed is a late packet: counted and
  dropped, never taken for a new fixture (it would re-emit old score changes).

Because stream time and markers are kept in the changelog with the states, a
restored worker, a replay and the live run take the same decisions record by
record, whatever the transaction boundaries.

Stored forms (``v`` is the format version)::

    Marker      {"v": 1, "fixtureId": str, "stream": "actions"|"statistics", "topic": str,
                 "finishedAt": int (ms, stream time), "seqNum": int, "removed": bool}
    StreamTime  {"v": 1, "topic": str, "ms": int}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from ddeflow.dde.enums import FixtureStatus
from ddeflow.errors import StateError
from ddeflow.processors.core._codec import as_object, bool_at, check_version, int_at, member, str_at
from ddeflow.processors.core.states import FixtureState

_VERSION: Final = 1
OVER_STATUSES: Final = frozenset({FixtureStatus.COMPLETED, FixtureStatus.ABANDONED, FixtureStatus.CANCELLED})


class MarkedStream(StrEnum):
    """Which of a fixture's two streams a marker speaks for; each is removed on its own."""

    ACTIONS = "actions"
    STATISTICS = "statistics"


@dataclass(frozen=True, slots=True, kw_only=True)
class Marker:
    """A stream of a fixture that is over: due for removal, or removed (``removed``) and remembered."""

    fixture_id: str
    stream: MarkedStream
    topic: str
    """The input topic whose stream time rules this marker (its partition is the store's)."""
    finished_at_ms: int
    """Stream time of ``topic`` when the stream was seen to be over."""
    seq_num: int
    """The last applied fixtureSeqNum (actions) or seqNum (statistics); final once ``removed``."""
    removed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": _VERSION,
            "fixtureId": self.fixture_id,
            "stream": self.stream.value,
            "topic": self.topic,
            "finishedAt": self.finished_at_ms,
            "seqNum": self.seq_num,
            "removed": self.removed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Marker:
        what = "Marker"
        obj = as_object(data, what)
        check_version(obj, what, _VERSION)
        stream = str_at(member(obj, "stream", what), f"{what}.stream")
        try:
            parsed_stream = MarkedStream(stream)
        except ValueError:
            raise StateError(f"{what}.stream: unknown stream {stream!r}") from None
        return cls(
            fixture_id=str_at(member(obj, "fixtureId", what), f"{what}.fixtureId"),
            stream=parsed_stream,
            topic=str_at(member(obj, "topic", what), f"{what}.topic"),
            finished_at_ms=int_at(member(obj, "finishedAt", what), f"{what}.finishedAt"),
            seq_num=int_at(member(obj, "seqNum", what), f"{what}.seqNum"),
            removed=bool_at(member(obj, "removed", what), f"{what}.removed"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamTime:
    """The stream time of one input topic (of the store's partition): the highest record timestamp seen."""

    topic: str
    ms: int

    def to_dict(self) -> dict[str, Any]:
        return {"v": _VERSION, "topic": self.topic, "ms": self.ms}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StreamTime:
        what = "StreamTime"
        obj = as_object(data, what)
        check_version(obj, what, _VERSION)
        return cls(
            topic=str_at(member(obj, "topic", what), f"{what}.topic"),
            ms=int_at(member(obj, "ms", what), f"{what}.ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RetentionPolicy:
    """How long a stream's state outlives its end, and its marker the removal (both in stream time)."""

    grace_ms: int
    """From the end of a stream to the removal of its state; must cover REST reconciliation."""
    marker_ms: int
    """From the removal to the removal of the marker: the raw topics' retention."""

    def __post_init__(self) -> None:
        if self.grace_ms < 0 or self.marker_ms < 0:
            raise ValueError("retention periods cannot be negative")

    def removal_cutoff(self, now_ms: int) -> int:
        """Markers not yet removed that finished at or before this are due for removal."""
        return now_ms - self.grace_ms

    def expiry_cutoff(self, now_ms: int) -> int:
        """Removed markers that finished at or before this are due to go themselves."""
        return now_ms - self.grace_ms - self.marker_ms


def advance(stream_ms: int, timestamp_ms: int) -> int:
    """Stream time after a record stamped ``timestamp_ms``: it never goes back (a negative stamp is none)."""
    return max(stream_ms, timestamp_ms)


def fixture_is_over(state: FixtureState) -> bool:
    """The fixture's actions stream is over: finished, or in a status no match comes back from."""
    return state.finished or FixtureStatus.from_raw(state.status) in OVER_STATUSES
