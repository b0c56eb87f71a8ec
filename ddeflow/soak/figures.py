"""What a soak reports, from its samples: memory growth after warm-up, consumer lag, delay percentiles and the
input rate the pipeline achieved.  Pure."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ddeflow.harness.stats import growth_pct, percentile

DELAY_QUANTILES = (0.5, 0.95, 0.99)


@dataclass(frozen=True, slots=True)
class Tick:
    """One sample, ``at_s`` seconds after the simulator started."""

    at_s: float
    rss_mb: Mapping[str, float]
    """Resident memory of each process still running."""
    cpu_pct: Mapping[str, float]
    """CPU use of each process since the previous sample, in percent of one core."""
    lag: int | None
    """Raw records not yet committed by the processors' group (None: not readable then)."""
    raw: int | None
    """Records in the raw topics."""
    due: int | None = None
    """Packets the simulator had made due by then (from the plan)."""

    @property
    def backlog(self) -> int | None:
        """Packets due at the simulator but not yet in the raw topics: how far the input is behind the feed."""
        return None if self.due is None or self.raw is None else max(0, self.due - self.raw)


@dataclass(frozen=True, slots=True)
class Memory:
    process: str
    warm_mb: float
    """At the first sample after warm-up."""
    end_mb: float
    """At the last sample of the steady part."""
    peak_mb: float
    growth_pct: float


@dataclass(frozen=True, slots=True)
class Delays:
    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


@dataclass(frozen=True, slots=True)
class Figures:
    warmup_s: float
    steady_end_s: float
    memory: tuple[Memory, ...]
    cpu_mean_pct: Mapping[str, float]
    """Each process's mean CPU use between warm-up and the end of the steady part."""
    lag_max: int | None
    lag_at_steady_end: int | None
    lag_final: int | None
    backlog_max: int | None
    backlog_at_steady_end: int | None
    delays: Delays
    planned_rate_per_s: float
    achieved_rate_per_s: float | None
    """Raw records appended per second between warm-up and the end of the steady part."""

    def cpu_ms_per_packet(self, process: str) -> float | None:
        """CPU time the process spent per packet in the steady part, whatever the rate the machine allowed."""
        cpu, rate = self.cpu_mean_pct.get(process), self.achieved_rate_per_s
        return None if cpu is None or not rate else cpu / 100 * 1000 / rate

    def cores_at_planned_rate(self, processes: Sequence[str]) -> float | None:
        """Cores ``processes`` together would need for the planned rate, at their CPU time per packet."""
        per_packet = [self.cpu_ms_per_packet(name) for name in processes]
        known = [ms for ms in per_packet if ms is not None]
        return sum(known) / 1000 * self.planned_rate_per_s if known else None


def first_at_or_after(ticks: Sequence[Tick], at_s: float) -> Tick | None:
    return next((t for t in ticks if t.at_s >= at_s), None)


def last_at_or_before(ticks: Sequence[Tick], at_s: float) -> Tick | None:
    return next((t for t in reversed(ticks) if t.at_s <= at_s), None)


def memory(ticks: Sequence[Tick], process: str, warmup_s: float, steady_end_s: float) -> Memory | None:
    """The process's memory at the end of warm-up and at the end of the steady part, None without both."""
    held = [t for t in ticks if process in t.rss_mb]
    warm = first_at_or_after(held, warmup_s)
    end = last_at_or_before(held, steady_end_s)
    if warm is None or end is None or end.at_s <= warm.at_s:
        return None
    before, after = warm.rss_mb[process], end.rss_mb[process]
    peak = max(t.rss_mb[process] for t in held)
    return Memory(process, before, after, peak, growth_pct(before, after))


def rate_between(ticks: Sequence[Tick], start_s: float, end_s: float) -> float | None:
    """Raw records appended per second from the first readable sample at or after ``start_s`` to the last at or
    before ``end_s``."""
    readable = [t for t in ticks if t.raw is not None]
    first, last = first_at_or_after(readable, start_s), last_at_or_before(readable, end_s)
    if first is None or last is None or last.at_s <= first.at_s:
        return None
    assert first.raw is not None and last.raw is not None
    return (last.raw - first.raw) / (last.at_s - first.at_s)


def input_rates(ticks: Sequence[Tick]) -> list[tuple[float, float]]:
    """Raw records appended per second between consecutive readable samples (at the later one)."""
    readable = [(t.at_s, t.raw) for t in ticks if t.raw is not None]
    return [(b, (rb - ra) / (b - a)) for (a, ra), (b, rb) in itertools.pairwise(readable) if b > a]


def delays(values: Sequence[float]) -> Delays:
    ordered = sorted(values)
    p50, p95, p99 = (percentile(ordered, q) for q in DELAY_QUANTILES)
    return Delays(len(ordered), p50, p95, p99, ordered[-1] if ordered else float("nan"))


def windowed_delays(seen_s: Sequence[float], delays_ms: Sequence[float], window_s: float) -> list[tuple[float, Delays]]:
    """Delay percentiles per window of ``window_s`` seconds of when the records were seen (window middles)."""
    windows: dict[int, list[float]] = {}
    for at, delay in zip(seen_s, delays_ms, strict=True):
        windows.setdefault(int(at // window_s), []).append(delay)
    return [((index + 0.5) * window_s, delays(windows[index])) for index in sorted(windows)]


def figures(
    ticks: Sequence[Tick],
    delays_ms: Sequence[float],
    *,
    processes: Sequence[str],
    warmup_s: float,
    steady_end_s: float,
    planned_rate_per_s: float,
) -> Figures:
    steady = [t for t in ticks if warmup_s <= t.at_s <= steady_end_s]
    lags = [t.lag for t in ticks if t.lag is not None]
    at_end = last_at_or_before([t for t in ticks if t.lag is not None], steady_end_s)
    backlogs = [t for t in ticks if t.backlog is not None]
    backlog_at_end = last_at_or_before(backlogs, steady_end_s)
    cpu = {
        name: sum(t.cpu_pct[name] for t in steady if name in t.cpu_pct) / n
        for name in processes
        if (n := sum(1 for t in steady if name in t.cpu_pct))
    }
    found = (memory(ticks, name, warmup_s, steady_end_s) for name in processes)
    return Figures(
        warmup_s=warmup_s,
        steady_end_s=steady_end_s,
        memory=tuple(m for m in found if m is not None),
        cpu_mean_pct=cpu,
        lag_max=max(lags) if lags else None,
        lag_at_steady_end=at_end.lag if at_end is not None else None,
        lag_final=lags[-1] if lags else None,
        backlog_max=max((t.backlog for t in backlogs if t.backlog is not None), default=None),
        backlog_at_steady_end=backlog_at_end.backlog if backlog_at_end is not None else None,
        delays=delays(delays_ms),
        planned_rate_per_s=planned_rate_per_s,
        achieved_rate_per_s=rate_between(ticks, warmup_s, steady_end_s),
    )
