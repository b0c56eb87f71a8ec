"""Decoded JSON to ``ActionPacket``.  Private: use ``ddeflow.dde.parse``, which documents the wire format."""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any

from ddeflow.dde._fields import (
    MISSING_FIELD,
    FieldError,
    each,
    int_or,
    nested,
    opt_bool,
    opt_float,
    opt_int,
    opt_json_object,
    opt_loose_bool,
    opt_nested,
    opt_str,
    opt_timestamp,
    req_int,
    req_obj,
    req_str,
    req_timestamp,
    str_tuple,
)
from ddeflow.dde.actions import ActionPacket, FixtureAction, FixtureSummary, Period, WebsocketInfo
from ddeflow.dde.enums import ClockState, CollectionStatus, FixtureStatus, PeriodType, SendType
from ddeflow.dde.refs import PlayerRef, TeamRef


def decode_action_packet(obj: dict[str, Any]) -> ActionPacket:
    action = nested(obj, "fixtureAction", _fixture_action)
    summary_obj = req_obj(obj, "fixtureSummary")
    try:
        summary = _fixture_summary(summary_obj)
        summary_finished = opt_bool(summary_obj, "finished")
    except FieldError as exc:
        raise exc.within("fixtureSummary") from None
    top_finished = opt_bool(obj, "finished")
    return ActionPacket(
        version=req_int(obj, "version"),
        finished=bool(top_finished or summary_finished),
        trace_id=opt_str(obj, "traceId"),
        fixture_action=action,
        fixture_summary=summary,
        websocket=opt_nested(obj, "websocket", _websocket),
    )


def decode_team(obj: dict[str, Any]) -> TeamRef:
    return TeamRef(id=req_str(obj, "id"), name=opt_str(obj, "name"), home_team=opt_loose_bool(obj, "homeTeam"))


def decode_player(obj: dict[str, Any]) -> PlayerRef:
    return PlayerRef(id=req_str(obj, "id"), name=opt_str(obj, "name"))


def _fixture_action(obj: dict[str, Any]) -> FixtureAction:
    # Read in wire order so that the first error reported is the first field at fault.
    action_id = req_str(obj, "actionId")
    # One string per fixture, not one per packet: a fixture's hundreds of action states all hold it.
    fixture_id = sys.intern(req_str(obj, "fixtureId"))
    fixture_seq_num = req_int(obj, "fixtureSeqNum")
    type_id = req_int(obj, "fixtureActionTypeId", bits=32)
    send_type_id = opt_int(obj, "sendTypeId", bits=32)
    send_type_name = opt_str(obj, "sendType")
    if send_type_id is None and send_type_name is None:
        raise FieldError(MISSING_FIELD, "required field is missing (and so is sendType)", "sendTypeId")
    return FixtureAction(
        action_id=action_id,
        fixture_id=fixture_id,
        fixture_seq_num=fixture_seq_num,
        fixture_action_type_id=type_id,
        fixture_action_type=opt_str(obj, "fixtureActionType"),
        fixture_action_sub_type_id=opt_int(obj, "fixtureActionSubTypeId", bits=32),
        fixture_action_sub_type=opt_str(obj, "fixtureActionSubType"),
        send_type=SendType.from_wire(send_type_id, send_type_name),
        send_type_id=send_type_id,
        send_type_name=send_type_name,
        period=req_int(obj, "period", bits=32),
        clock_time=opt_str(obj, "clockTime"),
        timestamp=req_timestamp(obj, "timestamp"),
        timeline_sequence=opt_float(obj, "timelineSequence"),
        related_fixture_action_ids=str_tuple(obj, "relatedFixtureActionIds"),
        team=opt_nested(obj, "team", decode_team),
        player=opt_nested(obj, "player", decode_player),
        metadata=opt_json_object(obj, "metadata"),
    )


def _fixture_summary(obj: dict[str, Any]) -> FixtureSummary:
    status = opt_str(obj, "currentStatus")
    collection = opt_str(obj, "collectionStatus")
    clock_state = opt_str(obj, "currentClockState")
    possession = opt_bool(obj, "isHomeTeamInPossesion")  # sic: the feed's spelling
    if possession is None:
        possession = opt_bool(obj, "isHomeTeamInPossession")
    return FixtureSummary(
        home_team_score=int_or(obj, "homeTeamScore", 0, bits=32),
        away_team_score=int_or(obj, "awayTeamScore", 0, bits=32),
        is_tied=opt_bool(obj, "isTied"),
        current_period=opt_int(obj, "currentPeriod", bits=32),
        current_status=FixtureStatus.from_raw(status),
        current_status_raw=status,
        collection_status=CollectionStatus.from_raw(collection),
        collection_status_raw=collection,
        current_clock_time=opt_str(obj, "currentClockTime"),
        current_clock_state=ClockState.from_raw(clock_state),
        current_clock_state_raw=clock_state,
        is_home_team_in_possession=possession,
        periods=each(obj, "periods", _period),
    )


def _period(obj: dict[str, Any]) -> Period:
    try:
        # Each value's type is in the key: True == 1 == 1.0, but only the int is a score.
        key = tuple([(name, type(value), value) for name, value in obj.items()])
        return _remembered_period(key)
    except TypeError:  # an unhashable value (an array or object in an ignored key)
        return _read_period(obj)


# Every packet repeats each period so far, mostly unchanged: each is read once.
@lru_cache(maxsize=4096)
def _remembered_period(key: tuple[tuple[str, type, Any], ...]) -> Period:
    return _read_period({name: value for name, _, value in key})


def _read_period(obj: dict[str, Any]) -> Period:
    period_type = opt_str(obj, "type")
    return Period(
        id=req_int(obj, "id", bits=32),
        label=opt_str(obj, "label"),
        type=PeriodType.from_raw(period_type),
        type_raw=period_type,
        start=opt_timestamp(obj, "start"),
        end=opt_timestamp(obj, "end"),
        home_team_score=int_or(obj, "homeTeamScore", 0),
        away_team_score=int_or(obj, "awayTeamScore", 0),
        home_team_period_score=int_or(obj, "homeTeamPeriodScore", 0, bits=32),
        away_team_period_score=int_or(obj, "awayTeamPeriodScore", 0, bits=32),
    )


def _websocket(obj: dict[str, Any]) -> WebsocketInfo:
    return WebsocketInfo(timestamp=opt_float(obj, "timestamp"), id=opt_str(obj, "id"))
