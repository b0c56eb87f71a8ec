"""The board's footer: figures on the whole pipeline, from samples the shell takes.  Pure.

- packets/s in: the raw topics' end offsets over time (raw records are not written in transactions,
  so offsets count records);
- records/s out and the delay: the derived records the board reads, by their own timestamps, over
  the last ``WINDOW_MS`` (end offsets of transactional topics would also count commit markers);
- consumer lag: the raw topics' end offsets against the worker group's committed offsets;
- duplicates and stale dropped: the worker's Prometheus counters, when a metrics URL is given.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

WINDOW_MS = 10_000
_DELAYS_KEPT = 5_000


@dataclass(frozen=True, slots=True)
class OffsetSample:
    at_s: float
    raw_end: int
    """Sum of the raw topics' end offsets."""


@dataclass(frozen=True, slots=True)
class Dropped:
    duplicates: int
    stale: int


@dataclass(frozen=True, slots=True)
class Figures:
    packets_in_per_s: float | None = None
    records_out_per_s: float | None = None
    dlq: int = 0
    lag: int | None = None
    delay_p50_ms: float | None = None
    delay_p99_ms: float | None = None
    dropped: Dropped | None = None


def packets_per_s(samples: Iterable[OffsetSample]) -> float | None:
    """Rate between the first and the last sample; None until two samples a moment apart exist."""
    ordered = sorted(samples, key=lambda s: s.at_s)
    if len(ordered) < 2 or ordered[-1].at_s - ordered[0].at_s <= 0:
        return None
    return (ordered[-1].raw_end - ordered[0].raw_end) / (ordered[-1].at_s - ordered[0].at_s)


def lag(ends: Mapping[Hashable, int], committed: Mapping[Hashable, int]) -> int:
    """Records appended but not yet committed by the group; a partition it never committed lags from 0."""
    return sum(max(0, end - committed.get(tp, 0)) for tp, end in ends.items())


def percentile(values: Iterable[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..100); None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[min(len(ordered), int(rank)) - 1]


def delay_ms(value: Mapping[str, Any], timestamp_ms: int) -> float | None:
    """From the producer's receipt (``receivedAt``, ISO-8601) to the derived record's timestamp."""
    received = value.get("receivedAt")
    if not isinstance(received, str):
        return None
    received_ms = datetime.fromisoformat(received.replace("Z", "+00:00")).timestamp() * 1000
    return timestamp_ms - received_ms


def dropped(metrics_text: str) -> Dropped:
    """Duplicates and stale records dropped, from the worker's Prometheus text (``ddeflow_dropped_total``)."""
    by_reason: dict[str, float] = {}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if sample.name == "ddeflow_dropped_total":
                reason = sample.labels.get("reason", "")
                by_reason[reason] = by_reason.get(reason, 0.0) + sample.value
    return Dropped(int(by_reason.get("duplicate", 0)), int(by_reason.get("stale", 0)))


class Recent:
    """Derived records seen, by timestamp: the rate out over the last window and the delays."""

    def __init__(self) -> None:
        self._stamps: deque[int] = deque()
        self._delays: deque[float] = deque(maxlen=_DELAYS_KEPT)
        self.dlq = 0

    def add(self, timestamp_ms: int, delay: float | None) -> None:
        self._stamps.append(timestamp_ms)
        if delay is not None:
            self._delays.append(delay)

    def per_s(self, now_ms: int) -> float:
        # The topics are read side by side, so stamps are only roughly in order: filter, don't pop.
        self._stamps = deque(t for t in self._stamps if t >= now_ms - WINDOW_MS)
        return sum(1 for t in self._stamps if t <= now_ms) / (WINDOW_MS / 1000)

    def delays(self) -> list[float]:
        return list(self._delays)
