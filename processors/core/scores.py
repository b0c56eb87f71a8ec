"""Score changes: the previously applied summary compared with the newly applied one.

Driven by ``fixtureSummary`` alone, never by action type ids (which are not
reliable: 22 is both Steal and Status updated), so it is the same for every
sport: points or goals (basketball, soccer), sets and points in the set
(volleyball), frames and points in the frame (snooker).

Rules:

- A fixture starts at 0-0 with no periods, and a period absent from a summary
  counts as 0-0: a period that appears at 0-0 is not a change.
- One record per period whose own score (home/awayTeamPeriodScore) changed, in
  ascending period id, each carrying the previous and new match score too.
- If only the match score changed, one record for the current period (0 when
  no currentPeriod was ever stated), its period scores unchanged (previous = new).
- ``is_correction`` is decided for the packet as a whole and set on each of its
  records: true when any score of the packet went down (the match score or any
  period's), or when the cause's sendType is Updated, Deleted or Restored.  A
  point moved from one period to another is thus a correction in both records.
"""

from __future__ import annotations

from typing import Final

from ddeflow.dde.actions import ActionPacket
from ddeflow.dde.enums import SendType
from ddeflow.dde.sports import Sport
from ddeflow.processors.core._codec import micros
from ddeflow.processors.core.lifecycle import send_type_label
from ddeflow.processors.core.records import ScoreChange
from ddeflow.processors.core.states import FixtureState

_CORRECTING_SEND_TYPES: Final = frozenset({SendType.UPDATED, SendType.DELETED, SendType.RESTORED})

_Pair = tuple[int, int]
_NIL: Final[_Pair] = (0, 0)


def _period_scores(state: FixtureState | None) -> dict[int, _Pair]:
    if state is None:
        return {}
    return {period.id: (period.home_period_score, period.away_period_score) for period in state.periods}


def _went_down(before: _Pair, after: _Pair) -> bool:
    return after[0] < before[0] or after[1] < before[1]


def derive_score_changes(
    previous: FixtureState | None,
    current: FixtureState,
    packet: ActionPacket,
    sport: Sport,
    received_at_us: int | None,
) -> tuple[ScoreChange, ...]:
    """The score changes from ``previous`` (None: nothing applied yet) to ``current``, caused by ``packet``."""
    match_before = (previous.home_score, previous.away_score) if previous is not None else _NIL
    match_after = (current.home_score, current.away_score)
    periods_before = _period_scores(previous)
    periods_after = _period_scores(current)
    changed = sorted(
        period_id
        for period_id in periods_before.keys() | periods_after.keys()
        if periods_before.get(period_id, _NIL) != periods_after.get(period_id, _NIL)
    )
    if not changed and match_before == match_after:
        return ()
    action = packet.fixture_action
    is_correction = (
        action.send_type in _CORRECTING_SEND_TYPES
        or _went_down(match_before, match_after)
        or any(_went_down(periods_before.get(p, _NIL), periods_after.get(p, _NIL)) for p in changed)
    )
    if changed:
        rows = [(p, periods_before.get(p, _NIL), periods_after.get(p, _NIL)) for p in changed]
    else:
        period_id = current.current_period if current.current_period is not None else 0
        unchanged = periods_after.get(period_id, _NIL)
        rows = [(period_id, unchanged, unchanged)]
    feed_timestamp_us = micros(action.timestamp)
    cause_send_type = send_type_label(action)
    return tuple(
        ScoreChange(
            fixture_id=current.fixture_id,
            sport=sport,
            home_score=match_after[0],
            away_score=match_after[1],
            previous_home_score=match_before[0],
            previous_away_score=match_before[1],
            period=period_id,
            home_period_score=after[0],
            away_period_score=after[1],
            previous_home_period_score=before[0],
            previous_away_period_score=before[1],
            is_correction=is_correction,
            cause_action_id=action.action_id,
            cause_send_type=cause_send_type,
            cause_action_type=action.fixture_action_type,
            fixture_seq_num=action.fixture_seq_num,
            feed_timestamp_us=feed_timestamp_us,
            received_at_us=received_at_us,
        )
        for period_id, before, after in rows
    )
