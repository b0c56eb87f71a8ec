"""Prometheus metrics of ``ddeflow process`` and ``ddeflow ingest live``: their names, the mapping from the
counters the worker and the producers already keep, and the ``/metrics`` server.

Every process (and every test) builds its own ``CollectorRegistry``; nothing goes to prometheus_client's
global one, so several workers or ingests can serve side by side in one interpreter.

Two kinds of source:
- Counts the code keeps anyway (the Transformer's ``counters``, ``WorkerStats``, ``IngestCounters``, the REST
  client's 429s) are read when scraped, by a collector, through the pure ``*_families`` functions below.
- What only exists at one moment (a committed transaction's records per topic, its duration, each record's
  receipt-to-commit delay, the consumer's lag) is observed by the worker through ``ProcessMetrics``.

The scrape runs in prometheus_client's server thread: collectors copy a dict in one step (``dict(...)`` of a
dict holds the interpreter lock throughout) and read plain ints, so they never see a dict change under them.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ddeflow.config import Settings
from ddeflow.errors import ConfigError
from ddeflow.producers.raw_records import HEADER_RECEIVED_AT

log = logging.getLogger(__name__)

# --- names (the terminal board reads these; counters are exposed with ``_total``) ------------------------

RECORDS_IN = "ddeflow_records_in"
RECORDS_OUT = "ddeflow_records_out"
TRANSACTIONS = "ddeflow_transactions"
TRANSACTION_SECONDS = "ddeflow_transaction_seconds"
CONSUMER_LAG = "ddeflow_consumer_lag"
DELAY_SECONDS = "ddeflow_delay_seconds"
DROPPED = "ddeflow_dropped"
ANOMALIES = "ddeflow_anomalies"
DLQ = "ddeflow_dlq"
WS_CONNECTIONS = "ddeflow_ws_connections"
WS_RECONNECTS = "ddeflow_ws_reconnects"
WS_HEARTBEATS = "ddeflow_ws_heartbeats"
FRAMES = "ddeflow_frames"
REST_THROTTLED = "ddeflow_rest_throttled"

DROP_REASONS = ("duplicate", "stale", "late_for_removed_fixture")

TRANSACTION_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0)
DELAY_BUCKETS_S = (0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


# --- the processor: counters kept anyway ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sample:
    """One labelled series of a counter family."""

    metric: str
    labels: tuple[tuple[str, str], ...] = ()


def transformer_sample(key: str) -> Sample | None:
    """The series a Transformer counter key adds to; None for the keys not exposed (applied parts, state removal).

    A dropped record is counted by its action part (actions) or its snapshot (statistics): when an action
    packet's action part is a duplicate or stale its summary part cannot be applied either, so the action part
    says what became of the whole record; ``summaries.*`` would count the same records a second time.
    """
    kind, _, detail = key.partition(".")
    if kind in ("actions", "statistics") and detail in DROP_REASONS:
        return Sample(DROPPED, (("reason", detail),))
    if kind == "anomalies" and detail:
        return Sample(ANOMALIES)
    if kind == "dlq" and detail:
        return Sample(DLQ, (("reason", detail),))
    return None


@dataclass(frozen=True, slots=True)
class WorkerFigures:
    """What the worker has counted so far, copied at one moment."""

    counters: Mapping[str, int]
    transactions: int
    """Committed transactions."""


class WorkerCounts(Protocol):
    """What ``WorkerStats`` keeps that the metrics read."""

    @property
    def counters(self) -> Mapping[str, int]: ...

    @property
    def transactions(self) -> int: ...


def process_families(figures: WorkerFigures) -> list[Metric]:
    """The counter families of the worker's own counts: dropped, anomalies, dead letters, transactions."""
    totals: Tally[Sample] = Tally({Sample(DROPPED, (("reason", reason),)): 0 for reason in DROP_REASONS})
    totals[Sample(ANOMALIES)] += 0
    for key, count in figures.counters.items():
        sample = transformer_sample(key)
        if sample is not None:
            totals[sample] += count
    families = {
        DROPPED: CounterMetricFamily(DROPPED, "Raw records dropped by the processor, by reason", labels=["reason"]),
        ANOMALIES: CounterMetricFamily(ANOMALIES, "Feed anomalies flagged (the packets are still applied)"),
        DLQ: CounterMetricFamily(DLQ, "Raw records dead-lettered by the processor, by reason", labels=["reason"]),
    }
    for sample, count in sorted(totals.items(), key=lambda item: (item[0].metric, item[0].labels)):
        families[sample.metric].add_metric([value for _, value in sample.labels], count)
    transactions = CounterMetricFamily(TRANSACTIONS, "Processor transactions, by outcome", labels=["outcome"])
    transactions.add_metric(["committed"], figures.transactions)
    transactions.add_metric(["aborted"], figures.counters.get("aborted_transactions", 0))
    return [*families.values(), transactions]


