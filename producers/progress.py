"""Counters a producer keeps, the delay histogram, and the progress lines it logs.  Pure.

The delay measured is from a frame's receipt (``received-at-ns``) to the
broker's acknowledgement of its record.  The histogram has 8 buckets per
doubling (about 9 % resolution) from 1 µs to about 13 days, so a process that
runs for days keeps a fixed, small memory; quantiles are bucket upper bounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_SUB = 8
_BUCKETS = 40 * _SUB  # up to 2**50 ns


class DelayHistogram:
    def __init__(self) -> None:
        self._counts = [0] * (_BUCKETS + 1)
        self.count = 0
        self.max_ns = 0

    def record(self, delay_ns: int) -> None:
        delay_ns = max(1, delay_ns)
        index = min(_BUCKETS, max(0, math.ceil(math.log2(delay_ns) * _SUB) - 10 * _SUB))
        self._counts[index] += 1
        self.count += 1
        self.max_ns = max(self.max_ns, delay_ns)

    def quantile_ns(self, q: float) -> int:
        """An upper bound of the ``q`` quantile (0 when empty)."""
        if self.count == 0:
            return 0
        rank = max(1, math.ceil(q * self.count))
        seen = 0
        for index, count in enumerate(self._counts):
            seen += count
            if seen >= rank:
                return min(self.max_ns, math.ceil(2 ** ((index + 10 * _SUB) / _SUB)))
        return self.max_ns


class IngestCounters:
    """Running totals for one producer process (mutable; owned by the event loop)."""

    __slots__ = (
        "connections",
        "dead_letters",
        "duplicates",
        "frames",
        "frames_by_topic",
        "gaps_healed",
        "heartbeats",
        "reconnects",
        "silences",
    )

    def __init__(self) -> None:
        self.frames = 0
        """Data frames acknowledged by the broker (duplicates and malformed frames included).

        A frame appended just as the broker went away is never acknowledged: it is in the topic, uncounted.
        """
        self.frames_by_topic: dict[str, int] = {}
        """``frames`` by raw topic."""
        self.connections = 0
        """Websocket connections open now."""
        self.heartbeats = 0
        self.duplicates = 0
        self.reconnects = 0
        self.silences = 0
        self.gaps_healed = 0
        """Packets published by REST reconciliation."""
        self.dead_letters = 0


@dataclass(frozen=True, slots=True)
class Snapshot:
    at_s: float
    frames: int
    reconnects: int
    gaps_healed: int

    @classmethod
    def of(cls, counters: IngestCounters, at_s: float) -> Snapshot:
        return cls(at_s, counters.frames, counters.reconnects, counters.gaps_healed)


def rate_per_s(now: Snapshot, before: Snapshot) -> float:
    elapsed = now.at_s - before.at_s
    return (now.frames - before.frames) / elapsed if elapsed > 0 else 0.0


def progress_line(
    *, streaming: int, reconciling: int, scheduled: int, done: int, failed: int, now: Snapshot, before: Snapshot
) -> str:
    return (
        f"fixtures live {streaming}, reconciling {reconciling}, scheduled {scheduled}, done {done}, failed {failed}; "
        f"{rate_per_s(now, before):.1f} packets/s; frames {now.frames}; "
        f"reconnects {now.reconnects}; gaps healed {now.gaps_healed}"
    )
