from __future__ import annotations

import pytest

from ddeflow.dde.enums import ClockState, CollectionStatus, FixtureStatus, FixtureType, PeriodType, SendType

WIRE_ENUMS = [FixtureStatus, CollectionStatus, PeriodType, ClockState, FixtureType]


@pytest.mark.parametrize("enum", WIRE_ENUMS)
def test_every_member_round_trips_through_its_wire_text(enum: type[FixtureStatus]) -> None:
    for member in enum:
        assert enum.from_raw(member.value) is member


@pytest.mark.parametrize("enum", WIRE_ENUMS)
def test_unknown_text_and_none_give_unknown(enum: type[FixtureStatus]) -> None:
    assert enum.from_raw("SomethingNew") is enum["UNKNOWN"]
    assert enum.from_raw(None) is enum["UNKNOWN"]
    assert enum.from_raw("") is enum["UNKNOWN"]


def test_lookup_falls_back_to_case_insensitive() -> None:
    assert FixtureStatus.from_raw("Lineups") is FixtureStatus.LINEUPS
    assert FixtureStatus.from_raw("completed") is FixtureStatus.COMPLETED
    assert ClockState.from_raw("Running") is ClockState.RUNNING


def test_statuses_seen_in_the_docs_and_data_are_known() -> None:
    seen = ["Scheduled", "Live", "Completed", "Postponed", "Abandoned", "Cancelled", "Suspended"]
    seen += ["Unverified", "LineUps"]
    assert all(FixtureStatus.from_raw(text) is not FixtureStatus.UNKNOWN for text in seen)
    collection = ["CollectionScheduled", "CollectingLive", "CollectingPostMatch", "CollectionSuspended"]
    collection += ["CollectionDropped", "CollectionCompleted", "PostMatchChecked"]
    assert all(CollectionStatus.from_raw(text) is not CollectionStatus.UNKNOWN for text in collection)


@pytest.mark.parametrize(
    ("type_id", "name"),
    [(1, "Pending"), (2, "Updated"), (3, "Cancelled"), (4, "Deleted"), (5, "Confirmed"), (6, "Restored")],
)
def test_send_type_ids_and_names_match_the_docs(type_id: int, name: str) -> None:
    member = SendType.from_wire(type_id, name)
    assert member == type_id
    assert member.wire_name == name
    assert SendType.from_wire(None, name) is member


def test_send_type_trusts_the_id_over_the_name() -> None:
    assert SendType.from_wire(5, "Pending") is SendType.CONFIRMED
    assert SendType.from_wire(99, "Confirmed") is SendType.UNKNOWN


def test_send_type_without_id_or_known_name_is_unknown() -> None:
    assert SendType.from_wire(None, "Teleported") is SendType.UNKNOWN
    assert SendType.from_wire(None, None) is SendType.UNKNOWN
    assert SendType.from_wire(0, None) is SendType.UNKNOWN
