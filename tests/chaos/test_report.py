"""The chaos suite's verdicts and report, from made-up runs (no I/O)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from ddeflow.chaos.pipeline import FaultMark, Feed, RunResult
from ddeflow.chaos.records import Comparable
from ddeflow.chaos.recovery import Sample
from ddeflow.chaos.report import print_report, suite_json, write_json
from ddeflow.chaos.scenarios import SCENARIOS, by_number
from ddeflow.chaos.suite import SuiteOutcome, judge, not_run

GOLDEN: Comparable = {"dde.score-changes": {"f1": ["a", "b", "c"]}, "dde.fixture-events": {"f1": ["x"]}}
FEED = Feed(Path("data"), 0.004, 40.0, 30.0)


def _run(derived: Comparable, *, problems: tuple[str, ...] = (), faults: tuple[FaultMark, ...] = ()) -> RunResult:
    samples = tuple(Sample(float(t), 10 * t, 0, 1, 100) for t in range(30))
    return RunResult("p.", derived, samples, faults, problems, 30.0, (), 100, {"reconnects": 0}, 0)


def test_a_run_equal_to_the_golden_run_is_clean_and_a_different_one_is_not() -> None:
    golden = _run(GOLDEN)
    clean = judge(SCENARIOS[0], _run(GOLDEN), golden)
    assert clean.status == "clean"
    lost = judge(SCENARIOS[0], _run({"dde.score-changes": {"f1": ["a", "c", "c"]}, "dde.fixture-events": {}}), golden)
    assert lost.status == "differs"
    assert lost.totals is not None and lost.totals.to_json() == {
        "missing": 2,
        "doubled": 1,
        "unexpected": 0,
        "reordered": 0,
    }


def test_a_run_with_an_unplanned_exit_is_an_error_even_when_its_records_match() -> None:
    outcome = judge(SCENARIOS[0], _run(GOLDEN, problems=("ingest-1 exited 1 on its own",)), _run(GOLDEN))
    assert outcome.status == "error"


def test_the_report_has_stable_keys_per_topic_counts_and_recovery_times() -> None:
    golden = _run(GOLDEN)
    fault = FaultMark("worker SIGKILL 1/5", 5.0, 6.0)
    moved = judge(SCENARIOS[0], _run({**GOLDEN, "dde.score-changes": {"f1": ["b", "a", "c"]}}, faults=(fault,)), golden)
    gap = not_run(by_number((9,))[0], "gap", "not in main yet")
    suite = SuiteOutcome(golden, (moved, gap), 100.0, FEED)
    found = suite_json(suite)
    assert list(found) == ["duration_s", "passed", "feed", "golden", "scenarios"]
    assert found["passed"] is False
    first, second = found["scenarios"]
    assert first["topics"]["dde.score-changes"]["reordered"] == 1
    assert first["topics"]["dde.score-changes"]["keys"] == {
        "f1": {"missing": 0, "doubled": 0, "unexpected": 0, "reordered": 1}
    }
    assert first["faults"] == [
        {"what": "worker SIGKILL 1/5", "at_s": 5.0, "repaired_at_s": 6.0, "recovered_after_s": 1.0}
    ]
    assert (second["status"], second["totals"], second["note"]) == ("gap", None, "not in main yet")


def test_the_report_file_and_table(tmp_path: Path) -> None:
    golden = _run(GOLDEN)
    suite = SuiteOutcome(golden, (judge(SCENARIOS[0], _run(GOLDEN), golden),), 100.0, FEED)
    write_json(suite, tmp_path / "report.json")
    assert json.loads((tmp_path / "report.json").read_text())["passed"] is True
    out = io.StringIO()
    print_report(suite, Console(file=out, width=200))
    assert "worker SIGKILLed 5 times" in out.getvalue() and "clean" in out.getvalue()
