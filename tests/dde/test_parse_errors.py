"""Specific bad inputs: each raises PacketError with the documented reason, field and raw bytes."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from ddeflow.dde.enums import FixtureStatus, SendType
from ddeflow.dde.parse import (
    MAX_FRAME_BYTES,
    parse_action_packet,
    parse_action_packets,
    parse_statistics_packet,
)
from ddeflow.errors import PacketError
from tests.dde.samples import sample_bytes, sample_json

ACTION = "basketball-2026-231-out-of-game.json"
STATS = "snooker-statistics.json"


def mutated(name: str, change: Callable[[Any], None]) -> bytes:
    wire = copy.deepcopy(sample_json(name))
    change(wire)
    return json.dumps(wire).encode()


def raises(parse: Callable[[bytes], object], data: bytes) -> PacketError:
    with pytest.raises(PacketError) as info:
        parse(data)
    assert info.value.raw == data
    return info.value


def test_malformed_json() -> None:
    error = raises(parse_action_packet, sample_bytes(ACTION)[:-30])
    assert error.reason == "malformed_json"
    assert error.field is None


def test_invalid_utf8_is_malformed_json() -> None:
    error = raises(parse_action_packet, b'{"fixtureAction": "\xff\xfe"}')
    assert error.reason == "malformed_json"
    assert "UTF-8" in error.detail


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_standard_json_constants_are_malformed(constant: bytes) -> None:
    data = sample_bytes(ACTION).replace(b'"timelineSequence": 4.000000307223734', b'"timelineSequence": ' + constant)
    assert data != sample_bytes(ACTION)
    assert raises(parse_action_packet, data).reason == "malformed_json"


def test_overflowing_number_is_a_bad_value() -> None:
    data = sample_bytes(ACTION).replace(b"4.000000307223734", b"1e400")
    error = raises(parse_action_packet, data)
    assert (error.reason, error.field) == ("bad_value", "fixtureAction.timelineSequence")


def test_missing_fixture_id() -> None:
    error = raises(parse_action_packet, mutated(ACTION, lambda w: w["fixtureAction"].pop("fixtureId")))
    assert (error.reason, error.field) == ("missing_field", "fixtureAction.fixtureId")
    error = raises(parse_statistics_packet, mutated(STATS, lambda w: w.pop("fixtureId")))
    assert (error.reason, error.field) == ("missing_field", "fixtureId")


def test_wrong_type_for_fixture_seq_num() -> None:
    def change(wire: Any) -> None:
        wire["fixtureAction"]["fixtureSeqNum"] = "12"

    error = raises(parse_action_packet, mutated(ACTION, change))
    assert (error.reason, error.field) == ("wrong_type", "fixtureAction.fixtureSeqNum")
    assert error.detail == "expected integer, got string '12'"
    assert str(error) == "wrong_type at fixtureAction.fixtureSeqNum: expected integer, got string '12'"


@pytest.mark.parametrize("value", [True, False])
def test_bool_is_not_an_int(value: bool) -> None:
    def change(wire: Any) -> None:
        wire["fixtureAction"]["fixtureSeqNum"] = value

    error = raises(parse_action_packet, mutated(ACTION, change))
    assert (error.reason, error.field) == ("wrong_type", "fixtureAction.fixtureSeqNum")
    assert "got boolean" in error.detail


def test_int_is_not_a_bool() -> None:
    def change(wire: Any) -> None:
        wire["fixtureSummary"]["isTied"] = 0

    error = raises(parse_action_packet, mutated(ACTION, change))
    assert (error.reason, error.field) == ("wrong_type", "fixtureSummary.isTied")


def test_null_for_a_required_field_is_a_wrong_type() -> None:
    def change(wire: Any) -> None:
        wire["fixtureAction"]["actionId"] = None

    error = raises(parse_action_packet, mutated(ACTION, change))
    assert (error.reason, error.field, error.detail) == (
        "wrong_type",
        "fixtureAction.actionId",
        "expected string, got null",
    )


def test_integer_beyond_64_bits_is_a_bad_value() -> None:
    def change(wire: Any) -> None:
        wire["fixtureAction"]["fixtureSeqNum"] = 2**63

    error = raises(parse_action_packet, mutated(ACTION, change))
    assert (error.reason, error.field) == ("bad_value", "fixtureAction.fixtureSeqNum")


# Found by fuzzing: these parsed, then the worker wrote an Avro "int" out of range (which other readers
# misread or reject) or crashed encoding text UTF-8 cannot carry.
@pytest.mark.parametrize(
    ("where", "field", "value"),
    [
        (("fixtureAction", "period"), "fixtureAction.period", 2**31),
        (("fixtureAction", "fixtureActionTypeId"), "fixtureAction.fixtureActionTypeId", -(2**31) - 1),
        (("fixtureAction", "sendTypeId"), "fixtureAction.sendTypeId", 2**40),
        (("fixtureSummary", "homeTeamScore"), "fixtureSummary.homeTeamScore", 2**31),
        (("fixtureSummary", "currentPeriod"), "fixtureSummary.currentPeriod", 2**31),
        (("fixtureSummary", "periods", 1, "id"), "fixtureSummary.periods[1].id", 2**33),
        (
            ("fixtureSummary", "periods", 0, "awayTeamPeriodScore"),
            "fixtureSummary.periods[0].awayTeamPeriodScore",
            2**62,
        ),
    ],
)
def test_an_integer_the_derived_records_hold_as_avro_int_must_fit_in_32_bits(
    where: tuple[str | int, ...], field: str, value: int
) -> None:
    def change(wire: Any) -> None:
        node = wire
        for segment in where[:-1]:
            node = node[segment]
        node[where[-1]] = value

    error = raises(parse_action_packet, mutated(ACTION, change))
    assert (error.reason, error.field) == ("bad_value", field)
    assert "32-bit" in error.detail

    def edge(wire: Any) -> None:
        change(wire)
        node = wire
        for segment in where[:-1]:
            node = node[segment]
        node[where[-1]] = 2**31 - 1 if value > 0 else -(2**31)

    assert parse_action_packet(mutated(ACTION, edge)) is not None


def test_break_numbers_must_fit_in_32_bits() -> None:
    def change(wire: Any) -> None:
        wire["advancedSportStatistics"]["breaksStatistics"]["breaks"][0]["pottedBalls"]["blackBalls"] = 2**31

    error = raises(parse_statistics_packet, mutated(STATS, change))
    assert (error.reason, error.field) == (
        "bad_value",
        "advancedSportStatistics.breaksStatistics.breaks[0].pottedBalls.blackBalls",
    )


@pytest.mark.parametrize(
    ("where", "field"),
    [
        (("fixtureAction", "actionId"), "fixtureAction.actionId"),
        (("fixtureAction", "team", "name"), "fixtureAction.team.name"),
        (("fixtureSummary", "currentStatus"), "fixtureSummary.currentStatus"),
        (("fixtureAction", "relatedFixtureActionIds"), "fixtureAction.relatedFixtureActionIds[1]"),
    ],
)
def test_an_unpaired_surrogate_in_a_string_is_a_bad_value(where: tuple[str, ...], field: str) -> None:
    def change(wire: Any) -> None:
        node = wire
        for segment in where[:-1]:
            node = node[segment]
        node[where[-1]] = ["ok", "x\udfff"] if where[-1] == "relatedFixtureActionIds" else "x\ud800y"

    data = mutated(ACTION, change)
    assert b"\\ud" in data  # JSON escapes it: the bytes are valid UTF-8
    error = raises(parse_action_packet, data)
    assert (error.reason, error.field) == ("bad_value", field)
    assert "surrogate" in error.detail


def test_paired_surrogate_escapes_are_text() -> None:
    def change(wire: Any) -> None:
        wire["fixtureAction"]["team"]["name"] = "\U0001f3c0"

    data = mutated(ACTION, change)
    assert b"\\ud83c\\udfc0" in data
    action = parse_action_packet(data).fixture_action
    assert action.team is not None and action.team.name == "\U0001f3c0"


def test_huge_frame_is_too_large_before_anything_else() -> None:
    data = b"[" * (MAX_FRAME_BYTES + 1)
    error = raises(parse_action_packet, data)
    assert error.reason == "too_large"
    assert raises(lambda d: parse_action_packet(d, max_bytes=100), sample_bytes(ACTION)).reason == "too_large"
    assert parse_action_packet(sample_bytes(ACTION), max_bytes=len(sample_bytes(ACTION))).seq_num == 914


def test_deep_nesting_within_the_limit_is_malformed_not_a_crash() -> None:
    data = b"[" * 100_000 + b"]" * 100_000
    assert raises(parse_action_packet, data).reason == "malformed_json"


@pytest.mark.parametrize("data", [b"[]", b'"fixtureAction"', b"42", b"null", b"true"])
def test_non_object_json_is_not_a_packet(data: bytes) -> None:
    assert raises(parse_action_packet, data).reason == "not_a_packet"
    assert raises(parse_statistics_packet, data).reason == "not_a_packet"


def test_object_without_the_envelope_is_missing_a_field() -> None:
    error = raises(parse_action_packet, b'{"message": "Heartbeat"}')
    assert (error.reason, error.field) == ("missing_field", "fixtureAction")


def test_nested_error_paths_include_array_indexes() -> None:
    def change(wire: Any) -> None:
        wire["fixtureSummary"]["periods"][2]["start"] = "yesterday"

    error = raises(parse_action_packet, mutated(ACTION, change))
    assert (error.reason, error.field) == ("bad_value", "fixtureSummary.periods[2].start")

    def change_break(wire: Any) -> None:
        wire["advancedSportStatistics"]["breaksStatistics"]["breaks"][5]["pottedBalls"]["redBalls"] = 1.5

    error = raises(parse_statistics_packet, mutated(STATS, change_break))
    assert error.field == "advancedSportStatistics.breaksStatistics.breaks[5].pottedBalls.redBalls"
    assert error.detail == "expected integer, got number 1.5"


def test_bad_durations_name_the_player() -> None:
    team = "fd4a9578-2fff-4ed3-a015-694985fa8672"

    def change(wire: Any) -> None:
        wire["advancedSportStatistics"]["averageShotTimeStatistics"]["playersShotTimes"][team]["shotTimes"][3][
            "duration"
        ] = "3 seconds"

    error = raises(parse_statistics_packet, mutated(STATS, change))
    assert error.reason == "bad_value"
    assert (
        error.field
        == f"advancedSportStatistics.averageShotTimeStatistics.playersShotTimes.{team}.shotTimes[3].duration"
    )


def test_rest_array_errors_start_with_the_element_index() -> None:
    def change(wire: Any) -> None:
        wire[6]["fixtureAction"]["period"] = "0"

    error = raises(parse_action_packets, mutated("basketball-rest-actions.json", change))
    assert (error.reason, error.field) == ("wrong_type", "[6].fixtureAction.period")
    error = raises(parse_action_packets, b'[{"version": 2}, 3]')
    assert error.field == "[0].fixtureAction"
    assert raises(parse_action_packets, sample_bytes(ACTION)).reason == "not_a_packet"


def test_truncated_rest_sample_is_malformed_json() -> None:
    assert raises(parse_action_packets, sample_bytes("basketball-rest-actions-truncated.txt")).reason == (
        "malformed_json"
    )


def test_send_type_needs_an_id_or_a_name() -> None:
    def drop_both(wire: Any) -> None:
        del wire["fixtureAction"]["sendTypeId"], wire["fixtureAction"]["sendType"]

    error = raises(parse_action_packet, mutated(ACTION, drop_both))
    assert (error.reason, error.field) == ("missing_field", "fixtureAction.sendTypeId")

    def drop_id(wire: Any) -> None:
        del wire["fixtureAction"]["sendTypeId"]

    packet = parse_action_packet(mutated(ACTION, drop_id))
    assert (packet.fixture_action.send_type, packet.fixture_action.send_type_id) == (SendType.CONFIRMED, None)


def test_finished_is_true_if_either_place_says_so() -> None:
    def top_only(wire: Any) -> None:
        wire["finished"] = True

    def summary_only(wire: Any) -> None:
        wire["fixtureSummary"]["finished"] = True

    def neither(wire: Any) -> None:
        del wire["fixtureSummary"]["finished"]

    assert parse_action_packet(mutated(ACTION, top_only)).finished is True
    assert parse_action_packet(mutated(ACTION, summary_only)).finished is True
    assert parse_action_packet(mutated(ACTION, neither)).finished is False


def test_scores_default_to_zero_only_when_omitted() -> None:
    def omit(wire: Any) -> None:
        del wire["fixtureSummary"]["homeTeamScore"]
        wire["fixtureSummary"]["awayTeamScore"] = None

    summary = parse_action_packet(mutated(ACTION, omit)).fixture_summary
    assert (summary.home_team_score, summary.away_team_score) == (0, 0)

    def wrong(wire: Any) -> None:
        wire["fixtureSummary"]["homeTeamScore"] = "76"

    error = raises(parse_action_packet, mutated(ACTION, wrong))
    assert (error.reason, error.field) == ("wrong_type", "fixtureSummary.homeTeamScore")


def test_correctly_spelled_possession_key_is_accepted_too() -> None:
    def respell(wire: Any) -> None:
        wire["fixtureSummary"]["isHomeTeamInPossession"] = wire["fixtureSummary"].pop("isHomeTeamInPossesion")

    assert parse_action_packet(mutated(ACTION, respell)).fixture_summary.is_home_team_in_possession is True


def test_home_team_as_a_string_is_read_as_a_bool() -> None:
    def stringify(wire: Any) -> None:
        wire["fixtureAction"]["team"]["homeTeam"] = "false"

    team = parse_action_packet(mutated(ACTION, stringify)).fixture_action.team
    assert team is not None
    assert team.home_team is False

    def nonsense(wire: Any) -> None:
        wire["fixtureAction"]["team"]["homeTeam"] = "yes"

    assert raises(parse_action_packet, mutated(ACTION, nonsense)).field == "fixtureAction.team.homeTeam"


def test_unknown_values_and_extra_fields_are_kept_or_ignored() -> None:
    def change(wire: Any) -> None:
        wire["fixtureSummary"]["currentStatus"] = "HalfTime"
        wire["fixtureAction"]["sendTypeId"] = 7
        wire["fixtureAction"]["sendType"] = "Reviewed"
        wire["newTopLevelBlock"] = {"a": [1, 2]}
        wire["fixtureAction"]["participant"] = {"id": "p"}

    packet = parse_action_packet(mutated(ACTION, change))
    summary = packet.fixture_summary
    assert (summary.current_status, summary.current_status_raw) == (FixtureStatus.UNKNOWN, "HalfTime")
    action = packet.fixture_action
    assert (action.send_type, action.send_type_id, action.send_type_name) == (SendType.UNKNOWN, 7, "Reviewed")


def _with_nested_metadata(depth: int) -> bytes:
    nested = b'{"a":' * depth + b"1" + b"}" * depth
    data = sample_bytes(ACTION).replace(b'"period": 4,', b'"metadata": ' + nested + b', "period": 4,', 1)
    assert data != sample_bytes(ACTION)
    return data


@pytest.mark.parametrize("depth", [10, 500])
def test_deeply_nested_metadata_is_kept(depth: int) -> None:
    metadata = parse_action_packet(_with_nested_metadata(depth)).fixture_action.metadata
    for _ in range(depth - 1):
        assert metadata is not None
        metadata = metadata["a"]  # type: ignore[assignment]
    assert metadata == {"a": 1}


def test_metadata_nested_beyond_what_json_decodes_is_malformed() -> None:
    data = _with_nested_metadata(5000)
    assert raises(parse_action_packet, data).reason == "malformed_json"


@pytest.mark.parametrize("score", [True, 1.0])
def test_a_period_read_before_does_not_vouch_for_one_equal_in_value_but_not_in_type(score: object) -> None:
    def with_score(value: object) -> Callable[[Any], None]:
        def change(wire: Any) -> None:
            wire["fixtureSummary"]["periods"][0]["homeTeamScore"] = value

        return change

    parsed = parse_action_packet(mutated(ACTION, with_score(1)))
    assert parsed.fixture_summary.periods[0].home_team_score == 1
    error = raises(parse_action_packet, mutated(ACTION, with_score(score)))
    assert (error.reason, error.field) == ("wrong_type", "fixtureSummary.periods[0].homeTeamScore")


@pytest.mark.parametrize(("field", "value", "reason"), [("shotEnd", 5, "wrong_type"), ("duration", "3 s", "bad_value")])
def test_a_shot_read_before_does_not_vouch_for_a_changed_one(field: str, value: object, reason: str) -> None:
    team = "fd4a9578-2fff-4ed3-a015-694985fa8672"

    def change(wire: Any) -> None:
        times = wire["advancedSportStatistics"]["averageShotTimeStatistics"]["playersShotTimes"][team]["shotTimes"]
        times[3][field] = value

    parsed = parse_statistics_packet(sample_bytes(STATS))  # every shot read, the way a snapshot before would be
    assert parsed.advanced_sport_statistics is not None
    error = raises(parse_statistics_packet, mutated(STATS, change))
    assert (error.reason, error.field) == (
        reason,
        f"advancedSportStatistics.averageShotTimeStatistics.playersShotTimes.{team}.shotTimes[3].{field}",
    )
    again = raises(parse_statistics_packet, mutated(STATS, change))  # an error is not remembered as a shot
    assert (again.reason, again.field) == (error.reason, error.field)
