"""Dedupe and order: only a newer fixtureSeqNum is applied, separately for the action and the summary."""

from __future__ import annotations

from ddeflow.dde.enums import SendType
from ddeflow.processors.core import AnomalyKind, Counters, Disposition, ScoreChange
from tests.processors.core.builders import (
    Run,
    action_records,
    fixture_events,
    packet,
    period,
    score_changes,
    summary,
)

K, U = SendType.CONFIRMED, SendType.UPDATED


def test_redelivery_of_the_same_packet_is_a_duplicate_and_emits_nothing() -> None:
    run = Run()
    p = packet(5, "a", K, summary(2, 0, period(1, 2, 0)))
    first = run.feed(p)
    again = run.feed(p)
    assert first and again == []
    verdict = run.last_verdict
    assert (verdict.action, verdict.summary) == (Disposition.DUPLICATE, Disposition.DUPLICATE)
    assert verdict.anomalies == ()
    assert run.fixture().home_score == 2 and run.action("a").revision == 1


def test_stale_packet_of_the_same_action_is_dropped_whole() -> None:
    run = Run()
    run.feed(packet(5, "a", SendType.PENDING), packet(6, "a", K, summary(3, 0, period(1, 3, 0))))
    assert run.feed(packet(5, "a", SendType.PENDING)) == []
    verdict = run.last_verdict
    assert (verdict.action, verdict.summary) == (Disposition.STALE, Disposition.STALE)
    assert run.action("a").status.value == "Confirmed" and run.action("a").fixture_seq_num == 6


def test_late_packet_new_for_its_action_but_stale_for_the_summary() -> None:
    run = Run()
    run.feed(packet(10, "a", K, summary(5, 2, period(1, 5, 2))))
    late = packet(7, "b", K, summary(1, 0, period(1, 1, 0)))  # reconciliation delivers an old packet
    out = run.feed(late)
    verdict = run.last_verdict
    assert (verdict.action, verdict.summary) == (Disposition.APPLIED, Disposition.STALE)
    assert [type(o).__name__ for o in out] == ["ActionStateRecord"]
    assert action_records(out)[0].fixture_seq_num == 7
    fixture = run.fixture()
    assert (fixture.home_score, fixture.away_score, fixture.summary_seq_num) == (5, 2, 10)


def test_stale_summaries_never_move_a_score_backwards() -> None:
    run = Run()
    run.feed(
        packet(1, "a1", K, summary(2, 0, period(1, 2, 0))),
        packet(4, "a4", K, summary(6, 3, period(1, 6, 3))),
    )
    # seq 2 and 3 arrive late (lower scores), then duplicates of everything
    out = run.feed(
        packet(2, "a2", K, summary(4, 0, period(1, 4, 0))),
        packet(3, "a3", K, summary(4, 3, period(1, 4, 3))),
        packet(1, "a1", K, summary(2, 0, period(1, 2, 0))),
        packet(4, "a4", K, summary(6, 3, period(1, 6, 3))),
    )
    assert score_changes(out) == [] and fixture_events(out) == []
    assert (run.fixture().home_score, run.fixture().away_score) == (6, 3)
    counters = run.counters()
    assert counters.get("summaries.stale") == 3
    assert counters.get("summaries.duplicate") == 1
    assert counters.get("actions.applied") == 4  # a1, a4, then the late a2 and a3
    assert counters.get("actions.duplicate") == 2


def test_duplicate_with_different_content_is_dropped_and_flagged() -> None:
    # Like the 2026 samples "224" and "225": same actionId and fixtureSeqNum, different type.
    run = Run()
    run.feed(packet(8, "reb", K, type_id=224, type_name="Offensive team rebound"))
    assert run.feed(packet(8, "reb", K, type_id=225, type_name="Defensive team rebound")) == []
    verdict = run.last_verdict
    assert verdict.action is Disposition.DUPLICATE
    assert [a.kind for a in verdict.anomalies] == [AnomalyKind.CONFLICTING_DUPLICATE]


def test_verdict_counter_keys_and_counters() -> None:
    run = Run()
    run.feed(packet(1, "a", K), packet(1, "a", K), packet(2, "a", U), packet(1, "a", K))
    assert [v.counter_keys() for v in run.action_verdicts()] == [
        ("actions.applied", "summaries.applied"),
        ("actions.duplicate", "summaries.duplicate"),
        ("actions.applied", "summaries.applied"),
        ("actions.stale", "summaries.stale"),
    ]
    counters = run.counters()
    assert counters.as_dict() == {
        "actions.applied": 2,
        "actions.duplicate": 1,
        "actions.stale": 1,
        "summaries.applied": 2,
        "summaries.duplicate": 1,
        "summaries.stale": 1,
    }
    assert counters.get("anomalies.no_prior_version") == 0
    assert Counters().add(run.verdicts[0]) == Counters().add(run.verdicts[2])


def test_score_changes_follow_fixture_seq_not_arrival() -> None:
    run = Run()
    out = run.feed(
        packet(3, "c", K, summary(3, 0, period(1, 3, 0))),
        packet(1, "a", K, summary(1, 0, period(1, 1, 0))),
        packet(5, "e", K, summary(5, 0, period(1, 5, 0))),
    )
    changes: list[ScoreChange] = score_changes(out)
    assert [(c.previous_home_score, c.home_score, c.fixture_seq_num) for c in changes] == [(0, 3, 3), (3, 5, 5)]
    assert not any(c.is_correction for c in changes)
