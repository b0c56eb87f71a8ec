"""What the processor's tables hold: one small frozen value per fixture, per action, per statistics stream.

Each state turns into a plain JSON-able dict (``to_dict``) and back
(``from_dict``, which raises ``StateError`` on anything it did not write).
Stored form, with ``v`` the format version::

    FixtureState    {"v": 1, "fixtureId": str, "summarySeqNum": int, "home": int, "away": int,
                     "currentPeriod": int|null, "status": str|null, "collectionStatus": str|null,
                     "finished": bool, "periods": [[id, homePeriodScore, awayPeriodScore, started, ended], ...]}
    ActionState     {"v": 1, "actionId": str, "fixtureId": str, "status": "Pending"|..., "fixtureSeqNum": int,
                     "revision": int, "digest": str}
    StatisticsState {"v": 1, "fixtureId": str, "seqNum": int,
                     "breaks": [[frame, breakSeq, revision, digest], ...]}

They hold only what dedupe and the derivations need: a fixture's state is a
projection of its last applied summary (no per-action data), an action's state
is its lifecycle position, a statistics state remembers a fingerprint of each
break it emitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ddeflow.errors import StateError
from ddeflow.processors.core._codec import (
    as_list,
    as_object,
    bool_at,
    check_version,
    int_at,
    member,
    opt_int_at,
    opt_str_at,
    str_at,
)
from ddeflow.processors.core.lifecycle import ActionStatus

_VERSION: Final = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class PeriodState:
    """What is remembered of one period of the last applied summary."""

    id: int
    home_period_score: int
    away_period_score: int
    started: bool
    """The period had a start time."""
    ended: bool
    """The period had an end time."""

    def to_list(self) -> list[Any]:
        return [self.id, self.home_period_score, self.away_period_score, self.started, self.ended]

    @classmethod
    def from_list(cls, value: object, what: str) -> PeriodState:
        items = as_list(value, what)
        if len(items) != 5:
            raise StateError(f"{what}: expected 5 items, got {len(items)}")
        return cls(
            id=int_at(items[0], f"{what}[0]"),
            home_period_score=int_at(items[1], f"{what}[1]"),
            away_period_score=int_at(items[2], f"{what}[2]"),
            started=bool_at(items[3], f"{what}[3]"),
            ended=bool_at(items[4], f"{what}[4]"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class FixtureState:
    """One fixture: the projection of its last applied summary (table ``fixtures``, key fixtureId)."""

    fixture_id: str
    summary_seq_num: int
    """fixtureSeqNum of the last applied summary; only a higher one is applied."""
    home_score: int
    away_score: int
    current_period: int | None
    """The last currentPeriod stated (a summary without one keeps the previous)."""
    status: str | None
    """currentStatus as sent; the last one stated."""
    collection_status: str | None
    """collectionStatus as sent; the last one stated."""
    finished: bool
    """An applied packet has said finished (the Finished event was emitted)."""
    periods: tuple[PeriodState, ...] = ()
    """Sorted by id."""

    def period(self, period_id: int) -> PeriodState | None:
        for period in self.periods:
            if period.id == period_id:
                return period
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": _VERSION,
            "fixtureId": self.fixture_id,
            "summarySeqNum": self.summary_seq_num,
            "home": self.home_score,
            "away": self.away_score,
            "currentPeriod": self.current_period,
            "status": self.status,
            "collectionStatus": self.collection_status,
            "finished": self.finished,
            "periods": [period.to_list() for period in self.periods],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FixtureState:
        what = "FixtureState"
        obj = as_object(data, what)
        check_version(obj, what, _VERSION)
        periods = as_list(member(obj, "periods", what), f"{what}.periods")
        return cls(
            fixture_id=str_at(member(obj, "fixtureId", what), f"{what}.fixtureId"),
            summary_seq_num=int_at(member(obj, "summarySeqNum", what), f"{what}.summarySeqNum"),
            home_score=int_at(member(obj, "home", what), f"{what}.home"),
            away_score=int_at(member(obj, "away", what), f"{what}.away"),
            current_period=opt_int_at(member(obj, "currentPeriod", what), f"{what}.currentPeriod"),
            status=opt_str_at(member(obj, "status", what), f"{what}.status"),
            collection_status=opt_str_at(member(obj, "collectionStatus", what), f"{what}.collectionStatus"),
            finished=bool_at(member(obj, "finished", what), f"{what}.finished"),
            periods=tuple(
                PeriodState.from_list(item, f"{what}.periods[{index}]") for index, item in enumerate(periods)
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionState:
    """One action's place in its lifecycle (table ``actions``, key actionId)."""

    action_id: str
    fixture_id: str
    status: ActionStatus
    fixture_seq_num: int
    """fixtureSeqNum of the last applied version; only a higher one is applied."""
    revision: int
    """How many versions have been applied, 1 for the first."""
    digest: str
    """Fingerprint of the last applied version's content, to spot a re-delivery that differs."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": _VERSION,
            "actionId": self.action_id,
            "fixtureId": self.fixture_id,
            "status": self.status.value,
            "fixtureSeqNum": self.fixture_seq_num,
            "revision": self.revision,
            "digest": self.digest,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ActionState:
        what = "ActionState"
        obj = as_object(data, what)
        check_version(obj, what, _VERSION)
        status = str_at(member(obj, "status", what), f"{what}.status")
        try:
            parsed_status = ActionStatus(status)
        except ValueError:
            raise StateError(f"{what}.status: unknown status {status!r}") from None
        return cls(
            action_id=str_at(member(obj, "actionId", what), f"{what}.actionId"),
            fixture_id=str_at(member(obj, "fixtureId", what), f"{what}.fixtureId"),
            status=parsed_status,
            fixture_seq_num=int_at(member(obj, "fixtureSeqNum", what), f"{what}.fixtureSeqNum"),
            revision=int_at(member(obj, "revision", what), f"{what}.revision"),
            digest=str_at(member(obj, "digest", what), f"{what}.digest"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakMark:
    """A break that was emitted: its identity, its last revision and a fingerprint of what was emitted."""

    frame: int
    break_seq: int
    revision: int
    digest: str

    @property
    def key(self) -> tuple[int, int]:
        return (self.frame, self.break_seq)

    def to_list(self) -> list[Any]:
        return [self.frame, self.break_seq, self.revision, self.digest]

    @classmethod
    def from_list(cls, value: object, what: str) -> BreakMark:
        items = as_list(value, what)
        if len(items) != 4:
            raise StateError(f"{what}: expected 4 items, got {len(items)}")
        return cls(
            frame=int_at(items[0], f"{what}[0]"),
            break_seq=int_at(items[1], f"{what}[1]"),
            revision=int_at(items[2], f"{what}[2]"),
            digest=str_at(items[3], f"{what}[3]"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class StatisticsState:
    """One fixture's statistics stream (table ``statistics``, key fixtureId)."""

    fixture_id: str
    seq_num: int
    """seqNum of the last applied snapshot; only a higher one is applied."""
    breaks: tuple[BreakMark, ...] = ()
    """Every break emitted so far, sorted by (frame, breakSeq)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": _VERSION,
            "fixtureId": self.fixture_id,
            "seqNum": self.seq_num,
            "breaks": [mark.to_list() for mark in self.breaks],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StatisticsState:
        what = "StatisticsState"
        obj = as_object(data, what)
        check_version(obj, what, _VERSION)
        breaks = as_list(member(obj, "breaks", what), f"{what}.breaks")
        return cls(
            fixture_id=str_at(member(obj, "fixtureId", what), f"{what}.fixtureId"),
            seq_num=int_at(member(obj, "seqNum", what), f"{what}.seqNum"),
            breaks=tuple(BreakMark.from_list(item, f"{what}.breaks[{index}]") for index, item in enumerate(breaks)),
        )
