"""`make demo`'s closing summary, from known inputs (the demo itself runs for about two minutes: `make demo`)."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from ddeflow.board.model import Board, FixtureRow
from scripts.demo import Match, RawCount, fixture_table, raw_counts, verdict


def _action(fixture: str, seq: int) -> dict[str, Any]:
    return {"fixtureAction": {"fixtureId": fixture, "fixtureSeqNum": seq}}


def test_raw_counts_count_each_streams_repeats_per_fixture() -> None:
    records = [
        ("p.dde.raw.snooker.actions", _action("s", 1)),
        ("p.dde.raw.snooker.actions", _action("s", 1)),  # re-sent
        ("p.dde.raw.snooker.statistics", {"fixtureId": "s", "seqNum": 1}),  # another stream: not a repeat
        ("p.dde.raw.snooker.statistics", {"fixtureId": "s", "seqNum": 1}),
        ("p.dde.raw.soccer.actions", _action("f", 1)),
        ("p.dde.raw.soccer.actions", "not json"),
    ]
    assert raw_counts(records) == {"s": RawCount(4, 2), "f": RawCount(1, 0)}


def _match(sport: str = "soccer", **truth: Any) -> Match:
    final = {"homeScore": 2, "awayScore": 0, "status": "Completed"}
    return Match("f", sport, "Home v Away", {"final": final, **truth})


def test_the_verdict_names_what_differs_from_the_truth() -> None:
    row = FixtureRow("f", sport="soccer", status="Completed", home=2, away=0)
    assert verdict(row, _match()) == "yes"
    assert verdict(None, _match()) == "no: nothing derived (truth 2-0)"
    wrong = FixtureRow("f", sport="soccer", status="Live", home=1, away=0)
    assert verdict(wrong, _match()) == "no: score, truth 2-0; status 'Live', truth Completed"
    snooker = FixtureRow("f", sport="snooker", status="Completed", home=2, away=0, breaks=3)
    assert verdict(snooker, _match("snooker", breaks=[{}, {}])) == "no: 3 breaks, truth 2"


def test_the_fixture_table_has_a_row_per_match() -> None:
    row = FixtureRow("f", sport="soccer", status="Completed", home=2, away=0, score_changes=4, corrections=1)
    console = Console(record=True, width=200, file=io.StringIO())
    console.print(fixture_table(Board({"f": row}), {"f": RawCount(447, 8)}, {"f": 2}, {"f": _match()}))
    (line,) = [line for line in console.export_text().splitlines() if "Home v Away" in line]
    cells = [cell.strip() for cell in line.split("│")[1:-1]]
    assert cells == ["soccer", "Home v Away", "447", "8", "2", "4 (1)", "", "2-0 Completed", "yes"]
