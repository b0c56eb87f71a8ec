"""The chaos suite's report: a JSON document with stable keys, and a ``rich`` table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ddeflow.chaos.records import record_counts
from ddeflow.chaos.suite import ScenarioOutcome, SuiteOutcome

PROBLEMS_SHOWN = 6
KEYS_SHOWN = 20
"""Differing keys listed per topic in the JSON (all of them are counted)."""


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def scenario_json(outcome: ScenarioOutcome) -> dict[str, Any]:
    topics: dict[str, Any] = {}
    for diff in outcome.topics:
        found = diff.to_json()
        keys: dict[str, Any] = found.pop("keys")  # type: ignore[assignment]
        found["differing_keys"] = len(keys)
        found["keys"] = dict(list(keys.items())[:KEYS_SHOWN])
        topics[diff.topic] = found
    scenario = outcome.scenario
    return {
        "number": scenario.number,
        "name": scenario.name,
        "title": scenario.title,
        "status": outcome.status,
        "note": outcome.note,
        "totals": outcome.totals.to_json() if outcome.totals is not None else None,
        "topics": topics,
        "faults": [
            {
                "what": f.what,
                "at_s": _seconds(f.at_s),
                "repaired_at_s": _seconds(f.repaired_at_s),
                "recovered_after_s": _seconds(f.recovered_after_s),
            }
            for f in outcome.faults
        ],
        "continuous_fault": scenario.continuous,
        "recovery_max_s": _seconds(outcome.recovery_max_s),
        "problems": list(outcome.problems),
        "raw_records": outcome.raw_records,
        "unplanned_restarts": outcome.restarts,
        "ingest": dict(sorted(outcome.ingest.items())),
        "duration_s": _seconds(outcome.duration_s),
    }


def suite_json(suite: SuiteOutcome) -> dict[str, Any]:
    feed = suite.feed
    return {
        "duration_s": _seconds(suite.duration_s),
        "passed": suite.passed,
        "feed": {
            "data_dir": str(feed.data_dir),
            "time_scale": feed.time_scale,
            "live_s": _seconds(feed.live_s),
            "shortest_s": _seconds(feed.shortest_s),
            "go_live_s": feed.go_live_s,
            "seed": feed.seed,
        },
        "golden": {
            "duration_s": _seconds(suite.golden.duration_s),
            "records": record_counts(suite.golden.derived),
            "raw_records": suite.golden.raw_records,
            "ingest": dict(sorted(suite.golden.ingest.items())),
        },
        "scenarios": [scenario_json(outcome) for outcome in suite.scenarios],
    }


def write_json(suite: SuiteOutcome, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(suite_json(suite), indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _cell(value: int | float | None) -> str:
    return "-" if value is None else (f"{value:.1f}" if isinstance(value, float) else str(value))


def table(suite: SuiteOutcome) -> Table:
    golden = sum(record_counts(suite.golden.derived).values())
    grid = Table(title=f"chaos suite: {golden} golden derived records, {suite.duration_s:.0f} s in all")
    columns = (
        "#",
        "scenario",
        "status",
        "missing",
        "doubled",
        "unexpected",
        "reordered",
        "restarts",
        "recovery s",
        "run s",
    )
    for column in columns:
        grid.add_column(column, justify="right" if column not in ("scenario", "status") else "left")
    colours = {"clean": "green", "differs": "red", "error": "red", "gap": "yellow", "skipped": "yellow"}
    for outcome in suite.scenarios:
        counts = outcome.totals
        recovery = (
            "continuous" if outcome.scenario.continuous and outcome.totals is not None
            else _cell(outcome.recovery_max_s)
        )  # fmt: skip
        grid.add_row(
            str(outcome.scenario.number),
            outcome.scenario.title + (f" ({outcome.note})" if outcome.note else ""),
            f"[{colours.get(outcome.status, 'white')}]{outcome.status}[/]",
            _cell(counts.missing if counts else None),
            _cell(counts.doubled if counts else None),
            _cell(counts.unexpected if counts else None),
            _cell(counts.reordered if counts else None),
            _cell(outcome.restarts if counts else None),
            recovery,
            _cell(outcome.duration_s if outcome.totals is not None else None),
        )
    return grid


def print_report(suite: SuiteOutcome, console: Console | None = None) -> None:
    if console is None:
        console = Console()
        if not console.is_terminal:  # make's output, a CI log: wide enough for one line per scenario
            console = Console(width=150)
    console.print(table(suite))
    for outcome in suite.scenarios:
        for problem in outcome.problems[:PROBLEMS_SHOWN]:
            console.print(f"[red]scenario {outcome.scenario.number}:[/] {problem}", markup=True, highlight=False)
        if len(outcome.problems) > PROBLEMS_SHOWN:
            console.print(f"scenario {outcome.scenario.number}: {len(outcome.problems) - PROBLEMS_SHOWN} more problems")
        for diff in outcome.topics:
            if not diff.totals.clean:
                shown = ", ".join(f"{key} {c.to_json()}" for key, c in list(sorted(diff.keys.items()))[:5])
                console.print(
                    f"scenario {outcome.scenario.number}: {diff.topic}: {diff.totals.to_json()} "
                    f"over {len(diff.keys)} keys, e.g. {shown}",
                    highlight=False,
                )
