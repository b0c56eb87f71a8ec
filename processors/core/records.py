"""The derived records the processor emits, one frozen type per Avro schema in ``schemas/``.

Every record knows its topic (``topic_kind``, ``topic()``), its Kafka key
(``key``), its schema (``schema_name``, the ``.avsc`` file name) and its Avro
value (``to_avro()``: a dict with the schema's camelCase field names,
timestamps as integer microseconds since the epoch, enums as their symbols).

===================  =====================================  ==========  ==================
record               topic                                  key         schema
===================  =====================================  ==========  ==================
ActionStateRecord    dde.actions.<sport> (compacted)        actionId    action_state
ScoreChange          dde.score-changes                      fixtureId   score_change
FixtureEvent         dde.fixture-events                     fixtureId   fixture_event
BreakCompletion      dde.snooker.break-completions          fixtureId   break_completion
===================  =====================================  ==========  ==================
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from ddeflow import topics
from ddeflow.dde.sports import Sport
from ddeflow.dde.statistics import Balls
from ddeflow.processors.core.lifecycle import ActionStatus


class TopicKind(StrEnum):
    """Which derived topic a record goes to."""

    ACTIONS = "actions"
    SCORE_CHANGES = "score-changes"
    FIXTURE_EVENTS = "fixture-events"
    BREAK_COMPLETIONS = "break-completions"


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionStateRecord:
    """The state of one action after a version of it was applied (Avro ``ActionState``)."""

    topic_kind: ClassVar[TopicKind] = TopicKind.ACTIONS
    schema_name: ClassVar[str] = "action_state"

    action_id: str
    fixture_id: str
    sport: Sport
    action_type: str | None
    action_type_id: int
    action_sub_type: str | None
    action_sub_type_id: int | None
    status: ActionStatus
    send_type_id: int
    revision: int
    fixture_seq_num: int
    team_id: str | None
    player_id: str | None
    period: int
    clock_time: str | None
    timestamp_us: int
    related_action_ids: tuple[str, ...]
    anomaly: str | None
    received_at_us: int | None

    @property
    def key(self) -> str:
        return self.action_id

    def topic(self, prefix: str = "") -> str:
        return prefix + topics.derived_actions(self.sport)

    def to_avro(self) -> dict[str, Any]:
        return {
            "actionId": self.action_id,
            "fixtureId": self.fixture_id,
            "sport": self.sport.value,
            "actionType": self.action_type,
            "actionTypeId": self.action_type_id,
            "actionSubType": self.action_sub_type,
            "actionSubTypeId": self.action_sub_type_id,
            "status": self.status.value,
            "sendTypeId": self.send_type_id,
            "revision": self.revision,
            "fixtureSeqNum": self.fixture_seq_num,
            "teamId": self.team_id,
            "playerId": self.player_id,
            "period": self.period,
            "clockTime": self.clock_time,
            "timestamp": self.timestamp_us,
            "relatedActionIds": list(self.related_action_ids),
            "anomaly": self.anomaly,
            "receivedAt": self.received_at_us,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreChange:
    """The match score or one period's own score changed (Avro ``ScoreChange``)."""

    topic_kind: ClassVar[TopicKind] = TopicKind.SCORE_CHANGES
    schema_name: ClassVar[str] = "score_change"

    fixture_id: str
    sport: Sport
    home_score: int
    away_score: int
    previous_home_score: int
    previous_away_score: int
    period: int
    home_period_score: int
    away_period_score: int
    previous_home_period_score: int
    previous_away_period_score: int
    is_correction: bool
    cause_action_id: str | None
    cause_send_type: str
    cause_action_type: str | None
    fixture_seq_num: int
    feed_timestamp_us: int
    received_at_us: int | None

    @property
    def key(self) -> str:
        return self.fixture_id

    def topic(self, prefix: str = "") -> str:
        return prefix + topics.SCORE_CHANGES

    def to_avro(self) -> dict[str, Any]:
        return {
            "fixtureId": self.fixture_id,
            "sport": self.sport.value,
            "homeScore": self.home_score,
            "awayScore": self.away_score,
            "previousHomeScore": self.previous_home_score,
            "previousAwayScore": self.previous_away_score,
            "period": self.period,
            "homePeriodScore": self.home_period_score,
            "awayPeriodScore": self.away_period_score,
            "previousHomePeriodScore": self.previous_home_period_score,
            "previousAwayPeriodScore": self.previous_away_period_score,
            "isCorrection": self.is_correction,
            "causeActionId": self.cause_action_id,
            "causeSendType": self.cause_send_type,
            "causeActionType": self.cause_action_type,
            "fixtureSeqNum": self.fixture_seq_num,
            "feedTimestamp": self.feed_timestamp_us,
            "receivedAt": self.received_at_us,
        }


