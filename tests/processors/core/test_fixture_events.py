"""Fixture events: status, collection status, periods starting and ending, finished; and their order."""

from __future__ import annotations

from ddeflow.dde.enums import SendType
from ddeflow.processors.core import FixtureEventType
from tests.processors.core._micros import micros
from tests.processors.core.builders import Run, event_names, fixture_events, packet, period, summary

K = SendType.CONFIRMED


def test_first_status_is_a_change_from_null_and_repeats_are_not() -> None:
    run = Run()
    first = fixture_events(run.feed(packet(1, "a", K, summary(status="Scheduled"))))
    assert [(e.event_type, e.previous, e.current) for e in first] == [
        (FixtureEventType.STATUS_CHANGED, None, "Scheduled")
    ]
    assert first[0].at_us == micros(packet(1).fixture_action.timestamp)
    assert first[0].cause_action_id == "a" and first[0].fixture_seq_num == 1
    assert first[0].key == "fx-1" and first[0].topic() == "dde.fixture-events"
    assert fixture_events(run.feed(packet(2, "b", K, summary(status="Scheduled")))) == []
    changed = fixture_events(run.feed(packet(3, "c", K, summary(status="LineUps"))))
    assert [(e.previous, e.current) for e in changed] == [("Scheduled", "LineUps")]


def test_an_absent_status_is_not_stated_and_changes_nothing() -> None:
    run = Run()
    run.feed(packet(1, "a", K, summary(status="Live", collection="CollectingLive")))
    assert fixture_events(run.feed(packet(2, "b", K, summary(status=None, collection=None)))) == []
    assert run.fixture().status == "Live"
    again = fixture_events(run.feed(packet(3, "c", K, summary(status="Live", collection="CollectingLive"))))
    assert again == []


def test_collection_status_changes() -> None:
    run = Run()
    run.feed(packet(1, "a", K, summary(status="Live", collection="CollectingLive")))
    out = fixture_events(run.feed(packet(2, "b", K, summary(status="Live", collection="CollectionDropped"))))
    assert [(e.event_type, e.previous, e.current) for e in out] == [
        (FixtureEventType.COLLECTION_STATUS_CHANGED, "CollectingLive", "CollectionDropped")
    ]


def test_periods_start_and_end() -> None:
    run = Run()
    run.feed(packet(1, "a", K, summary(status="Live")))
    # a period listed without a start has not started
    assert fixture_events(run.feed(packet(2, "b", K, summary(0, 0, period(1, started=False))))) == []
    started = fixture_events(run.feed(packet(3, "c", K, summary(0, 0, period(1, label="Q1")))))
    assert [(e.event_type, e.period, e.current, e.period_type) for e in started] == [
        (FixtureEventType.PERIOD_STARTED, 1, "Q1", "Regular")
    ]
    assert started[0].at_us == micros(period(1).start)
    assert fixture_events(run.feed(packet(4, "d", K, summary(0, 0, period(1))))) == []
    ended = fixture_events(run.feed(packet(5, "e", K, summary(0, 0, period(1, ended=True)))))
    assert [(e.event_type, e.period) for e in ended] == [(FixtureEventType.PERIOD_ENDED, 1)]
    assert ended[0].at_us == micros(period(1, ended=True).end)
    assert fixture_events(run.feed(packet(6, "f", K, summary(0, 0, period(1, ended=True))))) == []


def test_order_within_one_packet() -> None:
    run = Run()
    run.feed(packet(1, "a", K, summary(status="Live", collection="CollectingLive")))
    run.feed(packet(2, "b", K, summary(0, 0, period(1), period(2))))
    # one packet ends periods 1 and 2, changes both statuses, starts period 3 and finishes
    last = packet(
        3,
        "c",
        K,
        summary(0, 0, period(2, ended=True), period(1, ended=True), period(3), status="Completed", collection="Done"),
        finished=True,
    )
    assert event_names(run.feed(last)) == [
        "PeriodEnded:1",
        "PeriodEnded:2",
        "StatusChanged:Completed",
        "CollectionStatusChanged:Done",
        "PeriodStarted:3",
        "Finished:None",
    ]


def test_a_late_first_summary_covering_the_whole_match() -> None:
    run = Run()
    run.feed(packet(1, "a", K, summary(status="Scheduled")))
    out = run.feed(
        packet(
            99,
            "z",
            K,
            summary(90, 80, period(2, ended=True), period(1, ended=True), status="Completed"),
            finished=True,
        )
    )
    assert event_names(out) == [
        "StatusChanged:Completed",
        "PeriodStarted:1",
        "PeriodEnded:1",
        "PeriodStarted:2",
        "PeriodEnded:2",
        "Finished:None",
    ]


def test_finished_is_emitted_once() -> None:
    run = Run()
    run.feed(packet(1, "a", K, summary(status="Live")))
    first = run.feed(packet(2, "end", K, summary(status="Completed"), finished=True))
    assert event_names(first) == ["StatusChanged:Completed", "Finished:None"]
    finished = fixture_events(first)[-1]
    assert finished.cause_action_id == "end" and finished.fixture_seq_num == 2
    later = run.feed(
        packet(3, "check", K, summary(status="Completed"), finished=True),
        packet(4, "again", K, summary(status="Completed"), finished=True),
    )
    assert fixture_events(later) == []
    assert run.fixture().finished


def test_stale_and_duplicate_summaries_emit_no_events() -> None:
    run = Run()
    run.feed(packet(5, "a", K, summary(0, 0, period(1), status="Live"), finished=False))
    out = run.feed(
        packet(3, "old", K, summary(0, 0, period(1, ended=True), status="Completed"), finished=True),
        packet(5, "a", K, summary(0, 0, period(1), status="Live")),
    )
    assert fixture_events(out) == []
    assert not run.fixture().finished


def test_a_period_reopened_then_ended_again_is_reported_again() -> None:
    run = Run()
    run.feed(packet(1, "a", K, summary(0, 0, period(1, ended=True))))
    assert fixture_events(run.feed(packet(2, "undo", SendType.DELETED, summary(0, 0, period(1))))) == []
    again = fixture_events(run.feed(packet(3, "redo", K, summary(0, 0, period(1, ended=True)))))
    assert [(e.event_type, e.period) for e in again] == [(FixtureEventType.PERIOD_ENDED, 1)]
