"""The metrics' pure parts: which worker counters become which series, lag, delays, the ingest families."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import httpx
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from ddeflow.errors import ConfigError
from ddeflow.local.processes import free_port
from ddeflow.metrics import (
    IngestFigures,
    ProcessMetrics,
    Sample,
    WorkerFigures,
    delays_s,
    ingest_families,
    ingest_registry,
    metrics_port,
    partition_lag,
    process_families,
    received_at_ns,
    serving,
    transformer_sample,
)


@dataclass(frozen=True)
class TP:
    topic: str
    partition: int


@dataclass(frozen=True)
class Message:
    headers: tuple[tuple[str, bytes], ...]


def _values(families: list) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:  # type: ignore[type-arg]
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in families
        for sample in family.samples
    }


def test_drop_reasons_come_from_the_action_part_and_the_snapshot_only() -> None:
    assert transformer_sample("actions.duplicate") == Sample("ddeflow_dropped", (("reason", "duplicate"),))
    assert transformer_sample("statistics.stale") == Sample("ddeflow_dropped", (("reason", "stale"),))
    assert transformer_sample("actions.late_for_removed_fixture") == Sample(
        "ddeflow_dropped", (("reason", "late_for_removed_fixture"),)
    )
    unexposed = ("summaries.duplicate", "summaries.stale", "actions.applied", "statistics.applied", "state.x")
    for key in unexposed:
        assert transformer_sample(key) is None, key


def test_dead_letters_by_reason_and_anomalies_of_every_kind_add_up() -> None:
    assert transformer_sample("dlq") is None  # the total; the reasons carry it
    assert transformer_sample("dlq.wrong_type") == Sample("ddeflow_dlq", (("reason", "wrong_type"),))
    assert transformer_sample("anomalies.after_cancelled") == Sample("ddeflow_anomalies")
    assert transformer_sample("anomalies") is None


def test_process_families_sum_the_counters_into_their_series() -> None:
    counters = Counter(
        {
            "actions.duplicate": 3,
            "statistics.duplicate": 2,
            "actions.stale": 1,
            "summaries.duplicate": 7,
            "anomalies.no_prior_version": 2,
            "anomalies.after_cancelled": 1,
            "dlq": 3,
            "dlq.malformed_json": 2,
            "dlq.not_a_packet": 1,
            "aborted_transactions": 4,
        }
    )
    values = _values(process_families(WorkerFigures(counters, transactions=9)))
    assert values[("ddeflow_dropped_total", (("reason", "duplicate"),))] == 5
    assert values[("ddeflow_dropped_total", (("reason", "stale"),))] == 1
    assert values[("ddeflow_dropped_total", (("reason", "late_for_removed_fixture"),))] == 0
    assert values[("ddeflow_anomalies_total", ())] == 3
    assert values[("ddeflow_dlq_total", (("reason", "malformed_json"),))] == 2
    assert values[("ddeflow_dlq_total", (("reason", "not_a_packet"),))] == 1
    assert values[("ddeflow_transactions_total", (("outcome", "committed"),))] == 9
    assert values[("ddeflow_transactions_total", (("outcome", "aborted"),))] == 4


def test_a_worker_that_counted_nothing_still_shows_every_fixed_series_at_zero() -> None:
    values = _values(process_families(WorkerFigures({}, transactions=0)))
    assert {name for name, _ in values} == {
        "ddeflow_dropped_total",
        "ddeflow_anomalies_total",
        "ddeflow_transactions_total",
    }
    assert set(values.values()) == {0}


def test_received_at_and_delays() -> None:
    assert received_at_ns([("source", b"ws"), ("received-at-ns", b"1500")]) == 1500
    assert received_at_ns([("received-at-ns", b"soon")]) is None
    assert received_at_ns([]) is None
    messages = [
        Message((("received-at-ns", b"1000000000"),)),
        Message(()),
        Message((("received-at-ns", b"4000000000"),)),  # after "now": a clock ahead of ours counts as no delay
    ]
    assert delays_s(messages, now_ns=3_500_000_000) == [2.5, 0.0]


def test_lag_is_the_stable_end_minus_the_next_offset_to_process() -> None:
    a0, a1, b0 = TP("a", 0), TP("a", 1), TP("b", 0)
    assert partition_lag({a0: 10, a1: None, b0: 5}, {a0: 7, b0: 5}) == {("a", 0): 3, ("b", 0): 0}
    assert partition_lag({a0: 4}, {}) == {}  # not owned yet: no position to measure from


class _Consumer:
    def __init__(self, ends: dict[TP, int]) -> None:
        self.ends = ends

    def assignment(self) -> set[TP]:
        return set(self.ends)

    def last_stable_offset(self, tp: TP) -> int:
        return self.ends[tp]


def _scrape(registry: object) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(registry).decode()  # type: ignore[arg-type]
    return _values(list(text_string_to_metric_families(text)))


def test_process_metrics_count_a_transaction_and_drop_the_lag_of_a_revoked_partition() -> None:
    metrics = ProcessMetrics()
    metrics.LAG_EVERY_S = 0.0
    raw0 = TP("raw.x", 0)
    metrics.committed(
        [(raw0, [Message((("received-at-ns", b"1"),)), Message(())])], Counter({"d.a": 2, "d.b": 1}), 0.03
    )
    metrics.lag(_Consumer({raw0: 12, TP("raw.x", 1): 3}), {raw0: 10, TP("raw.x", 1): 0})
    values = _scrape(metrics.registry)
    assert values[("ddeflow_records_in_total", (("topic", "raw.x"),))] == 2
    assert values[("ddeflow_records_out_total", (("topic", "d.a"),))] == 2
    assert values[("ddeflow_records_out_total", (("topic", "d.b"),))] == 1
    assert values[("ddeflow_delay_seconds_count", ())] == 1
    assert values[("ddeflow_transaction_seconds_count", ())] == 1
    assert values[("ddeflow_consumer_lag", (("partition", "0"), ("topic", "raw.x")))] == 2
    assert values[("ddeflow_consumer_lag", (("partition", "1"), ("topic", "raw.x")))] == 3
    metrics.lag(_Consumer({raw0: 12}), {raw0: 12})
    lags = {key: v for key, v in _scrape(metrics.registry).items() if key[0] == "ddeflow_consumer_lag"}
    assert lags == {("ddeflow_consumer_lag", (("partition", "0"), ("topic", "raw.x"))): 0}


def test_two_process_metrics_in_one_interpreter_keep_their_own_counts() -> None:
    first, second = ProcessMetrics(), ProcessMetrics()
    first.committed([(TP("raw", 0), [Message(())])], Counter(), 0.01)
    assert _scrape(first.registry)[("ddeflow_records_in_total", (("topic", "raw"),))] == 1
    assert ("ddeflow_records_in_total", (("topic", "raw"),)) not in _scrape(second.registry)


def test_ingest_families_and_their_registry() -> None:
    figures = IngestFigures(
        connections=3, reconnects=2, heartbeats=40, frames_by_topic={"raw.b": 5, "raw.a": 7}, rest_throttled=1
    )
    values = _values(ingest_families(figures))
    assert values == {
        ("ddeflow_ws_connections", ()): 3,
        ("ddeflow_ws_reconnects_total", ()): 2,
        ("ddeflow_ws_heartbeats_total", ()): 40,
        ("ddeflow_frames_total", (("topic", "raw.a"),)): 7,
        ("ddeflow_frames_total", (("topic", "raw.b"),)): 5,
        ("ddeflow_rest_throttled_total", ()): 1,
    }
    assert _scrape(ingest_registry(lambda: figures)) == values


def test_the_port_comes_from_the_command_line_else_from_the_setting() -> None:
    from ddeflow.cli import build_parser
    from ddeflow.config import load_settings

    parser = build_parser()
    with_port = load_settings(DDEFLOW_METRICS_PORT="9101")
    for command in (["process"], ["ingest", "live", "--sport", "soccer"]):
        assert metrics_port(parser.parse_args(command), load_settings()) == 0
        assert metrics_port(parser.parse_args(command), with_port) == 9101
        assert metrics_port(parser.parse_args([*command, "--metrics-port", "9200"]), with_port) == 9200
        assert metrics_port(parser.parse_args([*command, "--metrics-port", "0"]), with_port) == 0
    with pytest.raises(ConfigError):
        load_settings(DDEFLOW_METRICS_PORT="70000")


def test_a_taken_port_is_a_configuration_error_and_a_served_page_answers() -> None:
    registry = ingest_registry(lambda: IngestFigures(1, 0, 0, {}, 0))
    port = free_port()
    with serving(registry, port, host="127.0.0.1"):
        page = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert "ddeflow_ws_connections 1.0" in page
        with pytest.raises(ConfigError, match=str(port)), serving(registry, port, host="127.0.0.1"):
            pass
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2)
