"""The consistency checker passes on generated matches of every sport and catches corruption."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from generator_support import SPORTS, match, packets, snapshots
from hypothesis import given, settings
from hypothesis import strategies as st

from ddeflow.simulator.generator.consistency import check_actions, check_statistics


@pytest.mark.parametrize("sport", SPORTS)
@pytest.mark.parametrize("index", range(4))
def test_generated_matches_are_consistent(sport: str, index: int) -> None:
    violations = check_actions(sport, list(packets(sport, 1, index)), match(sport, 1, index).truth)
    assert violations == []


@pytest.mark.parametrize("index", range(3))
def test_snooker_statistics_are_consistent(index: int) -> None:
    violations = check_statistics(
        list(snapshots(1, index)), list(packets("snooker", 1, index)), match("snooker", 1, index).truth
    )
    assert violations == []


def _copy(sport: str, index: int = 0) -> list[dict[str, Any]]:
    return copy.deepcopy(list(packets(sport, 1, index)))


def _rules(violations: list[Any]) -> set[str]:
    return {v.rule for v in violations}


def _first_scored(rows: list[dict[str, Any]]) -> int:
    return next(i for i, p in enumerate(rows) if p["fixtureSummary"]["homeTeamScore"] > 0)


def test_catches_a_match_score_that_actions_do_not_explain() -> None:
    rows = _copy("basketball")
    rows[len(rows) // 2]["fixtureSummary"]["homeTeamScore"] += 1
    assert {"score", "periods"} <= _rules(check_actions("basketball", rows))


def test_catches_a_period_score_out_of_step_with_the_match_score() -> None:
    rows = _copy("soccer", 1)
    i = len(rows) // 2
    rows[i]["fixtureSummary"]["periods"][-1]["awayTeamPeriodScore"] += 2
    assert {"score", "periods"} <= _rules(check_actions("soccer", rows))


def test_catches_a_confirmed_basket_turned_into_a_pending_one() -> None:
    rows = _copy("basketball")
    i = next(
        i
        for i, p in enumerate(rows)
        if p["fixtureAction"]["fixtureActionTypeId"] in (206, 207, 208) and p["fixtureAction"]["sendTypeId"] == 5
    )
    rows[i]["fixtureAction"]["sendTypeId"] = 1
    rows[i]["fixtureAction"]["sendType"] = "Pending"
    assert "score" in _rules(check_actions("basketball", rows))


def test_catches_volleyball_sets_won_that_do_not_match_the_points() -> None:
    rows = _copy("volleyball")
    last = rows[-1]["fixtureSummary"]
    last["homeTeamScore"], last["awayTeamScore"] = last["awayTeamScore"], last["homeTeamScore"]
    assert {"score", "periods"} <= _rules(check_actions("volleyball", rows))


def test_catches_a_snooker_foul_credited_to_the_wrong_player() -> None:
    rows = _copy("snooker")
    i = next(i for i, p in enumerate(rows) if p["fixtureAction"]["fixtureActionTypeId"] == 308)
    team = rows[i]["fixtureAction"]["team"]
    team["homeTeam"] = not team["homeTeam"]
    assert "score" in _rules(check_actions("snooker", rows))


def test_catches_reordered_and_duplicated_packets() -> None:
    rows = _copy("volleyball")
    rows[10], rows[11] = rows[11], rows[10]
    assert "seq" in _rules(check_actions("volleyball", rows))
    rows = _copy("volleyball")
    rows.insert(20, copy.deepcopy(rows[19]))
    assert "seq" in _rules(check_actions("volleyball", rows))


def test_catches_a_match_that_does_not_end_post_match_checked() -> None:
    rows = _copy("soccer")[:-1]
    assert "final" in _rules(check_actions("soccer", rows))
    rows = _copy("soccer")
    rows[5]["finished"] = True
    assert "final" in _rules(check_actions("soccer", rows))


def test_catches_a_stopped_clock_that_moves() -> None:
    rows = _copy("basketball")
    i = next(
        i
        for i, p in enumerate(rows)
        if i > 20
        and p["fixtureSummary"]["currentClockState"] == "stopped"
        and rows[i + 1]["fixtureAction"]["fixtureActionTypeId"] != 6
    )
    rows[i + 1]["fixtureSummary"]["currentClockTime"] = "00:01"
    assert "status" in _rules(check_actions("basketball", rows))


def test_catches_an_illegal_send_type_transition() -> None:
    rows = _copy("basketball", 1)
    cancelled = next(i for i, p in enumerate(rows) if p["fixtureAction"]["sendTypeId"] == 3)
    rows[cancelled]["fixtureAction"]["sendTypeId"] = 4  # Pending -> Deleted
    assert "lifecycle" in _rules(check_actions("basketball", rows))


def test_catches_truth_that_disagrees_with_the_packets() -> None:
    truth = copy.deepcopy(match("basketball", 1, 0).truth)
    truth["scoreTimeline"][3]["homeScore"] += 1
    assert "timeline" in _rules(check_actions("basketball", _copy("basketball"), truth))
    truth = copy.deepcopy(match("basketball", 1, 0).truth)
    del truth["scoreTimeline"][-1]
    assert "timeline" in _rules(check_actions("basketball", _copy("basketball"), truth))
    truth = copy.deepcopy(match("basketball", 1, 0).truth)
    truth["final"]["awayScore"] += 3
    assert "truth" in _rules(check_actions("basketball", _copy("basketball"), truth))


def test_catches_corrupted_statistics() -> None:
    original = list(snapshots(1, 0))
    actions = list(packets("snooker", 1, 0))
    truth = match("snooker", 1, 0).truth
    rows = [*original[:-1], copy.deepcopy(original[-1])]
    scored = next(b for b in rows[-1]["advancedSportStatistics"]["breaksStatistics"]["breaks"] if b["score"])
    scored["score"] += 1
    assert "statistics" in _rules(check_statistics(rows, actions, truth))
    middle = len(original) // 2
    rows = [*original[:middle], copy.deepcopy(original[middle]), *original[middle + 1 :]]
    rows[middle]["advancedSportStatistics"]["breaksStatistics"]["breaks"][0]["endTimestamp"] = None
    assert "statistics" in _rules(check_statistics(rows, actions, truth))
    bad_truth = copy.deepcopy(truth)
    bad_truth["breaks"][0]["points"] += 7
    assert "statistics" in _rules(check_statistics(original, actions, bad_truth))


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_any_single_score_corruption_is_caught(data: st.DataObject) -> None:
    sport = data.draw(st.sampled_from(SPORTS), label="sport")
    rows = list(packets(sport, 1, 0))
    position = data.draw(st.integers(_first_scored(list(rows)), len(rows) - 1), label="position")
    field = data.draw(st.sampled_from(["homeTeamScore", "awayTeamScore"]), label="field")
    delta = data.draw(st.integers(-3, 3).filter(bool), label="delta")
    corrupted = list(rows)
    corrupted[position] = copy.deepcopy(rows[position])
    corrupted[position]["fixtureSummary"][field] += delta
    assert "score" in _rules(check_actions(sport, corrupted))
