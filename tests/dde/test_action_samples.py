"""Every action sample parses, and what the parser returns matches what the JSON says."""

from __future__ import annotations

from typing import Any

import pytest

from ddeflow.dde.actions import ActionPacket
from ddeflow.dde.enums import ClockState, CollectionStatus, FixtureStatus, PeriodType, SendType
from ddeflow.dde.jsonvalue import thaw_json
from ddeflow.dde.parse import classify_frame, parse_action_packet, parse_action_packets
from tests.dde.samples import SAMPLES_DIR, sample_bytes, sample_json

WEBSOCKET_SAMPLES = sorted(path.name for path in SAMPLES_DIR.glob("basketball-2026-*.json"))
WEBSOCKET_SAMPLES.remove("basketball-2026-fixtures.json")
REST_SAMPLE = "basketball-rest-actions.json"


def _utc_text(packet_time: Any) -> str:
    return str(packet_time.strftime("%Y-%m-%dT%H:%M:%S"))


def assert_matches_wire(packet: ActionPacket, wire: dict[str, Any]) -> None:
    """Compare every modelled field with the decoded JSON, read independently of the parser."""
    action, fa = packet.fixture_action, wire["fixtureAction"]
    assert packet.version == wire["version"]
    assert packet.trace_id == wire.get("traceId")
    assert packet.finished == (wire.get("finished") or wire["fixtureSummary"].get("finished") or False)
    assert action.action_id == fa["actionId"]
    assert action.fixture_id == fa["fixtureId"] == packet.fixture_id
    assert action.fixture_seq_num == fa["fixtureSeqNum"] == packet.seq_num
    assert action.fixture_action_type_id == fa["fixtureActionTypeId"]
    assert action.fixture_action_type == fa["fixtureActionType"]
    assert action.fixture_action_sub_type_id == fa.get("fixtureActionSubTypeId")
    assert action.send_type == fa["sendTypeId"]
    assert action.send_type.wire_name == fa["sendType"] == action.send_type_name
    assert action.period == fa["period"]
    assert action.clock_time == fa["clockTime"]
    assert action.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ") == fa["timestamp"]
    assert action.timeline_sequence == fa["timelineSequence"]
    assert list(action.related_fixture_action_ids) == fa.get("relatedFixtureActionIds", [])
    assert (action.team.id if action.team else None) == fa.get("team", {}).get("id")
    assert (action.team.home_team if action.team else None) == fa.get("team", {}).get("homeTeam")
    assert (action.player.name if action.player else None) == fa.get("player", {}).get("name")
    assert (thaw_json(action.metadata) if action.metadata is not None else None) == fa.get("metadata")

    summary, fs = packet.fixture_summary, wire["fixtureSummary"]
    assert summary.home_team_score == fs["homeTeamScore"]
    assert summary.away_team_score == fs["awayTeamScore"]
    assert summary.is_tied == fs["isTied"]
    assert summary.current_period == fs["currentPeriod"]
    assert summary.current_status_raw == fs["currentStatus"]
    assert summary.collection_status_raw == fs.get("collectionStatus")
    assert summary.current_clock_time == fs["currentClockTime"]
    assert summary.current_clock_state_raw == fs.get("currentClockState")
    assert summary.is_home_team_in_possession == fs.get("isHomeTeamInPossesion")
    assert len(summary.periods) == len(fs["periods"])
    for period, fp in zip(summary.periods, fs["periods"], strict=True):
        assert period.id == fp["id"]
        assert period.label == fp["label"]
        assert period.type_raw == fp["type"]
        assert _utc_text(period.start) == fp["start"]
        assert (None if period.end is None else _utc_text(period.end)) == fp["end"]
        assert period.home_team_score == fp["homeTeamScore"]
        assert period.away_team_score == fp["awayTeamScore"]
        assert period.home_team_period_score == fp["homeTeamPeriodScore"]
        assert period.away_team_period_score == fp["awayTeamPeriodScore"]


@pytest.mark.parametrize("name", WEBSOCKET_SAMPLES)
def test_websocket_sample_parses_to_what_it_says(name: str) -> None:
    packet = parse_action_packet(sample_bytes(name))
    assert_matches_wire(packet, sample_json(name))
    assert classify_frame(sample_bytes(name)) == packet


def test_rest_sample_parses_to_what_it_says() -> None:
    packets = parse_action_packets(sample_bytes(REST_SAMPLE))
    wire = sample_json(REST_SAMPLE)
    assert len(packets) == len(wire) == 11
    for packet, element in zip(packets, wire, strict=True):
        assert_matches_wire(packet, element)


