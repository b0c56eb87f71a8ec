"""Score changes, from the applied summaries only: every sport, periods opening, multi-period, corrections."""

from __future__ import annotations

import pytest

from ddeflow.dde.enums import SendType
from ddeflow.dde.sports import Sport
from ddeflow.processors.core import ScoreChange
from tests.processors.core._micros import micros
from tests.processors.core.builders import Run, packet, period, score_changes, summary

K = SendType.CONFIRMED


def _rows(changes: list[ScoreChange]) -> list[tuple[int, tuple[int, int], tuple[int, int], tuple[int, int], bool]]:
    """(period, match before->after as (h,a) pairs flattened into before/after, period after, correction)."""
    return [
        (
            c.period,
            (c.previous_home_score, c.previous_away_score),
            (c.home_score, c.away_score),
            (c.home_period_score, c.away_period_score),
            c.is_correction,
        )
        for c in changes
    ]


def test_a_basket_changes_match_and_period_score() -> None:
    run = Run()
    run.feed(packet(1, "start", K, summary(0, 0, period(1))))
    out = score_changes(run.feed(packet(2, "shot", K, summary(2, 0, period(1, 2, 0)), type_name="2PT Shot")))
    assert len(out) == 1
    change = out[0]
    assert (change.previous_home_period_score, change.previous_away_period_score) == (0, 0)
    assert _rows(out) == [(1, (0, 0), (2, 0), (2, 0), False)]
    assert change.cause_action_id == "shot" and change.cause_send_type == "Confirmed"
    assert change.cause_action_type == "2PT Shot" and change.fixture_seq_num == 2
    assert change.key == "fx-1" and change.topic() == "dde.score-changes"


def test_feed_timestamp_and_received_at_are_carried() -> None:
    run = Run()
    p = packet(2, "shot", K, summary(0, 3, period(1, 0, 3)))
    change = score_changes(run.feed(p, received_at_us=1_772_388_000_123_456))[0]
    assert change.feed_timestamp_us == micros(p.fixture_action.timestamp)
    assert change.received_at_us == 1_772_388_000_123_456


def test_no_change_no_record() -> None:
    run = Run()
    run.feed(packet(1, "a", K, summary(2, 2, period(1, 2, 2))))
    assert score_changes(run.feed(packet(2, "b", K, summary(2, 2, period(1, 2, 2))))) == []


def test_a_fixture_starts_at_nil_and_a_period_opening_at_nil_is_not_a_change() -> None:
    run = Run()
    assert score_changes(run.feed(packet(1, "a", K, summary(0, 0)))) == []
    assert score_changes(run.feed(packet(2, "b", K, summary(0, 0, period(1))))) == []
    run.feed(packet(3, "c", K, summary(10, 8, period(1, 10, 8))))
    opened = run.feed(packet(4, "d", K, summary(10, 8, period(1, 10, 8, ended=True), period(2))))
    assert score_changes(opened) == []


def test_one_record_per_changed_period_in_ascending_order() -> None:
    run = Run()
    run.feed(packet(1, "a", K, summary(20, 20, period(1, 10, 12), period(2, 10, 8))))
    # a correction moves 2 points from period 1 to period 2 and fixes an away point in period 1
    out = score_changes(
        run.feed(packet(2, "fix", SendType.UPDATED, summary(20, 19, period(2, 12, 8), period(1, 8, 11))))
    )
    assert _rows(out) == [
        (1, (20, 20), (20, 19), (8, 11), True),
        (2, (20, 20), (20, 19), (12, 8), True),
    ]
    assert [(c.previous_home_period_score, c.previous_away_period_score) for c in out] == [(10, 12), (10, 8)]
    assert {c.cause_send_type for c in out} == {"Updated"}


def test_match_score_only_change_uses_the_current_period_with_its_scores_unchanged() -> None:
    run = Run(sport=Sport.SOCCER)
    run.feed(packet(1, "a", K, summary(0, 0, period(1), period(2, 0, 0))))
    # the feed moves the match score without touching any period's own score
    out = score_changes(run.feed(packet(2, "goal", K, summary(1, 0, period(1), period(2)), type_id=100)))
    assert _rows(out) == [(2, (0, 0), (1, 0), (0, 0), False)]
    assert (out[0].previous_home_period_score, out[0].previous_away_period_score) == (0, 0)


def test_match_score_only_change_without_any_current_period_uses_period_zero() -> None:
    run = Run(sport=Sport.SOCCER)
    out = score_changes(run.feed(packet(1, "goal", K, summary(0, 1, current_period=None))))
    assert _rows(out) == [(0, (0, 0), (0, 1), (0, 0), False)]


