"""The lifecycle and sport features the downstream code must handle really occur, found from packets.

Each feature is looked for in a small seeded set and recognised from the wire data alone
(send types, type ids, related ids, summaries), not from the generator's own bookkeeping.
"""

from __future__ import annotations

import itertools
import statistics as stats
from datetime import datetime
from typing import Any

import pytest
from generator_support import SPORTS, match, matches, packets, snapshots, versions_by_action

MADE_POINTS = {206: 1, 207: 2, 208: 3}


def _all_packets(sport: str, count: int, seed: int = 0) -> list[tuple[dict[str, Any], ...]]:
    return [packets(sport, seed, index) for index in range(count)]


def _score(packet: dict[str, Any]) -> tuple[int, int]:
    summary = packet["fixtureSummary"]
    return summary["homeTeamScore"], summary["awayTeamScore"]


def _ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


# --- every sport --------------------------------------------------------------------------


@pytest.mark.parametrize("sport", SPORTS)
def test_match_lifecycle_from_pre_match_to_post_match_check(sport: str) -> None:
    rows = packets(sport, 0, 0)
    types = [p["fixtureAction"]["fixtureActionTypeId"] for p in rows]
    start = types.index(4)
    assert {1, 2, 3, 24} <= set(types[:start])
    assert rows[start - 1]["fixtureSummary"]["currentStatus"] == "Scheduled"
    assert rows[start - 1]["fixtureSummary"]["collectionStatus"] == "CollectionScheduled"
    assert types.count(6) == types.count(7) == len(rows[-1]["fixtureSummary"]["periods"]) >= 2
    assert types.count(8) >= types.count(6) and types.count(9) >= types.count(7)
    end = types.index(5)
    assert types.count(5) == 1 and end > max(i for i, t in enumerate(types) if t == 7)
    # After the final whistle only corrections (Updated) come, then Post Match Check Complete.
    assert all(p["fixtureAction"]["sendTypeId"] == 2 for p in rows[end + 1 : -1])
    assert types[-1] == 21
    last = rows[-1]
    assert last["finished"] is True and last["fixtureSummary"]["finished"] is True
    assert last["fixtureSummary"]["currentStatus"] == "Completed"
    assert last["fixtureSummary"]["collectionStatus"] == "PostMatchChecked"
    assert not any(p["finished"] for p in rows[:-1])
    assert rows[-2]["fixtureSummary"]["collectionStatus"] == "CollectingPostMatch"
    live = [p for p in rows if p["fixtureSummary"]["currentStatus"] == "Live"]
    assert live and all(p["fixtureSummary"]["collectionStatus"] == "CollectingLive" for p in live)


@pytest.mark.parametrize("sport", SPORTS)
def test_timestamps_advance_like_a_live_match(sport: str) -> None:
    rows = packets(sport, 0, 1)
    times = [_ts(p["fixtureAction"]["timestamp"]) for p in rows]
    assert all(b > a for a, b in itertools.pairwise(times))
    types = [p["fixtureAction"]["fixtureActionTypeId"] for p in rows]
    kickoff, final_whistle = times[types.index(4)], times[types.index(5)]
    gaps = [b - a for a, b in itertools.pairwise(times[types.index(4) : types.index(5) + 1])]
    assert 0.05 < stats.median(gaps) < 60
    assert 30 * 60 < final_whistle - kickoff < 6 * 3600
    assert "websocket" in rows[0] and rows[-1]["websocket"]["timestamp"] > rows[0]["websocket"]["timestamp"]


@pytest.mark.parametrize("sport", SPORTS)
def test_every_resend_reuses_the_action_id_with_a_new_seq(sport: str) -> None:
    rows = packets(sport, 0, 2)
    seqs = [p["fixtureAction"]["fixtureSeqNum"] for p in rows]
    assert seqs == list(range(1, len(rows) + 1))
    resent = [v for v in versions_by_action(rows).values() if len(v) > 1]
    assert resent
    for versions in resent:
        assert len({v["fixtureSeqNum"] for v in versions}) == len(versions)


# --- basketball ---------------------------------------------------------------------------


def _basketball_versions() -> list[tuple[tuple[dict[str, Any], ...], list[dict[str, Any]]]]:
    out = []
    for rows in _all_packets("basketball", 8):
        for versions in versions_by_action(rows).values():
            out.append((rows, versions))
    return out