# --- the processor: what only exists at one moment --------------------------------------------------------


def received_at_ns(headers: Iterable[tuple[str, bytes]]) -> int | None:
    """The producer's receipt time from a raw record's headers; None when absent or unreadable."""
    for name, value in headers:
        if name == HEADER_RECEIVED_AT:
            try:
                return int(value)
            except ValueError:
                return None
    return None


def delays_s(messages: Iterable[Any], now_ns: int) -> list[float]:
    """Receipt (``received-at-ns``) to ``now_ns`` of each record that says when it was received, in seconds."""
    found = []
    for message in messages:
        at_ns = received_at_ns(message.headers)
        if at_ns is not None:
            found.append(max(0, now_ns - at_ns) / 1e9)
    return found


def partition_lag(ends: Mapping[Any, int | None], next_offsets: Mapping[Any, int]) -> dict[tuple[str, int], int]:
    """Records not yet processed per input partition: its last stable offset minus the next offset to process.

    A partition whose end is not known yet (nothing fetched from it so far), or whose position is not (its lane
    is not rebuilt yet), is left out.
    """
    return {
        (tp.topic, tp.partition): max(0, end - next_offsets[tp])
        for tp, end in ends.items()
        if end is not None and end >= 0 and tp in next_offsets
    }


class _Follow(Collector):
    """Builds its families at each scrape."""

    def __init__(self, families: Callable[[], list[Metric]]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families()


class ProcessMetrics:
    """The metrics of one ``ddeflow process``, in a registry of its own."""

    LAG_EVERY_S = 1.0

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._records_in = Counter(
            RECORDS_IN, "Raw records in committed transactions, by raw topic", ["topic"], registry=self.registry
        )
        self._records_out = Counter(
            RECORDS_OUT,
            "Derived records (dead letters included) in committed transactions, by topic",
            ["topic"],
            registry=self.registry,
        )
        self._transaction_s = Histogram(
            TRANSACTION_SECONDS,
            "Duration of a committed transaction, from its begin to its commit",
            buckets=TRANSACTION_BUCKETS_S,
            registry=self.registry,
        )
        self._delay_s = Histogram(
            DELAY_SECONDS,
            "From the producer's receipt of a frame (received-at-ns) to the commit of its processing",
            buckets=DELAY_BUCKETS_S,
            registry=self.registry,
        )
        self._lag = Gauge(
            CONSUMER_LAG,
            "Raw records not yet processed, per input partition (last stable offset - next offset to process)",
            ["topic", "partition"],
            registry=self.registry,
        )
        self._lag_series: set[tuple[str, int]] = set()
        self._lag_at = float("-inf")
        self._stats: WorkerCounts | None = None
        self.registry.register(_Follow(self._families))

    def follow(self, stats: WorkerCounts) -> None:
        """Read the worker's counts from ``stats`` from now on (a worker built again replaces the last)."""
        self._stats = stats

    def _families(self) -> list[Metric]:
        stats = self._stats
        figures = WorkerFigures({}, 0) if stats is None else WorkerFigures(dict(stats.counters), stats.transactions)
        return process_families(figures)

    def committed(
        self, parts: Sequence[tuple[Any, Sequence[Any]]], out_topics: Mapping[str, int], seconds: float
    ) -> None:
        """One transaction committed: its input ``parts`` (partition, records), its output per topic, its duration."""
        now_ns = time.time_ns()
        for tp, messages in parts:
            self._records_in.labels(tp.topic).inc(len(messages))
            for delay in delays_s(messages, now_ns):
                self._delay_s.observe(delay)
        for topic, count in out_topics.items():
            self._records_out.labels(topic).inc(count)
        self._transaction_s.observe(seconds)

    def lag(self, consumer: Any, next_offsets: Mapping[Any, int]) -> None:
        """Per assigned partition, the records not yet processed (at most every ``LAG_EVERY_S``)."""
        now = time.monotonic()
        if now - self._lag_at < self.LAG_EVERY_S:
            return
        self._lag_at = now
        ends = {tp: consumer.last_stable_offset(tp) for tp in consumer.assignment()}
        current = partition_lag(ends, next_offsets)
        for series in self._lag_series - current.keys():
            self._lag.remove(series[0], str(series[1]))
        for (topic, partition), lag in current.items():
            self._lag.labels(topic, str(partition)).set(lag)
        self._lag_series = set(current)


# --- ingest live -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IngestFigures:
    """What an ingest process has counted so far, copied at one moment."""

    connections: int
    reconnects: int
    heartbeats: int
    frames_by_topic: Mapping[str, int]
    rest_throttled: int


def ingest_families(figures: IngestFigures) -> list[Metric]:
    connections = GaugeMetricFamily(WS_CONNECTIONS, "Open websocket connections to the feed")
    connections.add_metric([], figures.connections)
    reconnects = CounterMetricFamily(WS_RECONNECTS, "Websocket reconnections (drops, silences, refusals)")
    reconnects.add_metric([], figures.reconnects)
    heartbeats = CounterMetricFamily(WS_HEARTBEATS, "Websocket heartbeats received (never written)")
    heartbeats.add_metric([], figures.heartbeats)
    frames = CounterMetricFamily(
        FRAMES, "Websocket data frames acknowledged by the broker, by raw topic", labels=["topic"]
    )
    for topic, count in sorted(figures.frames_by_topic.items()):
        frames.add_metric([topic], count)
    throttled = CounterMetricFamily(REST_THROTTLED, "REST answers 429 (rate limited) from the feed")
    throttled.add_metric([], figures.rest_throttled)
    return [connections, reconnects, heartbeats, frames, throttled]


def ingest_registry(figures: Callable[[], IngestFigures]) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(_Follow(lambda: ingest_families(figures())))
    return registry


# --- serving ---------------------------------------------------------------------------------------------


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be a port number, 0 to 65535")
    return value


def add_metrics_port(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--metrics-port",
        type=_port,
        metavar="P",
        help="serve /metrics for Prometheus on port P (default: DDEFLOW_METRICS_PORT; 0 or unset: off)",
    )


def metrics_port(args: argparse.Namespace, settings: Settings) -> int:
    """The port asked for on the command line, else the setting; 0: no metrics."""
    return settings.metrics_port if args.metrics_port is None else int(args.metrics_port)


@contextlib.contextmanager
def serving(registry: CollectorRegistry | None, port: int, host: str = "0.0.0.0") -> Iterator[None]:
    """Serve ``registry`` at ``http://host:port/metrics`` while the block runs; nothing without a registry."""
    if registry is None or not port:
        yield
        return
    try:
        server, thread = start_http_server(port, host, registry)
    except OSError as exc:
        raise ConfigError(f"cannot serve metrics on {host}:{port}: {exc.strerror or exc}") from None
    log.info("serving metrics at http://%s:%d/metrics", host, port)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
