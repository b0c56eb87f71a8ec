"""Decoded JSON to ``StatisticsPacket``.  Private: use ``ddeflow.dde.parse``, which documents the wire format."""

from __future__ import annotations

from functools import lru_cache
from types import MappingProxyType
from typing import Any, Final

from ddeflow.dde._decode_actions import decode_player, decode_team
from ddeflow.dde._fields import (
    FieldError,
    duration_s,
    each,
    each_entry,
    int_or,
    nested,
    opt_nested,
    opt_obj,
    opt_str,
    opt_timestamp,
    req_duration_s,
    req_int,
    req_str,
    req_timestamp,
    to_datetime,
    wrong_type,
)
from ddeflow.dde.enums import PeriodType
from ddeflow.dde.jsonvalue import freeze_json_object
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

_SNOOKER_BLOCKS: Final = frozenset(
    {"startingStriker", "breaksStatistics", "remainingBallsStatistics", "averageShotTimeStatistics"}
)


def decode_statistics_packet(obj: dict[str, Any]) -> StatisticsPacket:
    finished = obj.get("finished")
    if finished is not None and type(finished) is not bool:
        raise wrong_type("boolean", finished, "finished")
    return StatisticsPacket(
        seq_num=req_int(obj, "seqNum"),
        trace_id=opt_str(obj, "traceId"),
        version=req_int(obj, "version"),
        finished=bool(finished),
        fixture_id=req_str(obj, "fixtureId"),
        timestamp=req_timestamp(obj, "timestamp"),
        team_action_aggregates=each(obj, "teamActionAggregates", _team_aggregates),
        advanced_sport_statistics=opt_nested(obj, "advancedSportStatistics", _advanced),
    )


# --- action aggregates (all sports) ---------------------------------------------------


def _sub_action(obj: dict[str, Any]) -> SubActionAggregate:
    return SubActionAggregate(
        sub_action=opt_str(obj, "subAction"),
        sub_action_id=req_int(obj, "subActionId"),
        count=req_int(obj, "subActionAggregate"),
    )


def _action(obj: dict[str, Any]) -> ActionAggregate:
    return ActionAggregate(
        action=opt_str(obj, "action"),
        action_id=req_int(obj, "actionId"),
        count=req_int(obj, "actionAggregate"),
        sub_actions=each(obj, "subActionAggregates", _sub_action),
    )


def _period_aggregates(obj: dict[str, Any]) -> PeriodActionAggregates:
    period_type = opt_str(obj, "type")
    return PeriodActionAggregates(
        period=req_int(obj, "period"),
        label=opt_str(obj, "label"),
        type=PeriodType.from_raw(period_type),
        type_raw=period_type,
        aggregates=each(obj, "aggregates", _action),
    )


def _player_aggregates(obj: dict[str, Any]) -> PlayerActionAggregates:
    return PlayerActionAggregates(
        player=nested(obj, "player", decode_player),
        game_action_aggregates=each(obj, "gameActionAggregates", _action),
        period_action_aggregates=each(obj, "periodActionAggregates", _period_aggregates),
    )


def _team_aggregates(obj: dict[str, Any]) -> TeamActionAggregates:
    return TeamActionAggregates(
        team=nested(obj, "team", decode_team),
        game_action_aggregates=each(obj, "gameActionAggregates", _action),
        period_action_aggregates=each(obj, "periodActionAggregates", _period_aggregates),
        player_action_aggregates=each(obj, "playerActionAggregates", _player_aggregates),
    )


# --- snooker's advanced statistics ----------------------------------------------------


def _advanced(obj: dict[str, Any]) -> AdvancedSportStatistics:
    return AdvancedSportStatistics(
        starting_striker=opt_str(obj, "startingStriker"),
        breaks=opt_nested(obj, "breaksStatistics", _breaks),
        remaining_balls=opt_nested(obj, "remainingBallsStatistics", _remaining_balls),
        average_shot_times=opt_nested(obj, "averageShotTimeStatistics", _average_shot_times),
        other=freeze_json_object({key: value for key, value in obj.items() if key not in _SNOOKER_BLOCKS}),
    )


def _balls(obj: dict[str, Any]) -> Balls:
    return Balls(
        red=int_or(obj, "redBalls", 0, bits=32),
        yellow=int_or(obj, "yellowBalls", 0, bits=32),
        green=int_or(obj, "greenBalls", 0, bits=32),
        brown=int_or(obj, "brownBalls", 0, bits=32),
        blue=int_or(obj, "blueBalls", 0, bits=32),
        pink=int_or(obj, "pinkBalls", 0, bits=32),
        black=int_or(obj, "blackBalls", 0, bits=32),
    )


def _breaks(obj: dict[str, Any]) -> tuple[Break, ...]:
    return each(obj, "breaks", _break)


def _break(obj: dict[str, Any]) -> Break:
    return Break(
        score=req_int(obj, "score", bits=32),
        break_seq=req_int(obj, "breakSeq", bits=32),
        player_id=req_str(obj, "playerId"),
        player_name=opt_str(obj, "playerName"),
        potted_balls=nested(obj, "pottedBalls", _balls),
        start_timestamp=req_timestamp(obj, "startTimestamp"),
        end_timestamp=opt_timestamp(obj, "endTimestamp"),
        period_number=req_int(obj, "periodNumber", bits=32),
    )


def _remaining_balls(obj: dict[str, Any]) -> RemainingBalls:
    return RemainingBalls(
        possible_points=req_int(obj, "possiblePoints"),
        remaining_balls=nested(obj, "remainingBalls", _balls),
        next_expected_ball=opt_str(obj, "nextExpectedBall"),
    )


SHOTS_REMEMBERED: Final = 8192
"""Shots read once and reused: enough for every shot of several long matches live at once."""


def _shot_time(obj: dict[str, Any]) -> ShotTime:
    start, end, duration = obj.get("shotStart"), obj.get("shotEnd"), obj.get("duration")
    if type(start) is str and type(end) is str and type(duration) is str:
        return _read_shot_time(start, end, duration)
    return ShotTime(
        shot_start=req_timestamp(obj, "shotStart"),
        shot_end=req_timestamp(obj, "shotEnd"),
        duration_s=req_duration_s(obj, "duration"),
    )


# Every snapshot repeats each shot of the match so far, so a match's statistics cost grew with the square of its
# length: the same texts are read once.  A text that does not read raises each time (errors are not cached).
@lru_cache(maxsize=SHOTS_REMEMBERED)
def _read_shot_time(start: str, end: str, duration: str) -> ShotTime:
    return ShotTime(
        shot_start=to_datetime(start, "shotStart"),
        shot_end=to_datetime(end, "shotEnd"),
        duration_s=duration_s(duration, "duration"),
    )


def _player_shot_times(key: str, value: Any) -> PlayerShotTimes:
    if type(value) is not dict:
        raise wrong_type("object", value, None)
    player_id = opt_str(value, "playerId")
    return PlayerShotTimes(
        player_id=key if player_id is None else player_id,
        shot_times=each(value, "shotTimes", _shot_time),
    )


def _average_shot_times(obj: dict[str, Any]) -> AverageShotTimes:
    averages: dict[str, float] = {}
    for key, value in (opt_obj(obj, "averageShotTimes") or {}).items():
        try:
            averages[key] = duration_s(value, key)
        except FieldError as exc:
            raise exc.within("averageShotTimes") from None
    return AverageShotTimes(
        average_shot_times_s=MappingProxyType(averages),
        players_shot_times=each_entry(obj, "playersShotTimes", _player_shot_times),
    )
