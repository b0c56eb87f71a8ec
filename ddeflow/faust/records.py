"""``faust.Record`` models of the values of ddeflow's Avro topics, one per schema.

Each mirrors its ``.avsc`` (``schemas/`` and the example processors' own), field for field and under the same
camelCase names, so that a decoded Avro record is the model's data as it stands.  Faust wants the fields without
a default first, so the order may differ from the schema's; the codec maps by name.  Avro enums arrive as their
symbol (``str``) and the timestamp logical types as timezone-aware ``datetime``.  The schemas hold the
documentation of every field; ``tests/faust/test_records.py`` checks each model against its schema.
"""

from __future__ import annotations

from datetime import datetime

import faust


class _Value(faust.Record, abstract=True, include_metadata=False):
    """The value of a ddeflow topic: no Faust metadata in its representation, which the Avro codec writes."""


class ActionState(_Value):
    """``action_state.avsc``: the current state of one action (topics ``dde.actions.<sport>``, key actionId)."""

    actionId: str
    fixtureId: str
    sport: str
    actionTypeId: int
    status: str
    sendTypeId: int
    revision: int
    fixtureSeqNum: int
    period: int
    timestamp: datetime
    # Required here though the schema defaults it to []: a Faust default is one object shared by every instance.
    relatedActionIds: list[str]
    actionType: str | None = None
    actionSubType: str | None = None
    actionSubTypeId: int | None = None
    teamId: str | None = None
    playerId: str | None = None
    clockTime: str | None = None
    anomaly: str | None = None
    receivedAt: datetime | None = None


class PottedBalls(_Value):
    red: int
    yellow: int
    green: int
    brown: int
    blue: int
    pink: int
    black: int


class BreakCompletion(_Value):
    """``break_completion.avsc``: a snooker break that ended (``dde.snooker.break-completions``, key fixtureId)."""

    fixtureId: str
    frame: int
    breakSeq: int
    playerId: str
    points: int
    pottedBalls: PottedBalls
    endedAt: datetime
    revision: int
    statisticsSeqNum: int
    playerName: str | None = None
    startedAt: datetime | None = None
    receivedAt: datetime | None = None


class FeedStatus(_Value):
    """``feed_status.avsc``: one fixture stream down, up again or finished (``dde.feed-status``, key fixtureId)."""

    fixtureId: str
    sport: str
    stream: str
    state: str
    since: datetime
    at: datetime
    silenceThresholdMs: int
    position: int
    media: bool = False
    reason: str | None = None
    detail: str | None = None
    downForMs: int | None = None
    lastSeqNum: int | None = None
    gapHealed: bool | None = None


class FixtureEvent(_Value):
    """``fixture_event.avsc``: a fixture's status or period changed (``dde.fixture-events``, key fixtureId)."""

    fixtureId: str
    sport: str
    eventType: str
    fixtureSeqNum: int
    previous: str | None = None
    current: str | None = None
    period: int | None = None
    periodType: str | None = None
    at: datetime | None = None
    causeActionId: str | None = None
    receivedAt: datetime | None = None


class ScoreChange(_Value):
    """``score_change.avsc``: the match score or a period's score changed (``dde.score-changes``, key fixtureId)."""

    fixtureId: str
    sport: str
    homeScore: int
    awayScore: int
    previousHomeScore: int
    previousAwayScore: int
    period: int
    homePeriodScore: int
    awayPeriodScore: int
    previousHomePeriodScore: int
    previousAwayPeriodScore: int
    isCorrection: bool
    causeSendType: str
    fixtureSeqNum: int
    feedTimestamp: datetime
    causeActionId: str | None = None
    causeActionType: str | None = None
    receivedAt: datetime | None = None


class ScoringRun(_Value):
    """The example processor's ``scoring_runs.avsc`` (``dde.basketball.scoring-runs``, key fixtureId)."""

    fixtureId: str
    eventType: str
    side: str
    points: int
    startedAtSeqNum: int
    startHomeScore: int
    startAwayScore: int
    homeScore: int
    awayScore: int
    fixtureSeqNum: int
    period: int | None = None
    endReason: str | None = None
    receivedAt: datetime | None = None


class SnookerBreakHighlight(_Value):
    """The example processor's ``snooker_breaks.avsc`` (``dde.snooker.break-highlights``, key fixtureId)."""

    fixtureId: str
    kind: str
    frame: int
    breakSeq: int
    playerId: str
    points: int
    revision: int
    statisticsSeqNum: int
    playerName: str | None = None
    receivedAt: datetime | None = None


BY_SCHEMA: dict[str, type[_Value]] = {
    "action_state": ActionState,
    "break_completion": BreakCompletion,
    "feed_status": FeedStatus,
    "fixture_event": FixtureEvent,
    "score_change": ScoreChange,
    "scoring_runs": ScoringRun,
    "snooker_breaks": SnookerBreakHighlight,
}
"""The model of each schema, by the name of its ``.avsc`` file (``Binding.schema_name``)."""
