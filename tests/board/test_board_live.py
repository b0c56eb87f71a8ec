"""``ddeflow board`` against a real broker and registry, after a real worker: off a terminal it prints plain lines,
one per fixture, whose final score and status are the generator's truth, and a footer whose consumer lag counts
the raw records the worker has not processed yet."""

from __future__ import annotations

import json
from pathlib import Path

from ddeflow.config import Settings
from ddeflow.simulator.generator import generate
from tests.cli import run_cli

SEED = 13


def _ingest(settings: Settings, out: Path, sport: str) -> tuple[dict[str, object], int]:
    """One generated match's actions in the raw topic: its truth's final state, and how many records it wrote."""
    generate(sport, 1, SEED, out)
    (match,) = (out / sport).iterdir()
    done = run_cli(settings, "ingest", "file", str(match / "actions.jsonl"), "--sport", sport)
    assert done.returncode == 0, done.stderr
    final = json.loads((match / "truth.json").read_text())["final"]
    return final, len((match / "actions.jsonl").read_text().splitlines())


def _process(settings: Settings) -> None:
    worker = run_cli(settings, "process", "--until-idle", "3")
    assert worker.returncode == 0, worker.stderr


def _board(settings: Settings, *args: str) -> tuple[dict[str, list[str]], str]:
    """The board's last line per sport (split into cells) and its last footer, off a terminal."""
    shown = run_cli(settings, "board", "--until-idle", "2", *args)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert all("│" not in line and "\x1b" not in line for line in lines), shown.stdout
    rows = {}
    for line in lines:
        if not line.startswith("pipeline: "):
            cells = line.split(" | ")
            rows[cells[0]] = cells  # a fixture's later line is its newer state
    footers = [line for line in lines if line.startswith("pipeline: ")]
    assert footers, shown.stdout
    return rows, footers[-1]


def _assert_final(cells: list[str], final: dict[str, object]) -> None:
    assert cells[2] == final["status"], cells
    assert cells[5].split(" ")[0] == f"{final['homeScore']}-{final['awayScore']}", cells


def test_board_off_a_terminal_prints_a_line_per_fixture_and_the_lag(settings: Settings, tmp_path: Path) -> None:
    soccer, _ = _ingest(settings, tmp_path, "soccer")
    _process(settings)
    volleyball, waiting = _ingest(settings, tmp_path, "volleyball")

    rows, footer = _board(settings)
    assert set(rows) == {"soccer"}
    _assert_final(rows["soccer"], soccer)
    assert f"lag {waiting:,} ·" in footer and "DLQ 0" in footer, footer

    _process(settings)
    rows, footer = _board(settings)
    assert set(rows) == {"soccer", "volleyball"}
    _assert_final(rows["soccer"], soccer)
    _assert_final(rows["volleyball"], volleyball)
    assert "lag 0 ·" in footer, footer

    only, _ = _board(settings, "--sport", "volleyball")
    assert set(only) == {"volleyball"}


def test_board_before_any_worker_ran_is_one_clear_error(settings: Settings) -> None:
    done = run_cli(settings, "board", "--until-idle", "1")
    assert done.returncode == 2
    assert "no derived topics" in done.stderr and "Traceback" not in done.stderr
