"""The two shipped example processors on the test kit: generated matches against their truth, hand-made
corrections, and a hand-written basketball game."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from ddeflow import topics
from ddeflow.dde import Sport
from ddeflow.processors.api import Stream
from ddeflow.processors.examples import scoring_runs, snooker_breaks
from ddeflow.processors.testkit import Kit
from ddeflow.simulator.generator import generate_match

HIGHLIGHTS = snooker_breaks.PROCESSOR.topic
RUNS = scoring_runs.PROCESSOR.topic


def test_the_examples_write_the_topics_every_deployment_creates() -> None:
    derived = {spec.name for spec in topics.derived_topics()}
    assert HIGHLIGHTS == topics.SNOOKER_BREAK_HIGHLIGHTS and HIGHLIGHTS in derived
    assert RUNS == topics.BASKETBALL_SCORING_RUNS and RUNS in derived


def _last_by(values: list[dict[str, Any]], *fields: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    last: dict[tuple[Any, ...], dict[str, Any]] = {}
    for value in values:
        last[tuple(value[f] for f in fields)] = value
    return last


@pytest.mark.parametrize("seed", [5, 8, 13])
def test_snooker_highlights_match_the_truths_breaks(seed: int) -> None:
    match = generate_match("snooker", seed, 0)
    kit = Kit(snooker_breaks.PROCESSOR)
    kit.match(Sport.SNOOKER, seed=seed)
    values = kit.values(HIGHLIGHTS)
    truth = match.truth["breaks"]

    centuries = _last_by([v for v in values if v["kind"] == "Century"], "frame", "breakSeq")
    assert {k: v["points"] for k, v in centuries.items()} == {
        (b["frame"], b["breakSeq"]): b["points"] for b in truth if b["points"] >= snooker_breaks.CENTURY
    }
    highest = _last_by([v for v in values if v["kind"] == "FrameHighest"], "frame")
    want: dict[tuple[Any, ...], tuple[int, int]] = {}
    for b in sorted(truth, key=lambda b: (b["frame"], b["breakSeq"])):
        best = want.get((b["frame"],))
        if b["points"] > 0 and (best is None or b["points"] > best[1]):
            want[(b["frame"],)] = (b["breakSeq"], b["points"])
    assert {k: (v["breakSeq"], v["points"]) for k, v in highest.items()} == want
    # Revisions count up from 1 per break (Century) and per frame (FrameHighest), in order.
    for kind, fields in (("Century", ("frame", "breakSeq")), ("FrameHighest", ("frame",))):
        seen: dict[tuple[Any, ...], int] = {}
        for v in (v for v in values if v["kind"] == kind):
            key = tuple(v[f] for f in fields)
            assert v["revision"] == seen.get(key, 0) + 1, (kind, key)
            seen[key] = v["revision"]
    assert kit.dead_letters() == []


def _breaks(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = snapshot["advancedSportStatistics"]["breaksStatistics"]["breaks"]
    return found


def test_a_corrected_century_is_revised_also_below_a_hundred() -> None:
    match = generate_match("snooker", 5, 0)
    last = json.loads(match.statistics[-1])
    century = next(b for b in _breaks(last) if b["score"] >= 100 and b["endTimestamp"])
    kit = Kit(snooker_breaks.PROCESSOR)
    kit.packets(Sport.SNOOKER, match.statistics, Stream.STATISTICS)
    before = len(kit.values(HIGHLIGHTS))

    corrected = copy.deepcopy(last)
    corrected["seqNum"] = last["seqNum"] + 1
    row = next(
        b
        for b in _breaks(corrected)
        if (b["periodNumber"], b["breakSeq"]) == (century["periodNumber"], century["breakSeq"])
    )
    row["score"] = 92
    new = kit.packets(Sport.SNOOKER, [corrected], Stream.STATISTICS)
    revised = [r.value for r in new if r.value["kind"] == "Century"]
    assert [(v["frame"], v["breakSeq"], v["points"], v["revision"]) for v in revised] == [
        (century["periodNumber"], century["breakSeq"], 92, 2)
    ]
    # The same snapshot again is a duplicate: nothing more.
    assert kit.packets(Sport.SNOOKER, [corrected], Stream.STATISTICS) == []
    assert len(kit.values(HIGHLIGHTS)) == before + len(new)


def test_scoring_runs_in_a_generated_match_are_unanswered_runs_of_eight_or_more() -> None:
    kit = Kit(scoring_runs.PROCESSOR, builtins=True)
    for seed in range(1, 4):
        kit.match(Sport.BASKETBALL, seed=seed)
    changes = kit.values(topics.SCORE_CHANGES)
    runs = kit.values(RUNS)
    # Re-derive every run from the score changes alone.
    expected: list[tuple[str, str, int, int]] = []
    by_fixture: dict[str, list[dict[str, Any]]] = {}
    for change in changes:
        by_fixture.setdefault(change["fixtureId"], []).append(change)
    for fixture_id, items in by_fixture.items():
        side, points, started = None, 0, False
        for c in (c for c in items if c["period"] is not None):
            dh, da = c["homeScore"] - c["previousHomeScore"], c["awayScore"] - c["previousAwayScore"]
            if (dh, da) == (0, 0):
                continue  # a period's own score, the match score unchanged
            scorer = "home" if dh > 0 else "away"
            if scorer != side:
                if started:
                    expected.append((fixture_id, "RunEnded", side or "", points))
                side, points, started = scorer, 0, False
            points += max(dh, da)
            if not started and points >= scoring_runs.RUN_POINTS:
                started = True
                expected.append((fixture_id, "RunStarted", scorer, points))
        if started:
            expected.append((fixture_id, "RunEnded", side or "", points))
    got = [(v["fixtureId"], v["eventType"], v["side"], v["points"]) for v in runs]
    assert got and got == expected
    assert all(v["points"] >= scoring_runs.RUN_POINTS for v in runs)


def _packet(seq: int, home: int, away: int, *, finished: bool = False) -> dict[str, Any]:
    return {
        "version": 2,
        "finished": finished,
        "fixtureAction": {
            "actionId": f"a{seq}",
            "fixtureId": "fx-runs",
            "fixtureSeqNum": seq,
            "fixtureActionTypeId": 2,
            "fixtureActionType": "2PT made",
            "sendType": "Confirmed",
            "sendTypeId": 5,
            "period": 1,
            "clockTime": "05:00",
            "timestamp": "2026-01-01T19:00:00Z",
        },
        "fixtureSummary": {"homeTeamScore": home, "awayTeamScore": away, "currentPeriod": 1},
    }


def test_a_hand_written_run_starts_at_eight_nil_and_ends_when_answered() -> None:
    kit = Kit(scoring_runs.PROCESSOR)
    scores = [(2, 0), (2, 3), (5, 3), (7, 3), (9, 3), (11, 3), (13, 3), (13, 5)]
    kit.packets(Sport.BASKETBALL, [_packet(seq, h, a) for seq, (h, a) in enumerate(scores, start=1)])
    got = [(v["eventType"], v["side"], v["points"], v["startHomeScore"], v["awayScore"]) for v in kit.values(RUNS)]
    # 2-3, then home scores 3+2+2+2 = 9 unanswered (past 8 at once), then 2 more before the away side answers.
    assert got == [("RunStarted", "home", 9, 2, 3), ("RunEnded", "home", 11, 2, 5)]
    assert kit.values(RUNS)[1]["endReason"] == "answered"
