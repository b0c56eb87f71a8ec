from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ddeflow.dde.enums import CollectionStatus, FixtureStatus, FixtureType
from ddeflow.dde.parse import parse_fixture, parse_fixture_json, parse_fixtures_json
from ddeflow.errors import PacketError
from tests.dde.samples import sample_bytes, sample_json


def test_fixtures_sample_parses() -> None:
    (fixture,) = parse_fixtures_json(sample_bytes("basketball-2026-fixtures.json"))
    assert fixture.id == "3ea065ad-f581-41a2-bcdc-f9f32795db38"
    assert fixture.name == "Gargzdai Gargzdai v Panathinaikos AKTOR Athens"
    assert fixture.status is FixtureStatus.COMPLETED
    assert fixture.collection_status is CollectionStatus.POST_MATCH_CHECKED
    assert fixture.type is FixtureType.OFFICIAL
    assert fixture.coverage_level == "Low Latency Stream"
    assert fixture.start_date_utc == datetime(2026, 4, 4, 20, 30, tzinfo=UTC)
    assert [(t.id, t.name) for t in fixture.teams] == [("9c5b374b-0123-4181-9242-0f8f19079490", "Gargzdai Gargzdai")]


def test_fixture_from_a_decoded_object_equals_fixture_from_bytes() -> None:
    (wire,) = sample_json("basketball-2026-fixtures.json")
    from_object = parse_fixture(wire)
    assert from_object == parse_fixtures_json(sample_bytes("basketball-2026-fixtures.json"))[0]
    assert parse_fixture_json(json.dumps(wire).encode()) == from_object


def test_fixture_keeps_unknown_values_and_competition_as_sent() -> None:
    fixture = parse_fixture(
        {
            "id": "f1",
            "status": "Delayed",
            "type": "Friendly",
            "competition": {"id": "c1", "name": "Cup", "category": {"id": 3}},
            "venue": None,
            "somethingNew": [1, 2],
        }
    )
    assert (fixture.status, fixture.status_raw) == (FixtureStatus.UNKNOWN, "Delayed")
    assert (fixture.type, fixture.type_raw) == (FixtureType.UNKNOWN, "Friendly")
    assert fixture.competition is not None
    assert fixture.competition["category"] == {"id": 3}
    assert fixture.venue is None


def test_fixture_errors_name_the_field() -> None:
    with pytest.raises(PacketError) as info:
        parse_fixture({"id": "f1", "teams": [{"id": "t1"}, {"name": "no id"}]})
    assert (info.value.reason, info.value.field) == ("missing_field", "teams[1].id")
    with pytest.raises(PacketError) as info:
        parse_fixture({"id": "f1", "startDateUTC": "tomorrow"})
    assert (info.value.reason, info.value.field) == ("bad_value", "startDateUTC")


def test_truncated_fixtures_body_is_malformed_json() -> None:
    with pytest.raises(PacketError) as info:
        parse_fixtures_json(sample_bytes("basketball-2026-fixtures-truncated.txt"))
    assert info.value.reason == "malformed_json"
