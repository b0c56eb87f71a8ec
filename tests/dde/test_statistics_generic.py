"""Statistics packets of other sports: the common envelope and aggregates typed, unknown blocks kept."""

from __future__ import annotations

import json
from typing import Any

from ddeflow.dde.enums import PeriodType
from ddeflow.dde.jsonvalue import thaw_json
from ddeflow.dde.parse import classify_frame, parse_statistics_packet
from ddeflow.dde.statistics import StatisticsPacket

# Shaped like the soccer/basketball examples in the feed's docs (team, period and player aggregates).
SOCCER_LIKE: dict[str, Any] = {
    "seqNum": 806,
    "traceId": "d0067b7aaafaa8eeff533f095a2628c0",
    "version": 1,
    "finished": True,
    "fixtureId": "3a0bfed3-fdc6-41ec-8f3a-349db21cc2ed",
    "timestamp": "2023-02-01T21:48:03.530293700Z",
    "teamActionAggregates": [
        {
            "team": {"id": "2c789564", "name": "Royale Union Saint Gilloise", "homeTeam": "true"},
            "gameActionAggregates": [
                {"action": "Yellow Card", "actionId": 107, "actionAggregate": 1, "subActionAggregates": []}
            ],
            "periodActionAggregates": [
                {
                    "period": 2,
                    "label": "2nd half",
                    "type": "Regular",
                    "aggregates": [
                        {"action": "Goal", "actionId": 104, "actionAggregate": 1, "subActionAggregates": []}
                    ],
                }
            ],
            "playerActionAggregates": [
                {
                    "player": {"id": "fef9d862", "name": "Eliran Atar"},
                    "gameActionAggregates": [
                        {
                            "action": "Goal",
                            "actionId": 104,
                            "actionAggregate": 1,
                            "subActionAggregates": [
                                {"subAction": "Penalty Goal", "subActionId": 10401, "subActionAggregate": 1}
                            ],
                        }
                    ],
                    "periodActionAggregates": [{"type": "Regular", "label": "1st half", "period": 1, "aggregates": []}],
                }
            ],
        }
    ],
    "advancedSportStatistics": {"possession": {"home": 55.5, "away": 44.5}, "xg": [1, 2]},
}


def parse(wire: dict[str, Any]) -> StatisticsPacket:
    return parse_statistics_packet(json.dumps(wire).encode())


def test_common_envelope_and_aggregates_are_typed() -> None:
    packet = parse(SOCCER_LIKE)
    assert (packet.seq_num, packet.version, packet.finished) == (806, 1, True)
    (team,) = packet.team_action_aggregates
    assert (team.team.name, team.team.home_team) == ("Royale Union Saint Gilloise", True)
    (period,) = team.period_action_aggregates
    assert (period.period, period.label, period.type) == (2, "2nd half", PeriodType.REGULAR)
    (player,) = team.player_action_aggregates
    assert player.player.name == "Eliran Atar"
    (goal,) = player.game_action_aggregates
    assert [(s.sub_action_id, s.count) for s in goal.sub_actions] == [(10401, 1)]
    assert player.period_action_aggregates[0].label == "1st half"


def test_unknown_advanced_blocks_are_kept_as_sent_and_snooker_blocks_are_absent() -> None:
    advanced = parse(SOCCER_LIKE).advanced_sport_statistics
    assert advanced is not None
    assert thaw_json(advanced.other) == SOCCER_LIKE["advancedSportStatistics"]
    assert (advanced.breaks, advanced.remaining_balls, advanced.average_shot_times) == (None, None, None)
    assert advanced.starting_striker is None


def test_minimal_statistics_packet() -> None:
    wire = {"seqNum": 1, "version": 2, "fixtureId": "f", "timestamp": "2023-02-01T21:48:03Z"}
    packet = classify_frame(json.dumps(wire).encode())
    assert isinstance(packet, StatisticsPacket)
    assert packet.finished is False
    assert packet.team_action_aggregates == ()
    assert packet.advanced_sport_statistics is None
