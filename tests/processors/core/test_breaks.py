"""Break completions from snooker statistics snapshots."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

from ddeflow.dde.parse import parse_statistics_packet
from ddeflow.processors.core import AnomalyKind, BreakCompletion, Disposition, StatisticsVerdict
from tests.dde.samples import sample_bytes
from tests.processors.core._micros import micros
from tests.processors.core.builders import Run, brk, snapshot


def _ids(records: list[BreakCompletion]) -> list[tuple[int, int, int, int]]:
    """(frame, breakSeq, points, revision) of each record."""
    return [(r.frame, r.break_seq, r.points, r.revision) for r in records]


def _verdict(run: Run) -> StatisticsVerdict:
    verdict = run.verdicts[-1]
    assert isinstance(verdict, StatisticsVerdict)
    return verdict


def test_the_sample_snapshot_emits_each_scoring_break_once_in_frame_order() -> None:
    data = sample_bytes("snooker-statistics.json")
    wire: dict[str, Any] = json.loads(data)
    rows = wire["advancedSportStatistics"]["breaksStatistics"]["breaks"]
    expected = sorted((b["periodNumber"], b["breakSeq"], b["score"], 1) for b in rows if b["score"] > 0)

    run = Run()
    out = run.snapshots(parse_statistics_packet(data), received_at_us=42)
    assert _ids(out) == expected
    assert len(out) == 9 and all(r.points > 0 for r in out)
    first = out[0]
    row = next(b for b in rows if (b["periodNumber"], b["breakSeq"]) == (1, 1))
    assert first.player_id == row["playerId"] and first.player_name == row["playerName"]
    balls = row["pottedBalls"]
    assert (first.potted_balls.red, first.potted_balls.pink, first.potted_balls.black) == (
        balls["redBalls"],
        balls["pinkBalls"],
        balls["blackBalls"],
    )
    assert first.statistics_seq_num == wire["seqNum"] and first.received_at_us == 42
    assert first.key == wire["fixtureId"] and first.topic() == "dde.snooker.break-completions"
    # the same snapshot again (a re-delivery) emits nothing; a later copy with the same content neither
    assert run.snapshots(parse_statistics_packet(data)) == []
    assert _verdict(run).snapshot is Disposition.DUPLICATE
    later = data.replace(b'"seqNum": 405', b'"seqNum": 406')
    assert later != data
    assert run.snapshots(parse_statistics_packet(later)) == []
    assert _verdict(run).snapshot is Disposition.APPLIED


def test_in_progress_and_zero_point_breaks_are_not_emitted() -> None:
    run = Run()
    out = run.snapshots(snapshot(1, brk(1, 1, 0), brk(1, 2, 12, ended=False)))
    assert out == []
    ended = run.snapshots(snapshot(2, brk(1, 1, 0), brk(1, 2, 30), brk(1, 3, 0, ended=False)))
    assert _ids(ended) == [(1, 2, 30, 1)]
    assert ended[0].ended_at_us == micros(brk(1, 2, 30).end_timestamp)
    assert ended[0].started_at_us == micros(brk(1, 2, 30).start_timestamp)


def test_a_changed_break_is_emitted_again_with_a_higher_revision() -> None:
    run = Run()
    other = brk(2, 1, 7)
    run.snapshots(snapshot(1, brk(1, 1, 40), other))
    # points
    assert _ids(run.snapshots(snapshot(2, brk(1, 1, 44), other))) == [(1, 1, 44, 2)]
    # player
    first = brk(1, 1, 44, player="p-2", name="Joe Charles")
    out = run.snapshots(snapshot(3, first, other))
    assert _ids(out) == [(1, 1, 44, 3)] and out[0].player_id == "p-2"
    # end time
    end = other.end_timestamp
    assert end is not None
    other = replace(other, end_timestamp=end + timedelta(microseconds=1))
    assert _ids(run.snapshots(snapshot(4, first, other))) == [(2, 1, 7, 2)]
    # potted balls, same points
    assert (other.potted_balls.red, other.potted_balls.black) == (7, 0)
    other = replace(other, potted_balls=replace(other.potted_balls, red=0, black=1))
    assert _ids(run.snapshots(snapshot(5, first, other))) == [(2, 1, 7, 3)]
    # nothing changed
    assert run.snapshots(snapshot(6, first, other)) == []


def test_a_correction_to_zero_points_is_emitted_as_a_revision() -> None:
    run = Run()
    run.snapshots(snapshot(1, brk(3, 2, 15)))
    out = run.snapshots(snapshot(2, brk(3, 2, 0)))
    assert _ids(out) == [(3, 2, 0, 2)]


def test_stale_snapshots_are_dropped() -> None:
    run = Run()
    run.snapshots(snapshot(10, brk(1, 1, 50)))
    assert run.snapshots(snapshot(9, brk(1, 1, 20), brk(1, 2, 60))) == []
    assert _verdict(run).snapshot is Disposition.STALE
    assert run.counters().get("statistics.stale") == 1
    out = run.snapshots(snapshot(11, brk(1, 1, 50), brk(1, 2, 60)))
    assert _ids(out) == [(1, 2, 60, 1)]


def test_a_disappearing_break_is_counted_not_emitted_and_keeps_its_revision() -> None:
    run = Run()
    run.snapshots(snapshot(1, brk(1, 1, 50), brk(1, 2, 9)))
    assert run.snapshots(snapshot(2, brk(1, 2, 9))) == []
    verdict = _verdict(run)
    assert [a.kind for a in verdict.anomalies] == [AnomalyKind.BREAK_DISAPPEARED]
    assert "frame 1 break 1" in verdict.anomalies[0].detail
    # it comes back changed: next revision; back unchanged would emit nothing
    assert _ids(run.snapshots(snapshot(3, brk(1, 1, 51), brk(1, 2, 9)))) == [(1, 1, 51, 2)]


def test_an_emitted_break_back_in_progress_is_flagged() -> None:
    run = Run()
    run.snapshots(snapshot(1, brk(1, 1, 50)))
    assert run.snapshots(snapshot(2, brk(1, 1, 50, ended=False))) == []
    assert [a.kind for a in _verdict(run).anomalies] == [AnomalyKind.BREAK_LOST_END]
    assert run.snapshots(snapshot(3, brk(1, 1, 50))) == []


def test_a_snapshot_without_breaks_says_nothing_about_them() -> None:
    run = Run()
    run.snapshots(snapshot(1, brk(1, 1, 50)))
    assert run.snapshots(snapshot(2, with_breaks_block=False)) == []
    assert _verdict(run).anomalies == ()
    assert run.snapshots(snapshot(3, brk(1, 1, 50))) == []


def test_a_break_listed_twice_counts_once() -> None:
    run = Run()
    out = run.snapshots(snapshot(1, brk(2, 1, 30), brk(1, 1, 8), brk(2, 1, 99)))
    assert _ids(out) == [(1, 1, 8, 1), (2, 1, 30, 1)]
    assert [a.kind for a in _verdict(run).anomalies] == [AnomalyKind.DUPLICATE_BREAK]


def test_emission_order_does_not_depend_on_snapshot_order() -> None:
    breaks = [brk(f, s, 10 * f + s) for f in (1, 2, 3) for s in (1, 2)]
    forward, backward = Run(), Run()
    assert forward.snapshots(snapshot(1, *breaks)) == backward.snapshots(snapshot(1, *reversed(breaks)))
    assert forward.statistics == backward.statistics


def test_a_break_in_progress_on_the_wire_is_emitted_once_it_ends() -> None:
    wire: dict[str, Any] = json.loads(sample_bytes("snooker-statistics.json"))
    rows = wire["advancedSportStatistics"]["breaksStatistics"]["breaks"]
    last_scoring = max((b for b in rows if b["score"] > 0), key=lambda b: (b["periodNumber"], b["breakSeq"]))
    end = last_scoring["endTimestamp"]
    last_scoring["endTimestamp"] = None
    in_progress = json.dumps({**wire, "seqNum": 400}).encode()
    last_scoring["endTimestamp"] = end
    ended = json.dumps({**wire, "seqNum": 401}).encode()

    run = Run()
    first = run.snapshots(parse_statistics_packet(in_progress))
    key = (last_scoring["periodNumber"], last_scoring["breakSeq"])
    assert key not in {(r.frame, r.break_seq) for r in first} and len(first) == 8
    second = run.snapshots(parse_statistics_packet(ended))
    assert _ids(second) == [(*key, last_scoring["score"], 1)]
