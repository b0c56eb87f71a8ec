"""The snooker statistics sample parses in full, and its facts survive parsing."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from itertools import pairwise

import pytest

from ddeflow.dde.parse import classify_frame, parse_statistics_packet
from ddeflow.dde.statistics import AdvancedSportStatistics, Break, StatisticsPacket
from tests.dde.samples import sample_bytes, sample_json

NAME = "snooker-statistics.json"


@pytest.fixture(scope="module")
def packet() -> StatisticsPacket:
    return parse_statistics_packet(sample_bytes(NAME))


@pytest.fixture(scope="module")
def advanced(packet: StatisticsPacket) -> AdvancedSportStatistics:
    assert packet.advanced_sport_statistics is not None
    return packet.advanced_sport_statistics


@pytest.fixture(scope="module")
def breaks(advanced: AdvancedSportStatistics) -> tuple[Break, ...]:
    assert advanced.breaks is not None
    return advanced.breaks


def test_envelope(packet: StatisticsPacket) -> None:
    wire = sample_json(NAME)
    assert (packet.seq_num, packet.version, packet.finished) == (
        wire["seqNum"],
        wire["version"],
        wire["finished"],
    )
    assert (packet.fixture_id, packet.trace_id) == (wire["fixtureId"], wire["traceId"])
    # Nanosecond digits are cut to microseconds.
    assert packet.timestamp == datetime(2023, 2, 27, 11, 33, 13, 1313, tzinfo=UTC)
    assert classify_frame(sample_bytes(NAME)) == packet


def test_aggregates_match_the_wire(packet: StatisticsPacket) -> None:
    wire = sample_json(NAME)["teamActionAggregates"]
    assert [t.team.id for t in packet.team_action_aggregates] == [t["team"]["id"] for t in wire]
    for team, wire_team in zip(packet.team_action_aggregates, wire, strict=True):
        assert [(a.action, a.action_id, a.count) for a in team.game_action_aggregates] == [
            (a["action"], a["actionId"], a["actionAggregate"]) for a in wire_team["gameActionAggregates"]
        ]
        for aggregate, wire_aggregate in zip(
            team.game_action_aggregates, wire_team["gameActionAggregates"], strict=True
        ):
            assert [(s.sub_action, s.sub_action_id, s.count) for s in aggregate.sub_actions] == [
                (s["subAction"], s["subActionId"], s["subActionAggregate"])
                for s in wire_aggregate["subActionAggregates"]
            ]
        assert [p.period for p in team.period_action_aggregates] == [
            p["period"] for p in wire_team["periodActionAggregates"]
        ]
        assert team.player_action_aggregates == ()


def test_period_aggregates_come_in_no_particular_order(packet: StatisticsPacket) -> None:
    for team in packet.team_action_aggregates:
        frames = [p.period for p in team.period_action_aggregates]
        assert frames != sorted(frames)
        assert sorted(frames) == list(range(1, 10))


def test_game_counts_are_the_sum_of_the_frame_counts(packet: StatisticsPacket) -> None:
    for team in packet.team_action_aggregates:
        per_frame: Counter[int] = Counter()
        for frame in team.period_action_aggregates:
            for aggregate in frame.aggregates:
                per_frame[aggregate.action_id] += aggregate.count
        assert per_frame == Counter({a.action_id: a.count for a in team.game_action_aggregates})


def test_breaks_match_the_wire(breaks: tuple[Break, ...]) -> None:
    wire = sample_json(NAME)["advancedSportStatistics"]["breaksStatistics"]["breaks"]
    assert len(breaks) == len(wire) == 24
    for brk, row in zip(breaks, wire, strict=True):
        assert (brk.score, brk.break_seq, brk.period_number) == (
            row["score"],
            row["breakSeq"],
            row["periodNumber"],
        )
        assert (brk.player_id, brk.player_name) == (row["playerId"], row["playerName"])
        balls = row["pottedBalls"]
        assert (brk.potted_balls.red, brk.potted_balls.black) == (balls["redBalls"], balls["blackBalls"])
        assert brk.start_timestamp.strftime("%Y-%m-%dT%H:%M:%S") == row["startTimestamp"][:19]


def test_break_score_is_the_value_of_the_potted_balls(breaks: tuple[Break, ...]) -> None:
    assert all(brk.score == brk.potted_balls.points for brk in breaks)


def test_zero_point_visits_are_listed(breaks: tuple[Break, ...]) -> None:
    zero = [brk for brk in breaks if brk.score == 0]
    assert zero
    assert all(brk.potted_balls.points == 0 for brk in zero)


def test_break_seq_restarts_at_1_each_frame(breaks: tuple[Break, ...]) -> None:
    by_frame: dict[int, list[int]] = {}
    for brk in breaks:
        by_frame.setdefault(brk.period_number, []).append(brk.break_seq)
    assert sorted(by_frame) == list(range(1, 10))
    assert all(seqs == list(range(1, len(seqs) + 1)) for seqs in by_frame.values())


def test_breaks_are_back_to_back_within_a_frame(breaks: tuple[Break, ...]) -> None:
    for before, after in pairwise(breaks):
        if before.period_number == after.period_number:
            assert before.end_timestamp == after.start_timestamp


def test_one_break_starts_after_it_ends(breaks: tuple[Break, ...]) -> None:
    backwards = [brk for brk in breaks if brk.start_timestamp > brk.end_timestamp]
    assert [(brk.period_number, brk.break_seq) for brk in backwards] == [(7, 1)]


def test_player_id_is_a_team_id(packet: StatisticsPacket, breaks: tuple[Break, ...]) -> None:
    team_ids = {t.team.id for t in packet.team_action_aggregates}
    assert {brk.player_id for brk in breaks} == team_ids


def test_remaining_balls(advanced: AdvancedSportStatistics) -> None:
    remaining = advanced.remaining_balls
    assert remaining is not None
    assert remaining.next_expected_ball == "RedBall"
    balls = remaining.remaining_balls
    colours = [balls.yellow, balls.green, balls.brown, balls.blue, balls.pink, balls.black]
    assert colours == [1] * 6
    # Every red can be followed by a black, then all colours: 8 * (1 + 7) + 2 + 3 + 4 + 5 + 6 + 7.
    assert remaining.possible_points == balls.red * 8 + 27 == 91


def test_shot_times(advanced: AdvancedSportStatistics, packet: StatisticsPacket) -> None:
    shot_times = advanced.average_shot_times
    assert shot_times is not None
    assert dict(shot_times.average_shot_times_s) == {"fd4a9578-2fff-4ed3-a015-694985fa8672": 2.8834062}
    players = {p.player_id: p.shot_times for p in shot_times.players_shot_times}
    assert set(players) == {t.team.id for t in packet.team_action_aggregates}
    shots = players["fd4a9578-2fff-4ed3-a015-694985fa8672"]
    assert len(shots) == 161
    assert players["ecd878c9-7edb-4d52-94f6-f62d7f97c59d"] == ()
    # The average is the mean of the listed durations, and each duration is end - start.
    mean_s = sum(shot.duration_s for shot in shots) / len(shots)
    assert mean_s == pytest.approx(2.8834062, abs=1e-6)
    for shot in shots:
        assert (shot.shot_end - shot.shot_start).total_seconds() == pytest.approx(shot.duration_s, abs=1e-5)
    assert max(shot.duration_s for shot in shots) == pytest.approx(129.176838)


def test_starting_striker_and_no_other_blocks(advanced: AdvancedSportStatistics) -> None:
    assert advanced.starting_striker == "fd4a9578-2fff-4ed3-a015-694985fa8672"
    assert dict(advanced.other) == {}
