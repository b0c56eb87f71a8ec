"""Drawing the board: a rich table with a footer on a terminal, plain lines elsewhere.  Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ddeflow.board.model import FixtureRow, change_text, correction_text, feed_summary
from ddeflow.board.pipeline import Figures

HIGHLIGHT_MS = 5_000
"""How long the latest correction stands out after it was committed."""
COLUMNS = ("sport", "fixture", "status", "period", "clock", "score", "last change", "last event", "corr", "feed")


def teams(row: FixtureRow, names: Mapping[str, str]) -> str:
    """The fixture's name when known (e.g. from the fixture list), else its teams as the derived records name them."""
    if row.fixture_id in names:
        return names[row.fixture_id]
    shown = [row.team_names.get(team) or team[:8] for team in row.teams]
    return " / ".join(shown) if shown else row.fixture_id[:8]


def score(row: FixtureRow) -> str:
    if row.score_period is None:
        return f"{row.home}-{row.away}"
    return f"{row.home}-{row.away} ({row.period_name(row.score_period)}: {row.period_home}-{row.period_away})"


def feed(row: FixtureRow, now_ms: int) -> str:
    status = feed_summary(row)
    if status is None:
        return "—"
    if status.state == "down":
        return f"down {max(0, now_ms - status.since_ms) // 1000} s"
    return status.state


def fresh_correction(row: FixtureRow, now_ms: int) -> bool:
    return row.latest_correction is not None and now_ms - row.latest_correction.at_ms < HIGHLIGHT_MS


def corrections(row: FixtureRow, now_ms: int) -> str:
    return f"{row.corrections} NEW" if fresh_correction(row, now_ms) else str(row.corrections)


def last_change(row: FixtureRow, now_ms: int) -> str:
    """The latest score change; while a correction is fresh, the correction with its cause."""
    if fresh_correction(row, now_ms):
        return correction_text(row)
    return change_text(row, row.last_change)


def cells(row: FixtureRow, now_ms: int, names: Mapping[str, str]) -> tuple[str, ...]:
    return (
        row.sport,
        teams(row, names),
        row.status,
        row.period_name(row.period) if row.period is not None else "",
        row.clock,
        score(row),
        last_change(row, now_ms),
        row.last_event,
        corrections(row, now_ms),
        feed(row, now_ms),
    )


def footer(figures: Figures) -> str:
    def num(value: float | int | None, unit: str = "") -> str:
        return "—" if value is None else f"{value:,.0f}{unit}"

    drops = figures.dropped
    dropped = "— (no --metrics-url)" if drops is None else f"{drops.duplicates:,} duplicate, {drops.stale:,} stale"
    return (
        f"in {num(figures.packets_in_per_s)} packets/s · out {num(figures.records_out_per_s)} records/s · "
        f"dropped {dropped} · DLQ {figures.dlq:,} · lag {num(figures.lag)} · "
        f"delay p50 {num(figures.delay_p50_ms, ' ms')}, p99 {num(figures.delay_p99_ms, ' ms')}"
    )


def table(rows: Sequence[FixtureRow], now_ms: int, names: Mapping[str, str]) -> Table:
    grid = Table(expand=False, header_style="bold")
    for column in COLUMNS:
        grid.add_column(column, overflow="fold")
    for row in rows:
        style = "bold white on red" if fresh_correction(row, now_ms) else None
        text = feed(row, now_ms)
        feed_cell = Text(text, style="bold red" if text.startswith("down") else "")
        grid.add_row(*cells(row, now_ms, names)[:-1], feed_cell, style=style)
    return grid


def screen(
    rows: Sequence[FixtureRow], figures: Figures, now_ms: int, names: Mapping[str, str], title: str | None = None
) -> Group:
    parts = [Text(title, style="bold")] if title else []
    return Group(*parts, table(rows, now_ms, names), Text(footer(figures), style="dim"))


def plain_line(row: FixtureRow, now_ms: int, names: Mapping[str, str]) -> str:
    """One row as text, the columns separated by `` | ``, for logs and pipes."""
    return " | ".join(cells(row, now_ms, names))
