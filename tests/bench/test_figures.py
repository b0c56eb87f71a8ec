"""The benchmark's figures and report, on plain measurements (no broker)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from ddeflow.bench.command import parse_load, parse_variant
from ddeflow.bench.figures import (
    REPORT_VERSION,
    Delays,
    Drain,
    FanInRun,
    Feed,
    LoadRun,
    cdf,
    latency,
    markdown,
    memory_per_fixture_kb,
    rates,
    ratio,
    received_since,
    report,
)
from ddeflow.bench.ingest import serving_rate
from ddeflow.bench.profile import Load
from ddeflow.errors import ConfigError


def test_latency_takes_nearest_rank_percentiles_of_the_delays() -> None:
    found = latency([float(ms) for ms in range(100, 0, -1)])  # 1..100 ms, in any order
    assert (found.count, found.p50_ms, found.p95_ms, found.p99_ms, found.max_ms) == (100, 51, 96, 100, 100)
    assert math.isnan(latency([]).p99_ms)


def test_cdf_runs_from_the_smallest_to_the_largest_delay_with_rising_fractions() -> None:
    delays = [5.0, 1.0, 3.0, 9.0, 7.0]
    points = cdf(delays, points=5)
    assert points[0] == (1.0, 0.0) and points[-1] == (9.0, 1.0)
    assert [ms for ms, _ in points] == sorted(ms for ms, _ in points)
    assert [q for _, q in points] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert cdf([]) == []


def test_rates_are_per_interval_at_its_end() -> None:
    assert rates([(0.0, 0), (1.0, 100), (3.0, 500), (3.0, 600)]) == [(1.0, 100.0), (3.0, 200.0)]
    assert rates([(0.0, 0), (0.5, 50), (2.0, 400), (2.5, 500), (4.0, 800)], every_s=2.0) == [(2.0, 200.0), (4.0, 200.0)]
    assert rates([(0.0, 0), (0.5, 50), (1.0, 100)], every_s=2.0) == [(1.0, 100.0)]  # a short drain keeps its end


def test_only_records_appended_after_the_warm_up_count() -> None:
    # Seen at 10_000 µs: 2 ms → appended at 8_000 µs; 9 ms → at 1_000 µs, before the start.
    assert received_since([2.0, 9.0, 5.0], [10_000, 10_000, 12_000], from_us=5_000) == [2.0, 5.0]


def test_sustained_throughput_starts_at_the_first_commit() -> None:
    found = Drain("worker", 1000, 12.0, ((0.0, 0), (8.0, 0), (10.0, 200), (12.0, 1000)), ((0.0, 50.0), (12.0, 60.0)))
    assert found.start_s == 10.0
    assert found.per_s == pytest.approx(400.0)  # 800 records in the 2 s after the first commit, not 1000 in 12 s
    one_sample = Drain("worker", 1000, 4.0, ((0.0, 0), (4.0, 1000)), ())
    assert one_sample.per_s == pytest.approx(250.0)
    assert memory_per_fixture_kb(found, fixtures=10) == pytest.approx(1024.0)
    assert memory_per_fixture_kb(one_sample, fixtures=10) is None


def test_ratio_is_none_when_either_side_is_missing() -> None:
    assert ratio(30.0, 60.0) == 0.5
    assert ratio(30.0, 0.0) is None
    assert ratio(float("nan"), 60.0) is None


def _drain(label: str, per_s: float) -> Drain:
    return Drain(label, 1000, 1000 / per_s + 1, ((0.0, 0), (1.0, 1), (1.0 + 999 / per_s, 1000)), ((0.0, 40.0),))


def _delays(label: str, ms: float) -> Delays:
    return Delays(label, 1000, 1000, 1.0, tuple(ms + i / 100 for i in range(100)))


def _report(loads: list[LoadRun], fan_in: FanInRun | None = None) -> dict[str, Any]:
    """A quick run's report: the worker at half the transactional baseline and a quarter of the plain one."""
    return report(
        command="ddeflow bench --quick",
        profile="quick",
        machine={"cores": 2, "memory_gb": 8.0, "load_avg_1m": 3.0, "broker": "Apache Kafka", "python": "3.11"},
        knobs={"fetch_max_wait_ms": 500, "linger_ms": 2},
        feed=Feed(fixtures=4, packets=1000, duplicates=50, stale=50, by_sport={"soccer": 1000}),
        worker=_drain("worker", 500.0),
        transactional=_drain("transactional pass-through", 1000.0),
        plain=_drain("plain pass-through", 2000.0),
        loads=loads,
        fan_in=fan_in,
    )


