"""The soak's planning and report figures, on plain samples."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from ddeflow.dde.sports import Sport
from ddeflow.harness.stats import growth_pct, percentile
from ddeflow.soak.figures import Tick, figures, input_rates, windowed_delays
from ddeflow.soak.plan import GO_LIVE_S, BaseMatch, due_by, plan_feed


def tick(at_s: float, worker_mb: float | None, lag: int | None, raw: int | None, cpu: float = 50.0) -> Tick:
    rss = {} if worker_mb is None else {"worker": worker_mb}
    return Tick(at_s, rss, {"worker": cpu} if worker_mb is not None else {}, lag, raw)


def test_growth_is_measured_from_warm_up_to_the_end_of_the_steady_part() -> None:
    ticks = [tick(0, 50, 0, 0), tick(10, 100, 5, 1000), tick(20, 104, 9, 2000), tick(30, 110, 0, 2500)]
    found = figures(ticks, [], processes=["worker", "ingest"], warmup_s=10, steady_end_s=20, planned_rate_per_s=100)
    (memory,) = found.memory  # ingest was never sampled
    assert (memory.warm_mb, memory.end_mb, memory.peak_mb) == (100, 104, 110)
    assert memory.growth_pct == pytest.approx(4.0)
    assert (found.lag_max, found.lag_at_steady_end, found.lag_final) == (9, 9, 0)
    assert found.achieved_rate_per_s == pytest.approx(100.0)
    assert (found.backlog_max, found.backlog_at_steady_end) == (None, None)


def test_the_feed_backlog_is_what_fell_due_and_is_not_yet_in_kafka() -> None:
    ticks = [replace(tick(at, 1, 0, raw), due=due) for at, raw, due in ((0, 0, 0), (10, 900, 1000), (20, 2100, 2000))]
    assert [t.backlog for t in ticks] == [0, 100, 0]  # ahead of the plan (its rounding) counts as none
    found = figures(ticks, [], processes=[], warmup_s=0, steady_end_s=15, planned_rate_per_s=100)
    assert (found.backlog_max, found.backlog_at_steady_end) == (100, 100)


def test_unreadable_samples_are_skipped_and_a_process_that_vanished_has_no_growth() -> None:
    ticks = [tick(0, None, None, None), tick(10, 80, None, None), tick(20, None, 3, 600), tick(30, None, 1, 900)]
    found = figures(ticks, [], processes=["worker"], warmup_s=10, steady_end_s=30, planned_rate_per_s=30)
    assert found.memory == ()
    assert found.achieved_rate_per_s == pytest.approx(30.0)
    assert (found.lag_max, found.lag_final) == (3, 1)
    assert math.isnan(found.delays.p50_ms) and found.delays.count == 0


def test_cpu_is_averaged_over_the_steady_part_only() -> None:
    ticks = [tick(0, 10, 0, 0, cpu=200), tick(10, 10, 0, 0, cpu=40), tick(20, 10, 0, 0, cpu=60)]
    found = figures(ticks, [], processes=["worker"], warmup_s=10, steady_end_s=20, planned_rate_per_s=1)
    assert found.cpu_mean_pct == {"worker": pytest.approx(50.0)}
    assert found.achieved_rate_per_s == 0 and found.cpu_ms_per_packet("worker") is None  # nothing came in


def test_cpu_time_per_packet_and_the_cores_the_planned_rate_needs() -> None:
    ticks = [tick(at, 10, 0, raw, cpu=cpu) for at, raw, cpu in ((0, 0, 0), (10, 2000, 20), (20, 4000, 20))]
    found = figures(ticks, [], processes=["worker"], warmup_s=10, steady_end_s=20, planned_rate_per_s=1000)
    assert found.cpu_ms_per_packet("worker") == pytest.approx(1.0)  # a fifth of a core for 200 packets a second
    assert found.cores_at_planned_rate(["worker", "ingest"]) == pytest.approx(1.0)


def test_input_rates_between_readable_samples() -> None:
    ticks = [tick(0, 1, 0, 0), tick(2, 1, 0, None), tick(4, 1, 0, 400), tick(5, 1, 0, 900)]
    assert input_rates(ticks) == [(4, 100.0), (5, 500.0)]


def test_delay_percentiles_overall_and_per_window() -> None:
    delays = [float(d) for d in range(1, 101)]
    seen_s = [0.5 if d <= 50 else 12.0 for d in range(1, 101)]
    found = figures([], delays, processes=[], warmup_s=0, steady_end_s=1, planned_rate_per_s=1)
    assert (found.delays.p50_ms, found.delays.p95_ms, found.delays.p99_ms, found.delays.max_ms) == (51, 96, 100, 100)
    (first_at, first), (second_at, second) = windowed_delays(seen_s, delays, 10.0)
    assert (first_at, first.count, first.max_ms) == (5.0, 50, 50)
    assert (second_at, second.count, second.p50_ms) == (15.0, 50, 76)


def test_percentile_and_growth_edges() -> None:
    assert math.isnan(percentile([], 0.5))
    assert percentile([3.0, 1.0, 2.0], 0.0) == 1.0
    assert growth_pct(200, 150) == pytest.approx(-25.0)
    with pytest.raises(ValueError, match="undefined"):
        growth_pct(0, 10)


def test_the_plan_staggers_matches_to_serve_the_rate() -> None:
    bases = [match(Sport.BASKETBALL, 600, 9000.0), match(Sport.SOCCER, 400, 11000.0)]
    plan = plan_feed(bases, rate_per_s=1000, duration_s=60, play_s=20)
    assert plan.stagger_s == pytest.approx(0.5)  # 500 packets on average, 1000 a second
    assert plan.fixtures == 121
    assert plan.time_scale == pytest.approx(0.002)
    assert plan.concurrent == pytest.approx(40)
    assert plan.steady_end_s == pytest.approx(GO_LIVE_S + 60)
    assert plan.state_grace_s == pytest.approx(21600 * 0.002)
    with pytest.raises(ValueError, match="positive rate"):
        plan_feed(bases, rate_per_s=0, duration_s=60, play_s=20)


def match(sport: Sport, packets: int, feed_s: float) -> BaseMatch:
    """``packets`` evenly spread over ``feed_s``."""
    return BaseMatch(sport, Path(sport.value), tuple(i * feed_s / (packets - 1) for i in range(packets)))


def test_packets_fall_due_at_the_planned_rate_once_the_first_match_has_played() -> None:
    bases = [match(Sport.VOLLEYBALL, 101, 1000.0)]
    plan = plan_feed(bases, rate_per_s=101, duration_s=30, play_s=10)  # one match a second, each over 10 s
    first, ramp_end, steady, end = due_by(plan, bases, [GO_LIVE_S, GO_LIVE_S + 10, GO_LIVE_S + 20, 1e9])
    assert first == 1  # the first match's first packet, due as it goes live
    assert steady - ramp_end == pytest.approx(101 * 10, abs=11)
    assert end == plan.packets == 31 * 101
