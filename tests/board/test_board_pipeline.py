"""The board's footer figures: rates, lag, percentiles, delays, and drops from Prometheus text."""

from __future__ import annotations

from ddeflow.board import pipeline
from ddeflow.board.pipeline import OffsetSample, Recent

METRICS = """\
# HELP ddeflow_dropped_total Records dropped by the worker.
# TYPE ddeflow_dropped_total counter
ddeflow_dropped_total{reason="duplicate"} 12.0
ddeflow_dropped_total{reason="stale"} 3.0
ddeflow_dropped_total{reason="late_for_removed_fixture"} 1.0
# HELP ddeflow_dlq_total Dead letters.
# TYPE ddeflow_dlq_total counter
ddeflow_dlq_total{reason="parse"} 2.0
"""


def test_drops_are_read_from_the_workers_metrics() -> None:
    assert pipeline.dropped(METRICS) == pipeline.Dropped(duplicates=12, stale=3)
    assert pipeline.dropped("") == pipeline.Dropped(0, 0)


def test_rates_lag_and_percentiles() -> None:
    assert pipeline.packets_per_s([OffsetSample(1.0, 100)]) is None
    assert pipeline.packets_per_s([OffsetSample(3.0, 500), OffsetSample(1.0, 100)]) == 200.0
    assert pipeline.lag({"a": 10, "b": 5, "c": 4}, {"a": 7, "b": 9}) == 3 + 0 + 4
    assert pipeline.percentile([], 50) is None
    values = [float(v) for v in range(1, 101)]
    assert (pipeline.percentile(values, 50), pipeline.percentile(values, 99)) == (50.0, 99.0)


def test_delay_and_the_recent_window() -> None:
    assert pipeline.delay_ms({"receivedAt": "2026-09-04T18:30:00.250000Z"}, 1_788_546_600_400) == 150.0
    assert pipeline.delay_ms({"receivedAt": None}, 0) is None
    recent = Recent()
    for stamp in (0, 5_000, 12_000, 11_000, 20_000):
        recent.add(stamp, 1.0)
    assert recent.per_s(20_000) == 3 / 10  # 12 s, 11 s and 20 s are inside the last ten seconds
    assert recent.delays() == [1.0] * 5