def test_the_report_keeps_its_keys_and_sets_each_figure_beside_its_baseline() -> None:
    found = _report([LoadRun(_delays("worker", 40.0), _delays("baseline", 20.0), (_delays("X=1", 10.0),))])
    assert found["report_version"] == REPORT_VERSION
    assert set(found) == {
        "report_version", "command", "profile", "machine", "knobs", "feed", "throughput", "latency", "memory",
        "ingest",
    }  # fmt: skip
    assert found["ingest"] is None  # no fan-in phase in this run
    t = found["throughput"]
    assert set(t) == {
        "worker", "baseline_transactional", "baseline_plain", "ratio_transactional", "ratio_plain", "target_ratio",
        "target_per_s",
    }  # fmt: skip
    assert (t["ratio_transactional"], t["ratio_plain"]) == (0.5, 0.25)
    assert set(t["worker"]) == {"records", "seconds", "per_s", "start_s", "peak_rss_mb", "summary"}
    (row,) = found["latency"]
    assert (row["offered_per_s"], row["target_p50_ms"], row["target_p99_ms"]) == (1000, 15.0, 50.0)
    assert row["worker"]["p50_ms"] == 40.5 and row["baseline"]["p50_ms"] == 20.5
    assert row["p50_ratio"] == pytest.approx(40.5 / 20.5, abs=1e-3)
    (variant,) = row["variants"]
    assert variant["knobs"] == "X=1" and variant["p50_ratio"] == pytest.approx(10.5 / 20.5, abs=1e-3)
    assert len(row["worker"]["cdf_ms"]) == 101
    assert set(found["memory"]) == {
        "fixtures", "worker_start_rss_mb", "worker_peak_rss_mb", "kb_per_fixture", "target_kb_per_fixture",
    }  # fmt: skip
    json.dumps(found, allow_nan=False)  # plain JSON: no NaN, no dataclasses
    table = markdown(found)
    assert "| delay p99, 1,000 packets/s (achieved 1,000) | 50 ms | 41 ms | 21 ms | 1.95x |" in table
    assert "| 1,000/s | 500/s | 0.50x |" not in table  # the worker's rate is the first column of figures
    assert "500/s | 1,000/s | 0.50x |" in table


def test_a_variant_names_only_the_worker_s_knobs() -> None:
    assert parse_variant("DDEFLOW_FETCH_MAX_WAIT_MS=10,DDEFLOW_LINGER_MS=0") == {
        "DDEFLOW_FETCH_MAX_WAIT_MS": "10",
        "DDEFLOW_LINGER_MS": "0",
    }
    with pytest.raises(ConfigError):
        parse_variant("KAFKA_BOOTSTRAP_SERVERS=elsewhere:9092")
    with pytest.raises(ConfigError):
        parse_variant("DDEFLOW_LINGER_MS=-1")


def test_a_load_is_a_rate_and_seconds() -> None:
    assert parse_load("300:20") == Load(300.0, 20.0) and parse_load("300:20").records == 6000
    for bad in ("300", "x:20", "0:20", "300:-1"):
        with pytest.raises(ConfigError):
            parse_load(bad)


def test_the_fan_in_sits_beside_its_baseline_with_the_target() -> None:
    summary = {
        "frames": 1200, "packets_per_s": 100.0, "delay_p50_ms": 16.8, "delay_p99_ms": 42.0, "delay_max_ms": 90.0,
        "peak_streams": 100, "peak_rss_mb": 80.0, "reconnects": 0,
    }  # fmt: skip
    fan_in = FanInRun(100, 1200, summary, 99, 400.0, latency([2.0] * 90 + [8.0] * 10), 398.0)
    found = _report([], fan_in)
    ingest = found["ingest"]
    assert (ingest["streams"], ingest["peak_streams"], ingest["complete_fixtures"]) == (100, 100, 99)
    assert (ingest["p99_ms"], ingest["baseline"]["p99_ms"], ingest["p99_ratio"]) == (42.0, 8.0, 5.25)
    assert ingest["baseline"]["count"] == 100 and ingest["target_p99_ms"] == 20.0
    json.dumps(found, allow_nan=False)
    table = markdown(found)
    assert "| ingest live receipt to ack p99, the same | ≤ 20 ms | 42 ms | 8 ms | 5.25x |" in table
    assert "100 streams at once, 1,200 frames served at 400/s" in table
    assert "99 of 100 fixtures" in table


def test_the_serving_rate_spans_the_first_frame_to_the_last() -> None:
    samples = [(0.0, 0), (1.0, 0), (2.0, 100), (3.0, 300), (4.0, 400), (5.0, 400), (9.0, 400)]
    assert serving_rate(samples) == 400 / 2.0
    assert math.isnan(serving_rate([(0.0, 0), (1.0, 0)]))