def test_every_sample_file_is_accounted_for() -> None:
    json_files = {path.name for path in SAMPLES_DIR.glob("*.json")}
    covered = set(WEBSOCKET_SAMPLES) | {
        REST_SAMPLE,
        "basketball-2026-fixtures.json",
        "snooker-statistics.json",
    }
    assert json_files == covered


# --- 2026 websocket samples (envelope version 3) ---------------------------------------


def _websocket_packets() -> dict[str, ActionPacket]:
    return {name: parse_action_packet(sample_bytes(name)) for name in WEBSOCKET_SAMPLES}


def test_2026_packets_are_version_3_with_a_websocket_block_naming_their_fixture() -> None:
    for packet in _websocket_packets().values():
        assert packet.version == 3
        assert packet.websocket is not None
        assert packet.websocket.id is not None
        assert packet.websocket.id.startswith("wss://")
        assert packet.websocket.id.endswith(f"/basketball/fixtures/{packet.fixture_id}/actions")


def test_2026_packets_carry_finished_inside_the_summary_only() -> None:
    for name in WEBSOCKET_SAMPLES:
        wire = sample_json(name)
        assert "finished" not in wire
        assert wire["fixtureSummary"]["finished"] is False
        assert parse_action_packet(sample_bytes(name)).finished is False


def test_2026_steal_is_sent_with_type_id_22_and_the_block_example_is_the_same_packet() -> None:
    packets = _websocket_packets()
    steal = packets["basketball-2026-222-steal.json"]
    assert steal.fixture_action.fixture_action_type == "Steal"
    assert steal.fixture_action.fixture_action_type_id == 22
    assert steal.fixture_action.send_type is SendType.UPDATED
    assert packets["basketball-2026-223-block.json"] == steal


def test_2026_team_rebound_examples_share_action_and_seq_but_not_type() -> None:
    packets = _websocket_packets()
    offensive = packets["basketball-2026-224-offensive-team-rebound.json"].fixture_action
    defensive = packets["basketball-2026-225-defensive-team-rebound.json"].fixture_action
    assert (offensive.action_id, offensive.fixture_seq_num) == (
        defensive.action_id,
        defensive.fixture_seq_num,
    )
    assert (offensive.fixture_action_type_id, defensive.fixture_action_type_id) == (224, 225)
    assert offensive.player is None  # a rebound without a player is a team rebound
    assert offensive.team is not None
    assert offensive.team.home_team is False


def test_2026_out_of_game_has_sub_type_player_and_home_team() -> None:
    action = _websocket_packets()["basketball-2026-231-out-of-game.json"].fixture_action
    assert (action.fixture_action_sub_type_id, action.fixture_action_sub_type) == (23101, "Fouled out")
    assert action.player is not None
    assert action.player.name == "Kendrick Nunn"
    assert action.team is not None
    assert action.team.home_team is True


def test_2026_video_check_example_is_sent_as_video_check_underway() -> None:
    action = _websocket_packets()["basketball-2026-64-possible-video-check.json"].fixture_action
    assert (action.fixture_action_type_id, action.fixture_action_type) == (51, "Video Check Underway")


def test_2026_missed_shots_are_confirmed_and_linked_to_a_related_action() -> None:
    packets = _websocket_packets()
    for name, type_id in [("210-2pt-missed", 210), ("211-3pt-missed", 211)]:
        action = packets[f"basketball-2026-{name}.json"].fixture_action
        assert action.fixture_action_type_id == type_id
        assert action.send_type is SendType.CONFIRMED
        assert len(action.related_fixture_action_ids) == 1


def test_2026_players_ready_comes_before_any_period() -> None:
    packet = _websocket_packets()["basketball-2026-24-players-ready.json"]
    summary = packet.fixture_summary
    assert summary.periods == ()
    assert summary.current_status is FixtureStatus.SCHEDULED
    assert summary.collection_status is CollectionStatus.COLLECTION_SCHEDULED
    assert (summary.home_team_score, summary.away_team_score, summary.is_tied) == (0, 0, True)


def test_2026_scores_are_cumulative_over_periods_and_only_the_last_period_is_open() -> None:
    for packet in _websocket_packets().values():
        summary = packet.fixture_summary
        assert summary.current_status is FixtureStatus.LIVE or summary.periods == ()
        if not summary.periods:
            continue
        assert sum(p.home_team_period_score for p in summary.periods) == summary.home_team_score
        assert sum(p.away_team_period_score for p in summary.periods) == summary.away_team_score
        assert summary.periods[-1].home_team_score == summary.home_team_score
        assert [p.end is None for p in summary.periods] == [False] * (len(summary.periods) - 1) + [True]
        assert summary.periods[-1].id == summary.current_period
        assert all(p.type is PeriodType.REGULAR for p in summary.periods)
        assert summary.current_clock_state in (ClockState.RUNNING, ClockState.STOPPED)
        assert summary.collection_status is CollectionStatus.COLLECTING_LIVE


