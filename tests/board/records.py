"""A known set of derived records, as ``ddeflow.decode.view`` shows their values: two fixtures."""

from __future__ import annotations

from typing import Any

from ddeflow import topics
from ddeflow.board.model import Derived
from ddeflow.dde import Sport

VOLLEY = "7d1c0e2a-0000-4000-8000-000000000001"
SOCCER = "5a9b3f10-0000-4000-8000-000000000002"
HOME, AWAY = "aaaaaaaa-1111-4111-8111-111111111111", "bbbbbbbb-2222-4222-8222-222222222222"
T0 = 1_790_000_000_000


def score(
    fixture: str, sport: str, seq: int, match: tuple[int, int, int, int], period: tuple[int, ...], **kw: Any
) -> dict[str, Any]:
    prev_home, prev_away, home, away = match
    number, ph_before, pa_before, ph, pa = period
    return {
        "fixtureId": fixture,
        "sport": sport,
        "homeScore": home,
        "awayScore": away,
        "previousHomeScore": prev_home,
        "previousAwayScore": prev_away,
        "period": number,
        "homePeriodScore": ph,
        "awayPeriodScore": pa,
        "previousHomePeriodScore": ph_before,
        "previousAwayPeriodScore": pa_before,
        "isCorrection": kw.get("correction", False),
        "causeActionId": f"a-{seq}",
        "causeSendType": kw.get("send_type", "Confirmed"),
        "causeActionType": "Point",
        "fixtureSeqNum": seq,
        "feedTimestamp": "2026-09-04T18:30:00Z",
        "receivedAt": kw.get("received_at"),
    }


def action(
    fixture: str, sport: str, seq: int, kind: str, clock: str, period: int, team: str | None, status: str = "Confirmed"
) -> dict[str, Any]:
    return {
        "actionId": f"a-{seq}",
        "fixtureId": fixture,
        "sport": sport,
        "actionType": kind,
        "actionTypeId": 1,
        "status": status,
        "sendTypeId": 5,
        "revision": 1,
        "fixtureSeqNum": seq,
        "teamId": team,
        "playerId": None,
        "period": period,
        "clockTime": clock,
        "timestamp": "2026-09-04T18:30:00Z",
        "relatedActionIds": [],
        "anomaly": None,
        "receivedAt": None,
    }


def event(
    fixture: str, sport: str, seq: int, kind: str, current: str | None, period: int | None = None
) -> dict[str, Any]:
    return {
        "fixtureId": fixture,
        "sport": sport,
        "eventType": kind,
        "previous": None,
        "current": current,
        "period": period,
        "periodType": "Regular" if period else None,
        "at": None,
        "causeActionId": None,
        "fixtureSeqNum": seq,
        "receivedAt": None,
    }


def known_records() -> list[Derived]:
    """Volleyball: set 1 from 6-4 to 7-4 after a 0-0 start; soccer: a goal, then its deletion (a correction)."""
    volley_actions = topics.derived_actions(Sport.VOLLEYBALL)
    soccer_actions = topics.derived_actions(Sport.SOCCER)
    return [
        Derived(topics.FIXTURE_EVENTS, event(VOLLEY, "volleyball", 1, "StatusChanged", "InProgress"), T0),
        Derived(topics.FIXTURE_EVENTS, event(VOLLEY, "volleyball", 2, "PeriodStarted", "1st set", 1), T0),
        Derived(volley_actions, action(VOLLEY, "volleyball", 40, "Point", "08:53", 1, HOME), T0 + 1),
        Derived(volley_actions, action(VOLLEY, "volleyball", 41, "Point", "09:10", 1, AWAY), T0 + 2),
        Derived(topics.SCORE_CHANGES, score(VOLLEY, "volleyball", 40, (0, 0, 0, 0), (1, 5, 4, 6, 4)), T0 + 1),
        Derived(topics.SCORE_CHANGES, score(VOLLEY, "volleyball", 41, (0, 0, 0, 0), (1, 6, 4, 7, 4)), T0 + 2),
        Derived(topics.FIXTURE_EVENTS, event(SOCCER, "soccer", 1, "StatusChanged", "InProgress"), T0),
        Derived(topics.FIXTURE_EVENTS, event(SOCCER, "soccer", 9, "PeriodStarted", "2nd half", 2), T0),
        Derived(soccer_actions, action(SOCCER, "soccer", 10, "Goal", "61:06", 2, HOME), T0 + 3),
        Derived(topics.SCORE_CHANGES, score(SOCCER, "soccer", 10, (0, 0, 1, 0), (2, 0, 0, 1, 0)), T0 + 3),
        # The goal's deletion arrives on the score topic before its action state does: the row still ends on it.
        Derived(
            topics.SCORE_CHANGES,
            score(SOCCER, "soccer", 12, (1, 0, 0, 0), (2, 1, 0, 0, 0), correction=True, send_type="Deleted"),
            T0 + 10_000,
        ),
        Derived(soccer_actions, action(SOCCER, "soccer", 12, "Goal", "62:27", 2, HOME, status="Deleted"), T0 + 10_000),
        Derived(soccer_actions, action(SOCCER, "soccer", 11, "Throw In", "62:00", 2, AWAY), T0 + 9_000),
    ]
