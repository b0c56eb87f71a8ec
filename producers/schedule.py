"""Which fixtures ``ingest live`` streams, and when it may stop.  Pure.

Every poll asks the REST API, per sport, for the fixtures that are live and for
the scheduled ones starting before ``now + horizon``.  The board turns each
answer into decisions:

- a live fixture not streamed yet starts streaming;
- a scheduled fixture is tracked; it starts streaming early when its start is
  within ``lead_s`` of now (a stream opened before kick-off just gets heartbeats);
- a tracked scheduled fixture that is in neither answer any more went live and
  maybe finished between two polls, or was called off: it is *checked* (one
  ``GET /fixtures/{id}``) and ``resolve_check`` starts it unless it was called
  off (a finished match is replayed by the feed, so nothing is lost);
- a fixture is streamed at most once per process: after its stream ends it is
  done (or failed), whatever later polls say.

At start, fixtures whose streams the raw topics hold unfinished
(``ddeflow.producers.open_streams``) are *recovered*: those the polls have not brought
up already are checked too, and ``resolve_heal`` starts them unless
``heal_verdict`` says to leave them (not started: forgotten, so a later poll
treats them as new) or the feed no longer knows them.

The board is *settled* (``--until-finished`` may stop) once every sport has
been polled, the recovery (when expected) has reported, and no fixture is
scheduled, being checked or streaming.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from ddeflow.dde.enums import FixtureStatus
from ddeflow.dde.fixtures import Fixture
from ddeflow.dde.sports import Sport
from ddeflow.producers.open_streams import HealVerdict, heal_verdict

_CALLED_OFF = frozenset({FixtureStatus.POSTPONED, FixtureStatus.CANCELLED, FixtureStatus.ABANDONED})
_NOT_STARTED = frozenset({FixtureStatus.SCHEDULED, FixtureStatus.LINEUPS})


class Phase(StrEnum):
    SCHEDULED = "scheduled"
    CHECKING = "checking"
    STREAMING = "streaming"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, order=True)
class FixtureKey:
    sport: Sport
    fixture_id: str


@dataclass(frozen=True, slots=True)
class PollAnswer:
    sport: Sport
    live: Sequence[Fixture]
    scheduled: Sequence[Fixture]


@dataclass(frozen=True, slots=True)
class Decisions:
    start: tuple[FixtureKey, ...] = ()
    check: tuple[FixtureKey, ...] = ()


@dataclass(slots=True)
class _Entry:
    phase: Phase
    start_utc: datetime | None = None
    name: str | None = field(default=None)
    healing: bool = False
    """Checked because the raw topics hold its streams unfinished, not because a poll lost it."""


class FixtureBoard:
    def __init__(self, sports: Iterable[Sport], *, lead_s: float = 120.0, recovering: bool = False) -> None:
        self.sports = frozenset(sports)
        self.lead = timedelta(seconds=lead_s)
        self._entries: dict[FixtureKey, _Entry] = {}
        self._polled: set[Sport] = set()
        self.recovering = recovering
        """A recovery is expected and has not reported yet: not settled until it has."""

    def observe(self, answer: PollAnswer, now: datetime) -> Decisions:
        sport = answer.sport
        self._polled.add(sport)
        start: list[FixtureKey] = []
        listed: set[FixtureKey] = set()
        for fixture in answer.live:
            key = FixtureKey(sport, fixture.id)
            listed.add(key)
            entry = self._entries.get(key)
            if entry is None or entry.phase in (Phase.SCHEDULED, Phase.CHECKING):
                self._entries[key] = _Entry(Phase.STREAMING, fixture.start_date_utc, fixture.name)
                start.append(key)
        for fixture in answer.scheduled:
            key = FixtureKey(sport, fixture.id)
            listed.add(key)
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry(Phase.SCHEDULED, fixture.start_date_utc, fixture.name)
            elif entry.phase in (Phase.SCHEDULED, Phase.CHECKING):
                entry.phase, entry.start_utc, entry.healing = Phase.SCHEDULED, fixture.start_date_utc, False
            if entry.phase is Phase.SCHEDULED and self._starts_soon(entry.start_utc, now):
                entry.phase = Phase.STREAMING
                start.append(key)
        check = [
            key
            for key, entry in self._entries.items()
            if key.sport == sport and entry.phase is Phase.SCHEDULED and key not in listed
        ]
        for key in check:
            self._entries[key].phase = Phase.CHECKING
        return Decisions(tuple(start), tuple(check))

    def _starts_soon(self, start_utc: datetime | None, now: datetime) -> bool:
        return start_utc is not None and abs(start_utc - now) <= self.lead

    def resolve_check(self, key: FixtureKey, fixture: Fixture | None) -> bool:
        """After ``GET /fixtures/{id}`` (None: not found): True if the fixture is to be streamed now."""
        entry = self._entries.get(key)
        if entry is None or entry.phase is not Phase.CHECKING or entry.healing:
            return False
        if fixture is None or fixture.status in _CALLED_OFF:
            entry.phase = Phase.DONE
            return False
        if fixture.status in _NOT_STARTED:
            entry.phase = Phase.SCHEDULED
            return False
        entry.phase = Phase.STREAMING
        return True

    def recover(self, keys: Iterable[FixtureKey]) -> tuple[FixtureKey, ...]:
        """Fixtures with unfinished streams in the raw topics: those to check (the board knows none of them yet)."""
        self.recovering = False
        check: list[FixtureKey] = []
        for key in keys:
            if key.sport in self.sports and key not in self._entries:
                self._entries[key] = _Entry(Phase.CHECKING, healing=True)
                check.append(key)
        return tuple(check)

    def resolve_heal(self, key: FixtureKey, fixture: Fixture | None) -> HealVerdict | None:
        """After ``GET /fixtures/{id}`` of a recovered fixture: the verdict when it is to be streamed now, else None."""
        entry = self._entries.get(key)
        if entry is None or entry.phase is not Phase.CHECKING or not entry.healing:
            return None  # a poll has taken it over meanwhile
        verdict = heal_verdict(fixture)
        if verdict is HealVerdict.LEAVE:
            del self._entries[key]
            return None
        if verdict is HealVerdict.GONE:
            entry.phase = Phase.DONE
            return None
        entry.phase, entry.healing = Phase.STREAMING, False
        if fixture is not None:
            entry.start_utc, entry.name = fixture.start_date_utc, fixture.name
        return verdict

    def finish(self, key: FixtureKey, *, ok: bool) -> None:
        entry = self._entries.setdefault(key, _Entry(Phase.STREAMING))
        entry.phase = Phase.DONE if ok else Phase.FAILED

    def phase(self, key: FixtureKey) -> Phase | None:
        entry = self._entries.get(key)
        return entry.phase if entry else None

    def counts(self) -> dict[Phase, int]:
        totals = dict.fromkeys(Phase, 0)
        for entry in self._entries.values():
            totals[entry.phase] += 1
        return totals

    @property
    def settled(self) -> bool:
        if self.recovering or not self.sports <= self._polled:
            return False
        return all(entry.phase in (Phase.DONE, Phase.FAILED) for entry in self._entries.values())