# --- REST sample (envelope version 2) ---------------------------------------------------


def _rest_packets() -> tuple[ActionPacket, ...]:
    return parse_action_packets(sample_bytes(REST_SAMPLE))


def test_rest_team_colours_confirmed_at_seq_1_then_updated_at_seq_6_under_another_action_id() -> None:
    colours = [p.fixture_action for p in _rest_packets() if p.fixture_action.fixture_action_type == "Team Colours"]
    assert [(a.fixture_seq_num, a.send_type) for a in colours] == [
        (1, SendType.CONFIRMED),
        (6, SendType.UPDATED),
    ]
    assert colours[0].action_id != colours[1].action_id
    assert {a.fixture_action_type_id for a in colours} == {2}
    assert colours[0].metadata is not None
    assert colours[1].metadata is not None
    assert colours[0].metadata["homeTeamColour"] != colours[1].metadata["homeTeamColour"]


def test_rest_array_is_not_sorted_by_seq() -> None:
    seqs = [p.seq_num for p in _rest_packets()]
    assert seqs != sorted(seqs)
    assert seqs.index(1535) == 6  # the seventh element
    assert sorted(seqs) == [*range(1, 11), 1535]


def test_rest_only_the_post_match_check_is_finished_and_it_holds_the_final_score() -> None:
    finished = [p for p in _rest_packets() if p.finished]
    assert [p.seq_num for p in finished] == [1535]
    last = finished[0]
    assert last.fixture_action.fixture_action_type_id == 21
    summary = last.fixture_summary
    assert summary.current_status is FixtureStatus.COMPLETED
    assert (summary.home_team_score, summary.away_team_score) == (66, 80)
    assert [p.id for p in summary.periods] == [1, 2, 3, 4]
    assert all(p.end is not None for p in summary.periods)
    assert sum(p.home_team_period_score for p in summary.periods) == summary.home_team_score
    assert sum(p.away_team_period_score for p in summary.periods) == summary.away_team_score


def test_rest_period_0_actions_including_post_match_check_sort_first_by_timeline() -> None:
    packets = _rest_packets()
    by_timeline = sorted(packets, key=lambda p: p.fixture_action.timeline_sequence or 0.0)
    periods = [p.fixture_action.period for p in by_timeline]
    assert periods == sorted(periods)
    post_match = next(p for p in packets if p.seq_num == 1535)
    assert post_match.fixture_action.period == 0
    assert by_timeline.index(post_match) < periods.index(1)


def test_rest_pending_3pt_shot_has_court_position_and_leaves_the_score_alone() -> None:
    shot = next(p for p in _rest_packets() if p.fixture_action.fixture_action_type_id == 233)
    assert shot.fixture_action.send_type is SendType.PENDING
    assert shot.fixture_action.metadata is not None
    position = shot.fixture_action.metadata["courtPosition"]
    assert isinstance(position, dict) is False  # read-only, not the decoded dict
    assert thaw_json(position) == {"x": -221.0, "y": 370.0, "zone": "AboveTheBreak3"}
    assert (shot.fixture_summary.home_team_score, shot.fixture_summary.away_team_score) == (0, 0)
    assert shot.fixture_action.player is not None
    assert shot.fixture_action.player.name == "Dejan Dzakovic"


def test_rest_lineups_status_is_known_and_metadata_is_read_only() -> None:
    lineups = [p for p in _rest_packets() if p.fixture_action.fixture_action_type_id == 3]
    assert len(lineups) == 2
    assert all(p.fixture_summary.current_status is FixtureStatus.LINEUPS for p in lineups)
    metadata = lineups[1].fixture_action.metadata
    assert metadata is not None
    assert isinstance(metadata["substitutes"], tuple)
    plain = thaw_json(metadata)
    assert plain["teamId"] == lineups[1].fixture_action.team.id  # type: ignore[union-attr]
    jevric = [s for s in plain["substitutes"] if s["lastName"] == "Jevric"]
    assert len(jevric) == 1
    assert jevric[0]["firstName"] is None  # nulls inside metadata are kept
    with pytest.raises(TypeError):
        metadata["teamId"] = "x"  # type: ignore[index]


def test_rest_v2_summaries_have_no_collection_status_or_clock_state() -> None:
    for packet in _rest_packets():
        summary = packet.fixture_summary
        assert (summary.collection_status, summary.collection_status_raw) == (CollectionStatus.UNKNOWN, None)
        assert (summary.current_clock_state, summary.current_clock_state_raw) == (ClockState.UNKNOWN, None)
        assert summary.is_home_team_in_possession is None
        assert packet.websocket is None