class FixtureEventType(StrEnum):
    """The Avro ``FixtureEventType`` symbols we emit (the schema's ``Unknown`` is for readers only)."""

    STATUS_CHANGED = "StatusChanged"
    COLLECTION_STATUS_CHANGED = "CollectionStatusChanged"
    PERIOD_STARTED = "PeriodStarted"
    PERIOD_ENDED = "PeriodEnded"
    FINISHED = "Finished"


@dataclass(frozen=True, slots=True, kw_only=True)
class FixtureEvent:
    """A transition of a fixture (Avro ``FixtureEvent``)."""

    topic_kind: ClassVar[TopicKind] = TopicKind.FIXTURE_EVENTS
    schema_name: ClassVar[str] = "fixture_event"

    fixture_id: str
    sport: Sport
    event_type: FixtureEventType
    previous: str | None = None
    current: str | None = None
    period: int | None = None
    period_type: str | None = None
    at_us: int | None
    cause_action_id: str | None
    fixture_seq_num: int
    received_at_us: int | None

    @property
    def key(self) -> str:
        return self.fixture_id

    def topic(self, prefix: str = "") -> str:
        return prefix + topics.FIXTURE_EVENTS

    def to_avro(self) -> dict[str, Any]:
        return {
            "fixtureId": self.fixture_id,
            "sport": self.sport.value,
            "eventType": self.event_type.value,
            "previous": self.previous,
            "current": self.current,
            "period": self.period,
            "periodType": self.period_type,
            "at": self.at_us,
            "causeActionId": self.cause_action_id,
            "fixtureSeqNum": self.fixture_seq_num,
            "receivedAt": self.received_at_us,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakCompletion:
    """A snooker break that has ended with points, or a later revision of one (Avro ``BreakCompletion``)."""

    topic_kind: ClassVar[TopicKind] = TopicKind.BREAK_COMPLETIONS
    schema_name: ClassVar[str] = "break_completion"

    fixture_id: str
    frame: int
    break_seq: int
    player_id: str
    player_name: str | None
    points: int
    potted_balls: Balls
    started_at_us: int | None
    ended_at_us: int
    revision: int
    statistics_seq_num: int
    received_at_us: int | None

    @property
    def key(self) -> str:
        return self.fixture_id

    def topic(self, prefix: str = "") -> str:
        return prefix + topics.BREAK_COMPLETIONS

    def to_avro(self) -> dict[str, Any]:
        balls = self.potted_balls
        return {
            "fixtureId": self.fixture_id,
            "frame": self.frame,
            "breakSeq": self.break_seq,
            "playerId": self.player_id,
            "playerName": self.player_name,
            "points": self.points,
            "pottedBalls": {
                "red": balls.red,
                "yellow": balls.yellow,
                "green": balls.green,
                "brown": balls.brown,
                "blue": balls.blue,
                "pink": balls.pink,
                "black": balls.black,
            },
            "startedAt": self.started_at_us,
            "endedAt": self.ended_at_us,
            "revision": self.revision,
            "statisticsSeqNum": self.statistics_seq_num,
            "receivedAt": self.received_at_us,
        }


Output = ActionStateRecord | ScoreChange | FixtureEvent | BreakCompletion
"""Anything a processor step emits."""
