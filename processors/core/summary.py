"""The fixture summary of an applied packet, projected into the small ``FixtureState`` kept per fixture.

Rules for what a summary states:

- Scores absent from the wire are 0 (the parser's rule), so they are taken as sent.
- ``currentPeriod``, ``currentStatus`` and ``collectionStatus`` absent (null)
  mean "not stated": the previous value is kept, and no event says it changed.
- A period id listed twice in one summary: the first entry counts.
- A period missing from a later summary is dropped from the state; for score
  changes it counts as 0-0 (so removing a period that had points is a change,
  and a correction because its score went down).
"""

from __future__ import annotations

from typing import TypeVar

from ddeflow.dde.actions import ActionPacket, FixtureSummary, Period
from ddeflow.processors.core.states import FixtureState, PeriodState

T = TypeVar("T")


def periods_by_id(summary: FixtureSummary) -> dict[int, Period]:
    """The summary's periods by id, first entry winning, in ascending id order."""
    found: dict[int, Period] = {}
    for period in summary.periods:
        found.setdefault(period.id, period)
    return {period_id: found[period_id] for period_id in sorted(found)}


def project_summary(previous: FixtureState | None, packet: ActionPacket) -> FixtureState:
    """The fixture's state once ``packet``'s summary is applied over ``previous``."""
    summary = packet.fixture_summary
    periods = tuple(
        PeriodState(
            id=period.id,
            home_period_score=period.home_team_period_score,
            away_period_score=period.away_team_period_score,
            started=period.start is not None,
            ended=period.end is not None,
        )
        for period in periods_by_id(summary).values()
    )
    return FixtureState(
        fixture_id=packet.fixture_id,
        summary_seq_num=packet.seq_num,
        home_score=summary.home_team_score,
        away_score=summary.away_team_score,
        current_period=_stated(summary.current_period, previous.current_period if previous else None),
        status=_stated(summary.current_status_raw, previous.status if previous else None),
        collection_status=_stated(summary.collection_status_raw, previous.collection_status if previous else None),
        finished=packet.finished or (previous is not None and previous.finished),
        periods=periods,
    )


def _stated(value: T | None, previous: T | None) -> T | None:
    return previous if value is None else value
