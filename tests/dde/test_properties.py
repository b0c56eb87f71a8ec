"""Property tests: whatever arrives, parsing returns a model or raises PacketError, nothing else."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ddeflow.dde.actions import ActionPacket
from ddeflow.dde.enums import ClockState, CollectionStatus, FixtureStatus, FixtureType, PeriodType, SendType
from ddeflow.dde.heartbeat import Heartbeat
from ddeflow.dde.parse import (
    classify_frame,
    parse_action_packet,
    parse_action_packets,
    parse_fixture_json,
    parse_fixtures_json,
    parse_statistics_packet,
)
from ddeflow.dde.statistics import StatisticsPacket
from ddeflow.errors import PacketError
from tests.dde.samples import SAMPLES_DIR, sample_bytes
from tests.profiles import examples
from tests.strategies import INT32, action_wires, json_values, statistics_wires, wire_bytes

REASONS = {"malformed_json", "missing_field", "wrong_type", "bad_value", "too_large", "not_a_packet"}
PARSERS: list[Callable[[bytes], object]] = [
    parse_action_packet,
    parse_action_packets,
    parse_statistics_packet,
    parse_fixture_json,
    parse_fixtures_json,
    classify_frame,
]

# Each sample with the parser made for it.
SAMPLE_PARSERS: dict[str, Callable[[bytes], object]] = {
    path.name: parse_action_packet for path in SAMPLES_DIR.glob("basketball-2026-2*.json")
}
SAMPLE_PARSERS["basketball-2026-64-possible-video-check.json"] = parse_action_packet
SAMPLE_PARSERS["basketball-rest-actions.json"] = parse_action_packets
SAMPLE_PARSERS["snooker-statistics.json"] = parse_statistics_packet
SAMPLE_PARSERS["basketball-2026-fixtures.json"] = parse_fixtures_json
SAMPLE_NAMES = sorted(SAMPLE_PARSERS)
RAW = {name: sample_bytes(name) for name in SAMPLE_NAMES}
PARSED = {name: SAMPLE_PARSERS[name](RAW[name]) for name in SAMPLE_NAMES}

Path = tuple[str | int, ...]

# Objects whose keys are data (ids, free-form metadata), not field names: an extra key there is not "ignored".
OPEN_OBJECTS = {
    "metadata",
    "averageShotTimes",
    "playersShotTimes",
    "advancedSportStatistics",
    "competition",
    "venue",
}


def _walk(node: Any, path: Path, out: list[Path], records: list[Path]) -> None:
    if isinstance(node, dict):
        if not any(segment in OPEN_OBJECTS for segment in path):
            records.append(path)
        for key, value in node.items():
            out.append((*path, key))
            _walk(value, (*path, key), out, records)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out.append((*path, index))
            _walk(value, (*path, index), out, records)


PATHS: dict[str, list[Path]] = {}
RECORDS: dict[str, list[Path]] = {}
for _name in SAMPLE_NAMES:
    PATHS[_name], RECORDS[_name] = [], []
    _walk(json.loads(RAW[_name]), (), PATHS[_name], RECORDS[_name])

FAST = examples(ci=500, fuzz=80_000)
WIRES = examples(ci=300, fuzz=10_000)  # drawing a whole valid packet takes a hundred draws


def outcome(parse: Callable[[bytes], object], data: bytes) -> object:
    """The parse result, or the PacketError after checking it is one we document."""
    try:
        return parse(data)
    except PacketError as caught:
        error = caught
    assert error.reason in REASONS
    assert error.raw == data
    assert error.detail
    return error


def _get(node: Any, path: Path) -> Any:
    for segment in path:
        node = node[segment]
    return node


# --- arbitrary input ------------------------------------------------------------------------


@examples(ci=500, fuzz=200_000)  # the cheapest property, and the widest input
@given(st.binary(max_size=512))
def test_arbitrary_bytes_parse_or_raise_packet_error(data: bytes) -> None:
    for parse in PARSERS:
        outcome(parse, data)
    result = outcome(classify_frame, data)
    assert isinstance(result, ActionPacket | StatisticsPacket | Heartbeat | PacketError)


@FAST
@given(json_values)
def test_arbitrary_json_parses_or_raises_packet_error(value: Any) -> None:
    data = json.dumps(value).encode()
    for parse in PARSERS:
        outcome(parse, data)


@FAST
@given(
    st.dictionaries(
        st.sampled_from(["fixtureAction", "fixtureSummary", "version", "seqNum", "fixtureId", "finished"]),
        json_values,
    )
)
def test_arbitrary_packet_shaped_objects_parse_or_raise_packet_error(value: dict[str, Any]) -> None:
    data = json.dumps(value).encode()
    result = outcome(classify_frame, data)
    if "fixtureAction" in value or {"seqNum", "fixtureId"} <= value.keys():
        assert not isinstance(result, Heartbeat)
    else:
        assert result == Heartbeat(data)


@WIRES
@given(action_wires())
def test_valid_action_packets_parse_and_are_classified_as_packets(wire: dict[str, Any]) -> None:
    data = wire_bytes(wire)
    packet = parse_action_packet(data)
    assert classify_frame(data) == packet
    assert parse_action_packets(b"[" + data + b"," + data + b"]") == (packet, packet)
    fa = wire["fixtureAction"]
    assert (packet.fixture_id, packet.fixture_action.action_id, packet.seq_num) == (
        fa["fixtureId"],
        fa["actionId"],
        fa["fixtureSeqNum"],
    )


@WIRES
@given(statistics_wires())
def test_valid_statistics_packets_parse_and_are_classified_as_packets(wire: dict[str, Any]) -> None:
    data = wire_bytes(wire)
    packet = parse_statistics_packet(data)
    assert classify_frame(data) == packet
    assert (packet.fixture_id, packet.seq_num) == (wire["fixtureId"], wire["seqNum"])


_BYTE_EDITS = st.lists(
    st.tuples(
        st.sampled_from(["flip", "insert", "delete", "repeat"]),
        st.integers(min_value=0, max_value=2**20),
        st.integers(min_value=0, max_value=255),
    ),
    min_size=1,
    max_size=4,
)


def _edit(data: bytes, edits: list[tuple[str, int, int]]) -> bytes:
    """``data`` with a few byte-level edits: a bit flipped, a byte inserted, a run deleted or repeated."""
    buffer = bytearray(data)
    for op, where, byte in edits:
        at = where % (len(buffer) + 1)
        if op == "flip" and buffer:
            buffer[at % len(buffer)] ^= 1 << (byte % 8)
        elif op == "insert":
            buffer.insert(at, byte)
        elif op == "delete":
            del buffer[at : at + byte % 8 + 1]
        elif op == "repeat":
            buffer[at:at] = buffer[at : at + byte % 16 + 1]
    return bytes(buffer)


@WIRES
@given(
    st.sampled_from(SAMPLE_NAMES).map(RAW.__getitem__)
    | action_wires().map(wire_bytes)
    | statistics_wires().map(wire_bytes),
    _BYTE_EDITS,
)
def test_byte_edits_of_valid_packets_parse_or_raise_packet_error(
    valid: bytes, edits: list[tuple[str, int, int]]
) -> None:
    data = _edit(valid, edits)
    for parse in PARSERS:
        outcome(parse, data)


# --- mutated real samples ---------------------------------------------------------------------


@FAST
@given(st.sampled_from(SAMPLE_NAMES), st.data())
def test_dropping_any_field_parses_or_raises_packet_error(name: str, data: st.DataObject) -> None:
    wire = json.loads(RAW[name])
    path = data.draw(st.sampled_from(PATHS[name]))
    del _get(wire, path[:-1])[path[-1]]
    mutated = json.dumps(wire).encode()
    outcome(SAMPLE_PARSERS[name], mutated)
    outcome(classify_frame, mutated)


@FAST
@given(st.sampled_from(SAMPLE_NAMES), st.data(), json_values)
def test_replacing_any_value_parses_or_raises_packet_error(name: str, data: st.DataObject, value: Any) -> None:
    wire = json.loads(RAW[name])
    path = data.draw(st.sampled_from(PATHS[name]))
    _get(wire, path[:-1])[path[-1]] = value
    mutated = json.dumps(wire).encode()
    outcome(SAMPLE_PARSERS[name], mutated)
    outcome(classify_frame, mutated)


@FAST
@given(st.sampled_from(SAMPLE_NAMES), st.data())
def test_stringified_scalars_parse_or_raise_packet_error(name: str, data: st.DataObject) -> None:
    wire = json.loads(RAW[name])
    path = data.draw(st.sampled_from(PATHS[name]))
    parent = _get(wire, path[:-1])
    original = parent[path[-1]]
    parent[path[-1]] = json.dumps(original)
    result = outcome(SAMPLE_PARSERS[name], json.dumps(wire).encode())
    if isinstance(original, int) and not isinstance(original, bool) and path[-1] != "timelineSequence":
        # Every integer we read is typed: "12" where 12 was is an error unless the field is ignored.
        assert isinstance(result, PacketError) or result == PARSED[name] or _inside_kept_json(path)


def _inside_kept_json(path: Path) -> bool:
    return any(segment in {"metadata", "competition", "venue", "websocket"} for segment in path)


@FAST
@given(st.sampled_from(SAMPLE_NAMES), st.data())
def test_truncated_samples_are_malformed_and_never_pass_as_heartbeats(name: str, data: st.DataObject) -> None:
    raw = RAW[name].rstrip()
    cut = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    truncated = raw[:cut]
    error = outcome(SAMPLE_PARSERS[name], truncated)
    assert isinstance(error, PacketError)
    assert error.reason == "malformed_json"
    result = outcome(classify_frame, truncated)
    mentions_packet = b'"fixtureAction"' in truncated or (b'"seqNum"' in truncated and b'"fixtureId"' in truncated)
    assert isinstance(result, Heartbeat) is not mentions_packet


@FAST
@given(st.sampled_from(SAMPLE_NAMES), st.data(), json_values)
def test_extra_fields_are_ignored(name: str, data: st.DataObject, value: Any) -> None:
    wire = json.loads(RAW[name])
    path = data.draw(st.sampled_from(RECORDS[name]))
    key = "x-" + data.draw(st.text(max_size=8))
    _get(wire, path)[key] = value
    assert SAMPLE_PARSERS[name](json.dumps(wire).encode()) == PARSED[name]


# --- unknown enumeration values -----------------------------------------------------------------

ACTION_SAMPLE = "basketball-2026-231-out-of-game.json"


def _summary_enum(field: str) -> Callable[[Any], tuple[object, object]]:
    return lambda packet: (
        getattr(packet.fixture_summary, field),
        getattr(packet.fixture_summary, f"{field}_raw"),
    )


def _fixture_enum(field: str) -> Callable[[Any], tuple[object, object]]:
    return lambda fixtures: (getattr(fixtures[0], field), getattr(fixtures[0], f"{field}_raw"))


ENUM_FIELDS: list[tuple[str, Path, type[Any], Callable[[Any], tuple[object, object]]]] = [
    (ACTION_SAMPLE, ("fixtureSummary", "currentStatus"), FixtureStatus, _summary_enum("current_status")),
    (
        ACTION_SAMPLE,
        ("fixtureSummary", "collectionStatus"),
        CollectionStatus,
        _summary_enum("collection_status"),
    ),
    (
        ACTION_SAMPLE,
        ("fixtureSummary", "currentClockState"),
        ClockState,
        _summary_enum("current_clock_state"),
    ),
    (
        ACTION_SAMPLE,
        ("fixtureSummary", "periods", 1, "type"),
        PeriodType,
        lambda p: (p.fixture_summary.periods[1].type, p.fixture_summary.periods[1].type_raw),
    ),
    (
        "snooker-statistics.json",
        ("teamActionAggregates", 1, "periodActionAggregates", 3, "type"),
        PeriodType,
        lambda s: (
            s.team_action_aggregates[1].period_action_aggregates[3].type,
            s.team_action_aggregates[1].period_action_aggregates[3].type_raw,
        ),
    ),
    ("basketball-2026-fixtures.json", (0, "status"), FixtureStatus, _fixture_enum("status")),
    (
        "basketball-2026-fixtures.json",
        (0, "collectionStatus"),
        CollectionStatus,
        _fixture_enum("collection_status"),
    ),
    ("basketball-2026-fixtures.json", (0, "type"), FixtureType, _fixture_enum("type")),
]


@FAST
@given(st.sampled_from(ENUM_FIELDS), st.text(max_size=30))
def test_unknown_enum_values_parse_as_unknown_and_keep_the_text(
    enum_field: tuple[str, Path, type[Any], Callable[[Any], tuple[object, object]]], text: str
) -> None:
    name, path, enum, read = enum_field
    known = {member.value.casefold() for member in enum}
    if text.casefold() in known:
        return
    wire = json.loads(RAW[name])
    _get(wire, path[:-1])[path[-1]] = text
    assert read(SAMPLE_PARSERS[name](json.dumps(wire).encode())) == (enum["UNKNOWN"], text)


@FAST
@given(
    INT32.filter(lambda n: n not in range(7)),  # sendTypeId is an int32 on the wire
    st.text(max_size=10),
)
def test_unknown_send_type_ids_parse_as_unknown_and_keep_id_and_name(type_id: int, name: str) -> None:
    wire = json.loads(RAW[ACTION_SAMPLE])
    wire["fixtureAction"]["sendTypeId"] = type_id
    wire["fixtureAction"]["sendType"] = name
    action = parse_action_packet(json.dumps(wire).encode()).fixture_action
    assert (action.send_type, action.send_type_id, action.send_type_name) == (SendType.UNKNOWN, type_id, name)


# --- durations --------------------------------------------------------------------------------


def _dotnet(duration: timedelta) -> str:
    """Format like .NET's TimeSpan "c" format, which the feed uses."""
    sign = "-" if duration < timedelta(0) else ""
    duration = abs(duration)
    hours, rest = divmod(duration.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    days = f"{duration.days}." if duration.days else ""
    return f"{sign}{days}{hours:02}:{minutes:02}:{seconds:02}.{duration.microseconds * 10:07}"


@FAST
@given(st.timedeltas(min_value=timedelta(days=-900), max_value=timedelta(days=900)))
def test_durations_are_read_as_seconds(duration: timedelta) -> None:
    wire = json.loads(RAW["snooker-statistics.json"])
    wire["advancedSportStatistics"]["averageShotTimeStatistics"]["averageShotTimes"] = {"p": _dotnet(duration)}
    packet = parse_statistics_packet(json.dumps(wire).encode())
    assert packet.advanced_sport_statistics is not None
    assert packet.advanced_sport_statistics.average_shot_times is not None
    parsed_s = packet.advanced_sport_statistics.average_shot_times.average_shot_times_s["p"]
    assert parsed_s == pytest.approx(duration.total_seconds(), abs=1e-6)


TEXT_FIELDS: list[tuple[str, Path, str]] = [
    (ACTION_SAMPLE, ("fixtureAction", "timestamp"), "fixtureAction.timestamp"),
    (ACTION_SAMPLE, ("fixtureSummary", "periods", 0, "end"), "fixtureSummary.periods[0].end"),
    (
        "snooker-statistics.json",
        ("advancedSportStatistics", "breaksStatistics", "breaks", 2, "startTimestamp"),
        "advancedSportStatistics.breaksStatistics.breaks[2].startTimestamp",
    ),
    (
        "snooker-statistics.json",
        (
            "advancedSportStatistics",
            "averageShotTimeStatistics",
            "averageShotTimes",
            "fd4a9578-2fff-4ed3-a015-694985fa8672",
        ),
        "advancedSportStatistics.averageShotTimeStatistics.averageShotTimes.fd4a9578-2fff-4ed3-a015-694985fa8672",
    ),
    ("basketball-2026-fixtures.json", (0, "startDateUTC"), "[0].startDateUTC"),
]


@FAST
@given(st.sampled_from(TEXT_FIELDS), st.text(max_size=40) | st.from_regex(r"[0-9:.T+Z-]{0,32}", fullmatch=True))
def test_any_text_in_a_time_field_parses_or_is_a_bad_value_there(field: tuple[str, Path, str], text: str) -> None:
    name, path, dotted = field
    wire = json.loads(RAW[name])
    _get(wire, path[:-1])[path[-1]] = text
    result = outcome(SAMPLE_PARSERS[name], json.dumps(wire).encode())
    if isinstance(result, PacketError):
        assert (result.reason, result.field) == ("bad_value", dotted)


def _datetimes(value: object) -> list[datetime]:
    """Every datetime anywhere inside a parsed model."""
    if isinstance(value, datetime):
        return [value]
    if isinstance(value, tuple):
        return [found for item in value for found in _datetimes(item)]
    if is_dataclass(value):
        return [found for f in fields(value) for found in _datetimes(getattr(value, f.name))]
    return []


@FAST
@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.sampled_from(["T", " "]),
    st.sampled_from(["auto", "hours", "minutes", "seconds", "milliseconds", "microseconds", "date"]),
    st.sampled_from(["", "Z", "+00:00", "+02:00", "-05:30"]),
)
def test_timestamps_in_any_iso_form_are_aware_and_default_to_utc(
    moment: datetime, separator: str, timespec: str, offset: str
) -> None:
    text = moment.date().isoformat() if timespec == "date" else moment.isoformat(separator, timespec)
    text += "" if timespec == "date" else offset
    wire = json.loads(RAW["basketball-2026-fixtures.json"])
    wire[0]["startDateUTC"] = text
    (fixture,) = parse_fixtures_json(json.dumps(wire).encode())
    assert fixture.start_date_utc is not None
    assert fixture.start_date_utc.tzinfo is not None
    expected = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert fixture.start_date_utc == (expected if expected.tzinfo else expected.replace(tzinfo=UTC))


def test_every_datetime_in_every_sample_is_timezone_aware() -> None:
    found = [moment for name in SAMPLE_NAMES for moment in _datetimes(PARSED[name])]
    assert len(found) > 300
    assert all(moment.tzinfo is not None for moment in found)
