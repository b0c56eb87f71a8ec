"""The four built-in processors on the test kit: generated matches against their truth, the REST sample as a file.

The kit runs the worker's own code path (Transformer, store, Avro), so these are the broker-free twins of
``tests/processors/integration/test_truth.py``; the expectations come from ``expect`` (worked out without the
processors' code).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ddeflow import topics
from ddeflow.dde import Sport
from ddeflow.processors.testkit import T0_MS, Kit
from ddeflow.simulator.generator import generate_match
from tests.processors.integration.expect import (
    break_problems,
    event_row,
    expected_fixture_events,
    expected_score_changes,
)
from tests.processors.integration.plan import Match

SAMPLES = Path(__file__).parents[2] / "data" / "samples"


def _match(sport: Sport, seed: int) -> Match:
    generated = generate_match(sport.value, seed, 0)
    return Match(
        sport,
        generated.fixture_id,
        tuple(line.encode() for line in generated.actions),
        tuple(line.encode() for line in generated.statistics),
        generated.truth,
    )


@pytest.mark.parametrize("sport", [Sport.BASKETBALL, Sport.SOCCER, Sport.VOLLEYBALL, Sport.SNOOKER])
def test_a_generated_match_gives_the_truths_score_changes_and_fixture_events(sport: Sport) -> None:
    kit = Kit(builtins=True)
    kit.match(sport, seed=11, statistics=False)
    match = _match(sport, 11)
    # The kit stamps the n-th record it is fed T0 + n seconds; the actions come first, in order.
    received = {
        int(json.loads(line)["fixtureAction"]["fixtureSeqNum"]): (T0_MS + n * 1000) * 1_000_000
        for n, line in enumerate(match.actions)
    }
    assert kit.values(topics.SCORE_CHANGES) == expected_score_changes(match, received)
    got = kit.values(topics.FIXTURE_EVENTS)
    assert Counter(event_row(v) for v in got) == expected_fixture_events(match)
    states = kit.records(topics.derived_actions(sport))
    assert len(states) == len(match.actions) and all(r.key == r.value["actionId"] for r in states)
    assert kit.dead_letters() == []


def test_snooker_statistics_give_the_truths_break_completions() -> None:
    kit = Kit(builtins=True)
    kit.match(Sport.SNOOKER, seed=5)
    match = _match(Sport.SNOOKER, 5)
    completions = kit.values(topics.BREAK_COMPLETIONS)
    assert completions and break_problems(completions, match.truth["breaks"]) == []
    assert kit.counters["statistics.applied"] == len(match.statistics)


def test_duplicates_and_stale_packets_reach_no_topic_and_are_counted() -> None:
    match = _match(Sport.BASKETBALL, 2)
    lines = list(match.actions)
    kit = Kit(builtins=True)
    kit.packets(Sport.BASKETBALL, lines[:40])
    before = len(kit.records())
    assert kit.packets(Sport.BASKETBALL, [lines[39], lines[10], lines[39]]) == []
    assert len(kit.records()) == before
    assert kit.counters["summaries.duplicate"] == 2 and kit.counters["summaries.stale"] == 1


def test_the_rest_sample_as_a_file_is_published_in_fixture_seq_order() -> None:
    kit = Kit(builtins=True)
    kit.file(SAMPLES / "basketball-rest-actions.json", Sport.BASKETBALL)
    packets = json.loads((SAMPLES / "basketball-rest-actions.json").read_bytes())
    final = max(packets, key=lambda p: p["fixtureAction"]["fixtureSeqNum"])["fixtureSummary"]

    states = kit.values(topics.derived_actions(Sport.BASKETBALL))
    assert len(states) == len(packets)
    assert [(v["fixtureSeqNum"], v["anomaly"]) for v in states if v["anomaly"]] == [
        (6, "Updated before any Pending or Confirmed")
    ]
    events = kit.values(topics.FIXTURE_EVENTS)
    statuses = [v["current"] for v in events if v["eventType"] == "StatusChanged"]
    assert statuses == ["Scheduled", "LineUps", "Live", "Completed"]
    assert [v["eventType"] for v in events].count("Finished") == 1
    changes = kit.values(topics.SCORE_CHANGES)
    assert {(v["homeScore"], v["awayScore"]) for v in changes} == {(final["homeTeamScore"], final["awayTeamScore"])}
    assert kit.rejected == []


def test_hand_written_frames_that_are_not_packets_are_dead_lettered_by_the_processor() -> None:
    kit = Kit(builtins=True)
    kit.packets(Sport.SOCCER, [b'{"fixtureAction": ', b"[]"])
    assert [(d.origin, d.reason) for d in kit.dead_letters()] == [
        ("processor", "malformed_json"),
        ("processor", "not_a_packet"),
    ]