def test_basketball_pending_shots_move_the_score_only_when_confirmed() -> None:
    checked = 0
    for rows in _all_packets("basketball", 4):
        by_seq = {p["fixtureAction"]["fixtureSeqNum"]: p for p in rows}
        for versions in versions_by_action(rows).values():
            sends = [v["sendTypeId"] for v in versions]
            if sends[:2] != [1, 5] or versions[1]["fixtureActionTypeId"] not in MADE_POINTS:
                continue
            pending, confirmed = versions[0]["fixtureSeqNum"], versions[1]["fixtureSeqNum"]
            assert _score(by_seq[pending]) == _score(by_seq[pending - 1])
            side = 0 if versions[1]["team"]["homeTeam"] else 1
            moved = [a - b for a, b in zip(_score(by_seq[confirmed]), _score(by_seq[confirmed - 1]), strict=True)]
            assert moved[side] == MADE_POINTS[versions[1]["fixtureActionTypeId"]]
            assert moved[1 - side] == 0
            checked += 1
    assert checked > 20


def test_basketball_has_cancelled_pending_shots() -> None:
    cancelled = [v for _, v in _basketball_versions() if [x["sendTypeId"] for x in v] == [1, 3]]
    assert any(v[0]["fixtureActionTypeId"] in (233, 207) for v in cancelled)


def test_basketball_deleted_baskets_take_their_points_away() -> None:
    found = 0
    for rows, versions in _basketball_versions():
        sends = [v["sendTypeId"] for v in versions]
        if 4 not in sends or versions[0]["fixtureActionTypeId"] not in MADE_POINTS:
            continue
        deleted = versions[sends.index(4)]
        assert sends[sends.index(4) - 1] == 5
        seq = deleted["fixtureSeqNum"]
        side = 0 if deleted["team"]["homeTeam"] else 1
        assert _score(rows[seq - 2])[side] - _score(rows[seq - 1])[side] == MADE_POINTS[deleted["fixtureActionTypeId"]]
        video = [p for p in rows if p["fixtureAction"]["fixtureActionTypeId"] == 51]
        assert any(deleted["actionId"] in p["fixtureAction"]["relatedFixtureActionIds"] for p in video)
        found += 1
    assert found


def test_basketball_two_pointers_updated_to_three_pointers_add_one() -> None:
    found = 0
    for rows, versions in _basketball_versions():
        types = [(v["sendTypeId"], v["fixtureActionTypeId"]) for v in versions]
        if (5, 207) in types and (2, 208) in types:
            updated = versions[types.index((2, 208))]
            side = 0 if updated["team"]["homeTeam"] else 1
            seq = updated["fixtureSeqNum"]
            assert _score(rows[seq - 1])[side] - _score(rows[seq - 2])[side] == 1
            found += 1
    assert found


def test_basketball_team_rebounds_updated_to_player_rebounds() -> None:
    upgrades = set()
    for _, versions in _basketball_versions():
        first, last = versions[0], versions[-1]
        if first["fixtureActionTypeId"] in (224, 225) and last["sendTypeId"] == 2:
            assert "player" not in first and "player" in last
            upgrades.add((first["fixtureActionTypeId"], last["fixtureActionTypeId"]))
    assert (225, 205) in upgrades


def test_basketball_has_the_other_actions_of_a_game() -> None:
    seen = {v[0]["fixtureActionTypeId"] for _, v in _basketball_versions()}
    assert {201, 202, 204, 205, 206, 207, 208, 209, 210, 211, 217, 222, 223, 13, 14, 15, 52} <= seen


def test_basketball_overtime_happens_and_breaks_ties() -> None:
    finals = [m.truth["final"] for m in matches("basketball", 0, 50)]
    with_overtime = [f for f in finals if any(p["type"] == "Overtime" for p in f["periods"])]
    assert with_overtime
    assert all(f["homeScore"] != f["awayScore"] for f in finals)
    assert all(len(f["periods"]) >= 4 for f in finals)


# --- soccer -------------------------------------------------------------------------------


def test_soccer_yellow_cards_are_pending_first_and_some_become_red() -> None:
    reds = 0
    for rows in _all_packets("soccer", 12):
        for versions in versions_by_action(rows).values():
            if versions[0]["fixtureActionTypeId"] != 107:
                continue
            assert versions[0]["sendTypeId"] == 1
            if versions[-1]["fixtureActionTypeId"] == 108:
                assert versions[-1]["sendTypeId"] == 2
                reds += 1
    assert reds


