"""When a chaos run caught up again: samples in, seconds out."""

from __future__ import annotations

from ddeflow.chaos.recovery import Sample, golden_progress, recovery_s

GOLDEN = [Sample(float(t), 10 * t, 0, 1) for t in range(0, 21)]


def test_golden_progress_is_the_last_readable_sample_at_or_before_then() -> None:
    golden = [Sample(0.0, 0, 0, 1), Sample(1.0, 5, 0, 1), Sample(2.0, None, None, None), Sample(3.0, 9, 0, 1)]
    assert golden_progress(golden, 2.5) == 5
    assert golden_progress(golden, 3.0) == 9
    assert golden_progress(golden, -1.0) == 0


def test_recovery_waits_for_lag_members_and_the_golden_runs_pace() -> None:
    samples = [
        Sample(5.0, 50, 0, 1),  # the fault strikes right after this one
        Sample(6.0, 50, 30, 0),  # the worker is gone
        Sample(8.0, 50, 40, 1),  # a new worker joined, with lag
        Sample(10.0, 70, 0, 1),  # no lag, but behind the golden run (it had 80 at 8 s)
        Sample(12.0, 110, 0, 1),  # caught up: the golden run had 100 at 10 s
    ]
    assert recovery_s(samples, GOLDEN, fault_at_s=5.5, repaired_at_s=7.0, workers=1, slack_s=2.0) == 6.5


def test_no_recovery_before_the_repair() -> None:
    samples = [Sample(6.0, 200, 0, 1), Sample(9.0, 200, 0, 1)]
    assert recovery_s(samples, GOLDEN, fault_at_s=5.0, repaired_at_s=8.0, workers=1) == 4.0


def test_the_expected_number_of_workers_counts() -> None:
    samples = [Sample(6.0, 200, 0, 2), Sample(7.0, 200, 0, 1)]
    assert recovery_s(samples, GOLDEN, fault_at_s=5.0, repaired_at_s=5.0, workers=1) == 2.0


def test_a_run_that_never_catches_up_has_no_recovery_time() -> None:
    samples = [Sample(6.0, 10, 0, 1), Sample(30.0, 10, 0, 1), Sample(31.0, None, None, None)]
    assert recovery_s(samples, GOLDEN, fault_at_s=5.0, repaired_at_s=5.0, workers=1) is None
