"""Which fixtures a restarted ``ingest live`` must look at again: streams left open in the raw topics.  Pure.

A fixture that finished while ``ingest live`` was down is neither live nor
scheduled when it comes back, so the polls never bring it up again.  At start
the raw topics' recent records (those of the last ``heal_lookback_s``, by record
timestamp) are read once, forwards, and fed here, one topic (sport and stream)
at a time.  A fixture is *open* when one of its streams there has records but no
packet saying ``finished``: its end may be missing.  Each open fixture is then
checked with ``GET /fixtures/{id}`` and ``heal_verdict`` says what to do.

Only a few bytes are kept per fixture, whatever the window holds; a frame is
parsed only when its bytes could hold ``"finished": true``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ddeflow.dde.enums import FixtureStatus
from ddeflow.dde.fixtures import Fixture
from ddeflow.producers.frames import finished_hint
from ddeflow.producers.raw_records import Stream

_MAYBE_FINISHED = re.compile(rb'"finished"\s*:\s*true')
_NOT_STARTED = frozenset({FixtureStatus.SCHEDULED, FixtureStatus.LINEUPS, FixtureStatus.POSTPONED})
_IN_PLAY = frozenset({FixtureStatus.LIVE, FixtureStatus.SUSPENDED})


def says_finished(value: bytes) -> bool:
    return _MAYBE_FINISHED.search(value) is not None and finished_hint(value)


@dataclass(frozen=True, slots=True)
class OpenStream:
    fixture_id: str
    stream: Stream


class OpenStreams:
    """The fixture streams seen in the scanned windows, and which of them said ``finished``."""

    def __init__(self) -> None:
        self._finished: dict[OpenStream, bool] = {}

    def add(self, stream: Stream, key: bytes, value: bytes) -> None:
        """One record of ``stream``'s raw topic: its key (the fixture id) and value."""
        try:
            fixture_id = key.decode("utf-8")
        except UnicodeDecodeError:
            return  # no producer of ours wrote it
        seen = OpenStream(fixture_id, stream)
        if not self._finished.get(seen, False):
            self._finished[seen] = says_finished(value)

    def open_fixtures(self) -> tuple[str, ...]:
        """Fixtures with at least one stream that has records but no ``finished`` packet, sorted."""
        return tuple(sorted({key.fixture_id for key, finished in self._finished.items() if not finished}))

    def __len__(self) -> int:
        return len(self._finished)


class HealVerdict(StrEnum):
    STREAM_OVER = "stream-over"
    """The match is over (or called off mid-way): resume its streams to their end, fast, and reconcile."""
    STREAM_LIVE = "stream-live"
    """Still in play: stream it as any live fixture (the next poll would start it too)."""
    LEAVE = "leave"
    """Not started (or postponed): the polls pick it up when it is scheduled again."""
    GONE = "gone"
    """The feed no longer knows it: nothing to fetch."""


def heal_verdict(fixture: Fixture | None) -> HealVerdict:
    """What to do with an open fixture after ``GET /fixtures/{id}`` (None: not found).

    An unknown or unreadable status counts as over: a resume that finds nothing
    more costs one connection, a fixture left open loses its end.
    """
    if fixture is None:
        return HealVerdict.GONE
    if fixture.status in _NOT_STARTED:
        return HealVerdict.LEAVE
    if fixture.status in _IN_PLAY:
        return HealVerdict.STREAM_LIVE
    return HealVerdict.STREAM_OVER
