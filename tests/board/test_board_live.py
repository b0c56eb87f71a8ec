"""``ddeflow board`` against a real broker and registry, after a real worker: off a terminal it prints plain lines,
one per fixture, whose final score and status are the generator's truth, and a pipeline footer."""

from __future__ import annotations

import json
from pathlib import Path

from ddeflow.config import Settings
from ddeflow.simulator.generator import generate
from tests.cli import run_cli

SEED = 13


def _ingested(settings: Settings, out: Path) -> dict[str, dict[str, object]]:
    generate("soccer", 1, SEED, out)
    generate("volleyball", 1, SEED, out)
    truths: dict[str, dict[str, object]] = {}
    for sport in ("soccer", "volleyball"):
        (match,) = (out / sport).iterdir()
        done = run_cli(settings, "ingest", "file", str(match / "actions.jsonl"), "--sport", sport)
        assert done.returncode == 0, done.stderr
        truth = json.loads((match / "truth.json").read_text())
        truths[match.name] = {"sport": sport, **truth["final"]}
    worker = run_cli(settings, "process", "--until-idle", "3")
    assert worker.returncode == 0, worker.stderr
    return truths


def test_board_off_a_terminal_prints_a_line_per_fixture_with_the_truths_final_score(
    settings: Settings, tmp_path: Path
) -> None:
    truths = _ingested(settings, tmp_path)
    shown = run_cli(settings, "board", "--until-idle", "2")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert all("│" not in line and "\x1b" not in line for line in lines), shown.stdout
    rows = {}
    for line in lines:
        if not line.startswith("pipeline: "):
            cells = line.split(" | ")
            rows[cells[0]] = cells  # the last line of a fixture is its latest state
    assert set(rows) == {"soccer", "volleyball"}
    for truth in truths.values():
        cells = rows[str(truth["sport"])]
        assert cells[2] == truth["status"]
        assert cells[5].split(" ")[0] == f"{truth['homeScore']}-{truth['awayScore']}", cells
    footer = [line for line in lines if line.startswith("pipeline: ")]
    assert footer and "DLQ 0" in footer[-1] and "lag 0" in footer[-1], footer

    only = run_cli(settings, "board", "--until-idle", "1", "--sport", "volleyball")
    assert only.returncode == 0, only.stderr
    assert {line.split(" | ")[0] for line in only.stdout.splitlines() if " | " in line} == {"volleyball"}


def test_board_before_any_worker_ran_is_one_clear_error(settings: Settings) -> None:
    done = run_cli(settings, "board", "--until-idle", "1")
    assert done.returncode == 2
    assert "no derived topics" in done.stderr and "Traceback" not in done.stderr
