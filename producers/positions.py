"""Where a fixture stream stands: events counted, duplicates recognised.  Pure.

The feed's ``startPosition=N`` skips the first N *events* of a stream.  Events
are the distinct data frames; a frame whose bytes are identical to one seen
recently in the same fixture stream is a re-delivery (the feed re-sends, or a
resume overlaps): it is still written to the raw topic, carrying the position
of the event it repeats, but it is not counted.  Counting it would make the
next resume skip a real event.

Positions are assigned in arrival order: the k-th distinct frame received is
event k (0-based).  A malformed frame is an event like any other, because the
feed served it in an event's place.

After a restart the state is rebuilt from the raw topic (``restore``) with the
fixture's latest records there: the next position is one past the highest
``stream-position`` and their bytes seed the duplicate window.  Frames are
remembered by a 16-byte digest, so a window of a few hundred costs little even
for 50 KB statistics snapshots.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_RECENT = 256


@dataclass(frozen=True, slots=True)
class Observation:
    position: int
    """The frame's event index: new for an event, the original's for a duplicate."""
    duplicate: bool


def frame_digest(frame: bytes) -> bytes:
    return hashlib.blake2b(frame, digest_size=16).digest()


class StreamPositions:
    """Event count and recent-frame memory of one fixture stream."""

    def __init__(self, recent: int = DEFAULT_RECENT) -> None:
        if recent < 1:
            raise ValueError("recent must be >= 1")
        self._limit = recent
        self._recent: OrderedDict[bytes, int] = OrderedDict()
        self._events = 0
        self.duplicates = 0

    @property
    def next_position(self) -> int:
        """Events seen so far: the ``startPosition`` to resume from."""
        return self._events

    def observe(self, frame: bytes) -> Observation:
        digest = frame_digest(frame)
        known = self._recent.get(digest)
        if known is not None:
            self._recent.move_to_end(digest)
            self.duplicates += 1
            return Observation(known, True)
        position = self._events
        self._events += 1
        self._remember(digest, position)
        return Observation(position, False)

    def restore(self, records: Iterable[tuple[int, bytes]]) -> None:
        """Rebuild from ``(stream-position, value)`` of the stream's latest raw records, oldest first."""
        for position, value in records:
            if position < 0:
                continue
            self._events = max(self._events, position + 1)
            self._remember(frame_digest(value), position)

    def _remember(self, digest: bytes, position: int) -> None:
        self._recent[digest] = position
        self._recent.move_to_end(digest)
        while len(self._recent) > self._limit:
            self._recent.popitem(last=False)