@pytest.mark.parametrize(
    ("send", "after", "correction"),
    [
        (SendType.CONFIRMED, (5, 2), False),
        (SendType.CONFIRMED, (3, 2), True),  # a decrease is a correction, whatever the sendType
        (SendType.UPDATED, (5, 2), True),
        (SendType.UPDATED, (3, 2), True),
        (SendType.DELETED, (3, 2), True),
        (SendType.RESTORED, (5, 2), True),
        (SendType.PENDING, (5, 2), False),
    ],
)
def test_corrections(send: SendType, after: tuple[int, int], correction: bool) -> None:
    run = Run()
    run.feed(packet(1, "a", K, summary(4, 2, period(1, 4, 2))))
    out = score_changes(run.feed(packet(2, "b", send, summary(*after, period(1, *after)))))
    assert _rows(out) == [(1, (4, 2), after, after, correction)]


def test_a_period_score_going_down_alone_is_a_correction() -> None:
    run = Run()
    run.feed(packet(1, "a", K, summary(4, 2, period(1, 4, 2))))
    out = score_changes(run.feed(packet(2, "b", K, summary(4, 2, period(1, 3, 2)))))
    assert _rows(out) == [(1, (4, 2), (4, 2), (3, 2), True)]


def test_unknown_cause_send_type_is_named_with_its_id() -> None:
    run = Run()
    out = score_changes(run.feed(packet(1, "a", 9, summary(1, 0, period(1, 1, 0)))))
    assert out[0].cause_send_type == "Unknown(9)"


def test_a_period_that_disappears_with_points_is_a_correction_to_nil() -> None:
    run = Run()
    run.feed(packet(1, "a", K, summary(3, 0, period(1, 3, 0), period(2))))
    out = score_changes(run.feed(packet(2, "del", SendType.DELETED, summary(0, 0, period(2)))))
    assert _rows(out) == [(1, (3, 0), (0, 0), (0, 0), True)]
    assert (out[0].previous_home_period_score, out[0].previous_away_period_score) == (3, 0)


def test_first_summary_seen_late_reports_everything_from_nil() -> None:
    run = Run()
    out = score_changes(
        run.feed(packet(900, "end", K, summary(30, 25, period(1, 14, 10, ended=True), period(2, 16, 15, ended=True))))
    )
    assert _rows(out) == [(1, (0, 0), (30, 25), (14, 10), False), (2, (0, 0), (30, 25), (16, 15), False)]


def test_snooker_points_in_the_frame_then_frames_won() -> None:
    run = Run(sport=Sport.SNOOKER)
    frames = [
        packet(1, "s1", K, summary(0, 0, period(1)), type_id=6),
        packet(2, "s2", K, summary(0, 0, period(1, 1, 0)), type_id=301),  # red
        packet(3, "s3", K, summary(0, 0, period(1, 8, 0)), type_id=307),  # black
        packet(4, "s4", K, summary(0, 0, period(1, 8, 4)), type_id=301),  # foul points to away, say
        # frame 1 ends: frames 1-0; frame 2 opens at 0-0 and becomes current
        packet(5, "s5", K, summary(1, 0, period(1, 8, 4, ended=True), period(2)), type_id=7),
        packet(6, "s6", K, summary(1, 0, period(1, 8, 4, ended=True), period(2, 0, 5)), type_id=305),
    ]
    out = score_changes(run.feed_all(frames))
    assert _rows(out) == [
        (1, (0, 0), (0, 0), (1, 0), False),
        (1, (0, 0), (0, 0), (8, 0), False),
        (1, (0, 0), (0, 0), (8, 4), False),
        (2, (0, 0), (1, 0), (0, 0), False),  # frame won: match score only, reported on the current frame
        (2, (1, 0), (1, 0), (0, 5), False),
    ]
    assert {c.sport for c in out} == {Sport.SNOOKER}


def test_volleyball_points_in_the_set_and_sets_won() -> None:
    run = Run(sport=Sport.VOLLEYBALL)
    out = score_changes(
        run.feed(
            packet(1, "v1", K, summary(0, 0, period(1, 24, 23))),
            packet(2, "v2", K, summary(0, 0, period(1, 25, 23))),
            packet(3, "v3", K, summary(1, 0, period(1, 25, 23, ended=True), current_period=1)),
            packet(4, "v4", K, summary(1, 0, period(1, 25, 23, ended=True), period(2, 0, 1))),
        )
    )
    assert _rows(out) == [
        (1, (0, 0), (0, 0), (24, 23), False),
        (1, (0, 0), (0, 0), (25, 23), False),
        (1, (0, 0), (1, 0), (25, 23), False),
        (2, (1, 0), (1, 0), (0, 1), False),
    ]


def test_the_match_score_going_down_alone_is_a_correction() -> None:
    run = Run(sport=Sport.SOCCER)
    run.feed(packet(1, "a", K, summary(2, 0, current_period=1)))
    out = score_changes(run.feed(packet(2, "b", K, summary(1, 0, current_period=1))))
    assert _rows(out) == [(1, (2, 0), (1, 0), (0, 0), True)]
