"""The DDE feed's data model: packets, enumerations and parsing.  Pure: no I/O.

Everything a producer or processor needs is importable from here; ``ddeflow.dde.parse``
documents the wire format.
"""

from ddeflow.dde.actions import ActionPacket, FixtureAction, FixtureSummary, Period, WebsocketInfo
from ddeflow.dde.enums import ClockState, CollectionStatus, FixtureStatus, FixtureType, PeriodType, SendType
from ddeflow.dde.fixtures import Fixture
from ddeflow.dde.heartbeat import Heartbeat
from ddeflow.dde.jsonvalue import JsonObject, JsonValue, thaw_json
from ddeflow.dde.parse import (
    MAX_BODY_BYTES,
    MAX_FRAME_BYTES,
    classify_frame,
    parse_action_packet,
    parse_action_packets,
    parse_fixture,
    parse_fixture_json,
    parse_fixtures_json,
    parse_statistics_packet,
)
from ddeflow.dde.refs import PlayerRef, TeamRef
from ddeflow.dde.sports import Sport
from ddeflow.dde.statistics import (
    ActionAggregate,
    AdvancedSportStatistics,
    AverageShotTimes,
    Balls,
    Break,
    PeriodActionAggregates,
    PlayerActionAggregates,
    PlayerShotTimes,
    RemainingBalls,
    ShotTime,
    StatisticsPacket,
    SubActionAggregate,
    TeamActionAggregates,
)

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_FRAME_BYTES",
    "ActionAggregate",
    "ActionPacket",
    "AdvancedSportStatistics",
    "AverageShotTimes",
    "Balls",
    "Break",
    "ClockState",
    "CollectionStatus",
    "Fixture",
    "FixtureAction",
    "FixtureStatus",
    "FixtureSummary",
    "FixtureType",
    "Heartbeat",
    "JsonObject",
    "JsonValue",
    "Period",
    "PeriodActionAggregates",
    "PeriodType",
    "PlayerActionAggregates",
    "PlayerRef",
    "PlayerShotTimes",
    "RemainingBalls",
    "SendType",
    "ShotTime",
    "Sport",
    "StatisticsPacket",
    "SubActionAggregate",
    "TeamActionAggregates",
    "TeamRef",
    "WebsocketInfo",
    "classify_frame",
    "parse_action_packet",
    "parse_action_packets",
    "parse_fixture",
    "parse_fixture_json",
    "parse_fixtures_json",
    "parse_statistics_packet",
    "thaw_json",
]
