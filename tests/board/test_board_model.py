"""The board's rows, folded from a known set of derived records, and drawn: pure, no I/O."""

from __future__ import annotations

import io
import re

from rich.console import Console

from ddeflow import topics
from ddeflow.board import model, render
from ddeflow.board.model import Derived, FeedStatus
from ddeflow.board.pipeline import Figures
from tests.board.records import AWAY, HOME, SOCCER, T0, VOLLEY, event, known_records, score


def test_rows_hold_score_period_clock_last_event_and_corrections() -> None:
    board = model.build(known_records())
    volley, soccer = board.rows[VOLLEY], board.rows[SOCCER]
    assert (volley.sport, volley.status, volley.period, volley.clock) == ("volleyball", "InProgress", 1, "09:10")
    assert render.score(volley) == "0-0 (1st set: 7-4)"
    assert model.change_text(volley, volley.last_change) == "1st set: 6-4 → 7-4"
    assert volley.teams == (HOME, AWAY) and (volley.score_changes, volley.corrections) == (2, 0)
    # The throw-in (seq 11) is read after the deleted goal (seq 12): clock and last event stay on the later one.
    assert (soccer.clock, soccer.last_event, soccer.period) == ("62:27", "Goal (Deleted)", 2)
    assert render.score(soccer) == "0-0 (2nd half: 0-0)"
    assert model.change_text(soccer, soccer.last_change) == "2nd half: 1-0 → 0-0, match: 1-0 → 0-0"
    assert soccer.corrections == 1 and soccer.latest_correction is not None
    assert model.correction_text(soccer) == "2nd half: 1-0 → 0-0, match: 1-0 → 0-0 (Deleted)"


def test_a_change_of_the_match_score_alone_says_so_and_period_names_default_per_sport() -> None:
    records = [Derived(topics.SCORE_CHANGES, score("f", "basketball", 3, (10, 8, 10, 9), (2, 4, 4, 4, 4)), T0)]
    row = model.build(records).rows["f"]
    assert model.change_text(row, row.last_change) == "match: 10-8 → 10-9"
    assert render.score(row) == "10-9 (quarter 2: 4-4)"


def _feed(fixture: str, stream: str, state: str, since: str) -> dict[str, object]:
    """A ``dde.feed-status`` value (schemas/feed_status.avsc on the feed branch) as decode.view shows it."""
    return {"fixtureId": fixture, "sport": "soccer", "stream": stream, "state": state, "since": since}


def test_feed_status_per_stream_and_filters() -> None:
    feed = "dde.feed-status"
    since = "2026-09-22T12:00:00Z"
    since_ms = 1_790_078_400_000
    records = [
        *known_records(),
        Derived(feed, _feed(SOCCER, "actions", "up", since), T0),
        Derived(feed, _feed(SOCCER, "statistics", "down", since), T0 + 20_000),
        Derived(feed, _feed(VOLLEY, "actions", "unknown", since), T0 + 20_000),
    ]
    board = model.build(records, feed_topic=feed)
    assert board.rows[SOCCER].feed["statistics"] == FeedStatus(SOCCER, "down", since_ms, "statistics")
    assert render.feed(board.rows[SOCCER], since_ms + 12_500) == "down 12 s"  # any stream down: the fixture is
    assert render.feed(board.rows[VOLLEY], T0) == "—"
    ended = model.build([*records, Derived(feed, _feed(SOCCER, "statistics", "finished", since), T0)], feed)
    assert render.feed(ended.rows[SOCCER], T0) == "up"  # actions still up
    both = model.build(
        [*records, *(Derived(feed, _feed(SOCCER, s, "finished", since), T0) for s in ("actions", "statistics"))], feed
    )
    assert render.feed(both.rows[SOCCER], T0) == "finished"
    assert [r.fixture_id for r in model.selected(board, sport="soccer")] == [SOCCER]
    assert [r.fixture_id for r in model.selected(board, fixture=VOLLEY[:8])] == [VOLLEY]
    # Without a feed topic configured, its records change nothing.
    assert model.build(records).rows[SOCCER].feed == {}


def _text(renderable: object, *, terminal: bool) -> str:
    console = Console(record=True, width=220, file=io.StringIO(), force_terminal=terminal)
    console.print(renderable)
    return console.export_text()


def test_the_rendered_table_has_one_row_per_fixture_with_its_cells() -> None:
    board = model.build(known_records())
    names = {VOLLEY: "Lions v Tigers"}
    now = T0 + 12_000  # two seconds after the soccer correction: it is highlighted
    text = _text(render.screen(board.ordered(), Figures(dlq=2, lag=7), now, names), terminal=True)
    lines = [line for line in text.splitlines() if line[:1] in "│┃"]
    header, *rows = [[cell.strip() for cell in re.split("[│┃]", line)[1:-1]] for line in lines]
    assert header == list(render.COLUMNS)
    by_sport = {row[0]: row for row in rows}
    assert set(by_sport) == {"soccer", "volleyball"}
    assert by_sport["volleyball"][1:8] == [
        "Lions v Tigers",
        "InProgress",
        "1st set",
        "09:10",
        "0-0 (1st set: 7-4)",
        "1st set: 6-4 → 7-4",
        "Point",
    ]
    assert by_sport["volleyball"][8:] == ["0", "—"]
    assert by_sport["soccer"][1] == f"{HOME[:8]} / {AWAY[:8]}"
    assert by_sport["soccer"][6:] == ["2nd half: 1-0 → 0-0, match: 1-0 → 0-0 (Deleted)", "Goal (Deleted)", "1 NEW", "—"]
    assert "DLQ 2 · lag 7" in text and "dropped — (no --metrics-url)" in text
    later = _text(render.table(board.ordered(), T0 + 60_000, names), terminal=True)
    assert "NEW" not in later and "(Deleted)" not in later.replace("Goal (Deleted)", "")


def test_plain_lines_off_a_terminal() -> None:
    board = model.build(known_records())
    lines = [render.plain_line(row, T0, {}) for row in board.ordered()]
    assert lines[0].startswith("soccer | ") and lines[1].startswith("volleyball | ")
    assert lines[1].split(" | ")[5:7] == ["0-0 (1st set: 7-4)", "1st set: 6-4 → 7-4"]
    assert all("│" not in line and "\x1b" not in line for line in lines)


def test_a_period_named_after_its_score_change_names_the_change_too() -> None:
    change = Derived(topics.SCORE_CHANGES, score("b", "basketball", 7, (50, 55, 50, 57), (3, 0, 0, 0, 2)), T0)
    started = Derived(topics.FIXTURE_EVENTS, event("b", "basketball", 6, "PeriodStarted", "3rd quarter", 3), T0)
    early = model.build([change]).rows["b"]
    assert render.last_change(early, T0) == "quarter 3: 0-0 → 0-2, match: 50-55 → 50-57"
    row = model.build([change, started]).rows["b"]  # the topics are read side by side: the label came later
    assert render.last_change(row, T0) == "3rd quarter: 0-0 → 0-2, match: 50-55 → 50-57"


def test_events_name_periods_and_a_later_status_wins() -> None:
    records = [
        Derived(topics.FIXTURE_EVENTS, event("s", "snooker", 5, "PeriodStarted", "3rd frame", 3), T0),
        Derived(topics.FIXTURE_EVENTS, event("s", "snooker", 9, "StatusChanged", "Completed"), T0),
        Derived(topics.FIXTURE_EVENTS, event("s", "snooker", 9, "Finished", None), T0),
    ]
    row = model.build(records).rows["s"]
    assert (row.period, row.period_name(3), row.status, row.last_event) == (3, "3rd frame", "Completed", "finished")
