"""What the raw topic already holds for one fixture stream, gathered by scanning backwards.  Pure.

A restarted producer needs the fixture's latest records (to resume at one past
the highest ``stream-position`` and to recognise re-deliveries) and, for REST
reconciliation, the ``fixtureSeqNum`` of every packet held.  The fixture's
records sit in one partition among other fixtures' records, newest last, so the
scanner (``ddeflow.producers.topic_scan``) reads windows ``[lo, hi)`` backwards from the
end, each ``growth`` times larger than the last, and stops when the history has
``need`` positioned records or the scan reaches its lower bound (the offset of
the oldest time worth looking at).  Only at the lower bound is the history
``complete``: then the seq numbers it holds are all there are.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ddeflow.producers.frames import action_seq, finished_hint
from ddeflow.producers.raw_records import RawHeaders, Source


@dataclass(frozen=True, slots=True)
class HeldRecord:
    offset: int
    value: bytes
    headers: RawHeaders


def backward_windows(end: int, low: int, first: int = 512, growth: int = 4) -> Iterator[tuple[int, int]]:
    """Offset windows ``[lo, hi)`` from ``end`` back to ``low``, growing, adjacent, never overlapping."""
    hi, size = end, max(1, first)
    while hi > low:
        lo = max(low, hi - size)
        yield lo, hi
        hi, size = lo, size * max(1, growth)


class StreamHistory:
    """Records of one fixture (key) and stream found so far, newest windows first."""

    def __init__(self, need: int) -> None:
        self.need = need
        self._windows: list[list[HeldRecord]] = []
        self._positioned = 0
        self.complete = False
        """True once the scan reached its lower bound: nothing older is held."""

    def add_window(self, records: Sequence[HeldRecord]) -> None:
        """The fixture's records of one window, in offset order; windows come newest first."""
        self._windows.append(list(records))
        self._positioned += sum(1 for record in records if _ws_position(record) is not None)

    @property
    def satisfied(self) -> bool:
        return self._positioned >= self.need

    def records(self) -> list[HeldRecord]:
        """Everything found, oldest first."""
        return [record for window in reversed(self._windows) for record in window]

    def positioned(self) -> list[tuple[int, bytes]]:
        """``(stream-position, value)`` of the websocket records found, oldest first."""
        return [(position, record.value) for record in self.records() if (position := _ws_position(record)) is not None]

    def next_position(self) -> int:
        return max((position for position, _ in self.positioned()), default=-1) + 1

    def finished(self) -> bool:
        """Whether the stream's last event (highest position) announced ``finished``."""
        positioned = self.positioned()
        if not positioned:
            return False
        top = max(position for position, _ in positioned)
        return any(finished_hint(value) for position, value in positioned if position == top)

    def action_seqs(self) -> set[int]:
        """``fixtureSeqNum`` of every valid action packet found, whatever its source."""
        return {seq for record in self.records() if (seq := action_seq(record.value)) is not None}


def _ws_position(record: HeldRecord) -> int | None:
    if record.headers.source in (Source.WS, Source.WS_MEDIA):
        return record.headers.position
    return None