def test_soccer_goals_disallowed_after_a_video_check() -> None:
    disallowed = 0
    for rows in _all_packets("soccer", 12):
        all_versions = versions_by_action(rows)
        checks = [v[0] for v in all_versions.values() if v[0]["fixtureActionTypeId"] == 51]
        for versions in all_versions.values():
            sends = [v["sendTypeId"] for v in versions]
            if versions[0]["fixtureActionTypeId"] == 104 and sends == [1, 5, 4]:
                goal_id = versions[0]["actionId"]
                check = next(c for c in checks if goal_id in c["relatedFixtureActionIds"])
                assert versions[1]["fixtureSeqNum"] < check["fixtureSeqNum"] < versions[2]["fixtureSeqNum"]
                disallowed += 1
    assert disallowed


def test_soccer_shootouts_and_extra_time_happen() -> None:
    with_shootout = 0
    for m in matches("soccer", 0, 40):
        periods = m.truth["final"]["periods"]
        labels = [p["type"] for p in periods]
        if "Shootout" not in labels:
            continue
        with_shootout += 1
        assert labels == ["Regular", "Regular", "Overtime", "Overtime", "Shootout"]
        rows = packets("soccer", 0, m.header.index)
        last = rows[-1]["fixtureSummary"]
        shootout = last["periods"][-1]
        assert last["homeTeamScore"] == last["awayTeamScore"]  # the shoot-out does not change the score
        assert shootout["homeTeamPeriodScore"] != shootout["awayTeamPeriodScore"]
        assert (shootout["homeTeamScore"], shootout["awayTeamScore"]) == (last["homeTeamScore"], last["awayTeamScore"])
    assert with_shootout


# --- volleyball ---------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(6))
def test_volleyball_sets_follow_the_rules(index: int) -> None:
    summary = packets("volleyball", 0, index)[-1]["fixtureSummary"]
    assert max(summary["homeTeamScore"], summary["awayTeamScore"]) == 3
    assert 3 <= len(summary["periods"]) <= 5
    for number, p in enumerate(summary["periods"], start=1):
        target = 15 if number == 5 else 25
        high, low = sorted((p["homeTeamPeriodScore"], p["awayTeamPeriodScore"]), reverse=True)
        assert high >= target and high - low >= 2
        assert high == target or high - low == 2


def test_volleyball_challenges_move_a_point_to_the_other_team() -> None:
    moved = 0
    for rows in _all_packets("volleyball", 8):
        for versions in versions_by_action(rows).values():
            if versions[-1]["sendTypeId"] == 2 and versions[0]["fixtureActionTypeId"] == 401:
                assert versions[0]["team"]["homeTeam"] != versions[-1]["team"]["homeTeam"]
                moved += 1
    assert moved


# --- snooker ------------------------------------------------------------------------------


def _breaks(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = snapshot["advancedSportStatistics"]["breaksStatistics"]["breaks"]
    return result


def test_snooker_pots_fouls_strikers_and_concessions() -> None:
    seen: set[int] = set()
    pockets: set[int] = set()
    for rows in _all_packets("snooker", 4):
        for p in rows:
            seen.add(p["fixtureAction"]["fixtureActionTypeId"])
            if 301 <= p["fixtureAction"]["fixtureActionTypeId"] <= 307:
                pockets.add(p["fixtureAction"]["fixtureActionSubTypeId"])
    assert {301, 302, 303, 304, 305, 306, 307, 308, 312, 316} <= seen
    assert pockets == set(range(30101, 30107))


@pytest.mark.parametrize("index", range(3))
def test_snooker_statistics_show_zero_point_visits_and_breaks_in_progress(index: int) -> None:
    rows = snapshots(0, index)
    in_progress = [b for s in rows for b in _breaks(s) if b["endTimestamp"] is None]
    assert any(b["score"] > 0 for b in in_progress)
    final = _breaks(rows[-1])
    assert rows[-1]["finished"] is True
    assert any(b["score"] == 0 for b in final)
    assert all(b["endTimestamp"] is not None for b in final)
    assert [b["breakSeq"] for b in final if b["periodNumber"] == 1][:3] == [1, 2, 3]
    # Cumulative: the list of breaks never shrinks.
    lengths = [len(_breaks(s)) for s in rows]
    assert lengths == sorted(lengths)


def test_snooker_some_ended_breaks_are_revised_later() -> None:
    revised = 0
    for index in range(4):
        ended: dict[tuple[int, int], int] = {}
        for snapshot in snapshots(0, index):
            for b in _breaks(snapshot):
                if b["endTimestamp"] is None:
                    continue
                key = (b["periodNumber"], b["breakSeq"])
                if key in ended and ended[key] != b["score"]:
                    revised += 1
                    truth = {(t["frame"], t["breakSeq"]): t for t in match("snooker", 0, index).truth["breaks"]}
                    assert truth[key]["revisions"] >= 1
                ended[key] = b["score"]
    assert revised
