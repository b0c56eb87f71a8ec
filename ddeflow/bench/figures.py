"""What a benchmark run reports: delay percentiles and CDFs, rates over time, the JSON report and its markdown
table.  Pure: the phases hand in what they measured; nothing here reads a clock or a broker.

The JSON report's keys are stable (``REPORT_VERSION`` changes when they do); every figure of the targets table
sits beside the baseline measured in the same run and the ratio of the two.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ddeflow.soak.figures import Delays as Latency
from ddeflow.soak.figures import delays

REPORT_VERSION = 2
CDF_POINTS = 101

TARGET_P50_MS = {1000: 15.0}
TARGET_P99_MS = {1000: 50.0, 5000: 100.0}
TARGET_THROUGHPUT_RATIO = 0.6
TARGET_THROUGHPUT_PER_S = 15_000.0
TARGET_KB_PER_FIXTURE = 50.0
TARGET_INGEST_P99_MS = 20.0


def latency(delays_ms: Sequence[float]) -> Latency:
    """Count, p50, p95, p99 and max of delays in ms, as the soak reports them."""
    return delays(delays_ms)


def cdf(delays_ms: Sequence[float], points: int = CDF_POINTS) -> list[tuple[float, float]]:
    """``points`` (delay, fraction of records at or below it) pairs, evenly spaced in the fraction."""
    ordered = sorted(delays_ms)
    if not ordered or points < 2:
        return []
    n = len(ordered)
    return [(ordered[min(n - 1, round(i / (points - 1) * (n - 1)))], i / (points - 1)) for i in range(points)]


def rates(samples: Sequence[tuple[float, int]], every_s: float = 0.0) -> list[tuple[float, float]]:
    """Records per second between (seconds, count so far) samples at least ``every_s`` apart (and the last
    sample), at the later one."""
    kept: list[tuple[float, int]] = []
    for index, (at, count) in enumerate(samples):
        if not kept or at - kept[-1][0] >= every_s or index == len(samples) - 1:
            kept.append((at, count))
    return [(b, (cb - ca) / (b - a)) for (a, ca), (b, cb) in itertools.pairwise(kept) if b > a]


def received_since(delays_ms: Sequence[float], seen_us: Sequence[int], from_us: int) -> list[float]:
    """The delays of the records whose raw record was appended at or after ``from_us`` (µs since the epoch): a
    record seen at ``seen_us`` after ``delay_ms`` was appended at ``seen_us - 1000 * delay_ms``."""
    return [delay for delay, at_us in zip(delays_ms, seen_us, strict=True) if at_us - delay * 1000 >= from_us]


def ratio(value: float, baseline: float) -> float | None:
    return None if baseline == 0 or value != value or baseline != baseline else value / baseline


@dataclass(frozen=True, slots=True)
class Drain:
    """One consumer group working off the same backlog of raw records."""

    label: str
    records: int
    seconds: float
    committed: tuple[tuple[float, int], ...]
    """(seconds since the group turned stable, records committed so far)."""
    rss_mb: tuple[tuple[float, float], ...]
    """(seconds since the group turned stable, the child's resident memory)."""
    summary: str = ""

    @property
    def start_s(self) -> float | None:
        """From the group turning stable to the first commit: joining, fencing, restoring state."""
        return next((at for at, count in self.committed if count > 0), None)

    @property
    def per_s(self) -> float:
        """Sustained: records committed after the first sample that saw a commit, over the time since then."""
        working = [(at, count) for at, count in self.committed if count > 0]
        if len(working) < 2 or working[-1][0] <= working[0][0]:
            return self.records / self.seconds if self.seconds > 0 else float("nan")
        (first_at, first), (last_at, last) = working[0], working[-1]
        return (last - first) / (last_at - first_at)


@dataclass(frozen=True, slots=True)
class Delays:
    """One child (the worker or the baseline) under one offered load."""

    label: str
    offered_per_s: float
    fed: int
    fed_s: float
    delays_ms: tuple[float, ...]
    rss_mb: tuple[tuple[float, float], ...] = ()

    @property
    def achieved_per_s(self) -> float:
        return self.fed / self.fed_s if self.fed_s > 0 else float("nan")


@dataclass(frozen=True, slots=True)
class LoadRun:
    """One offered load: the worker, the baseline, and the worker again under each variant of its knobs."""

    worker: Delays
    baseline: Delays
    variants: tuple[Delays, ...] = ()


@dataclass(frozen=True, slots=True)
class Feed:
    fixtures: int
    packets: int
    duplicates: int
    stale: int
    by_sport: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class FanInRun:
    """``ingest live`` over many concurrent streams, and a bare producer's appends at its rate."""

    fixtures: int
    frames: int
    summary: Mapping[str, Any]
    """``ingest live --summary-json``: its frames, rate, receipt-to-ack delay, peak streams and RSS."""
    complete_fixtures: int
    """Fixtures with every packet in the raw topics afterwards."""
    served_per_s: float
    """The simulator's data frames per second from its first to its last (heartbeats are not counted)."""
    baseline: Latency
    baseline_per_s: float


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None or value != value else round(value, digits)


def _latency_entry(found: Delays) -> dict[str, Any]:
    figures = {k: _rounded(v) if isinstance(v, float) else v for k, v in asdict(latency(found.delays_ms)).items()}
    return {
        **figures,
        "fed": found.fed,
        "achieved_per_s": _rounded(found.achieved_per_s),
        "cdf_ms": [_rounded(ms, 2) for ms, _ in cdf(found.delays_ms)],
    }


def _drain_entry(found: Drain) -> dict[str, Any]:
    return {
        "records": found.records,
        "seconds": _rounded(found.seconds, 2),
        "per_s": _rounded(found.per_s),
        "start_s": _rounded(found.start_s, 2),
        "peak_rss_mb": _rounded(max((mb for _, mb in found.rss_mb), default=float("nan"))),
        "summary": found.summary,
    }


def _against(ours: Delays, baseline: Delays) -> dict[str, float | None]:
    mine, theirs = latency(ours.delays_ms), latency(baseline.delays_ms)
    return {
        "p50_ratio": _rounded(ratio(mine.p50_ms, theirs.p50_ms), 3),
        "p99_ratio": _rounded(ratio(mine.p99_ms, theirs.p99_ms), 3),
    }


def memory_per_fixture_kb(drain: Drain, fixtures: int) -> float | None:
    """Growth of the worker's RSS over the backlog (every fixture open at once), per fixture.  A rough figure:
    it holds the interpreter's and the clients' own growth too."""
    if len(drain.rss_mb) < 2 or fixtures <= 0:
        return None
    first = drain.rss_mb[0][1]
    peak = max(mb for _, mb in drain.rss_mb)
    return (peak - first) * 1024 / fixtures


def report(
    *,
    command: str,
    profile: str,
    machine: Mapping[str, Any],
    knobs: Mapping[str, Any],
    feed: Feed,
    worker: Drain,
    transactional: Drain,
    plain: Drain,
    loads: Sequence[LoadRun],
    fan_in: FanInRun | None = None,
) -> dict[str, Any]:
    """The JSON report."""
    latency_rows = []
    for run in loads:
        offered = round(run.worker.offered_per_s)
        latency_rows.append(
            {
                "offered_per_s": offered,
                "worker": _latency_entry(run.worker),
                "baseline": _latency_entry(run.baseline),
                **_against(run.worker, run.baseline),
                "target_p50_ms": TARGET_P50_MS.get(offered),
                "target_p99_ms": TARGET_P99_MS.get(offered),
                "variants": [
                    {"knobs": v.label, **_latency_entry(v), **_against(v, run.baseline)} for v in run.variants
                ],
            }
        )
    kb = memory_per_fixture_kb(worker, feed.fixtures)
    return {
        "report_version": REPORT_VERSION,
        "command": command,
        "profile": profile,
        "machine": dict(machine),
        "knobs": dict(knobs),
        "feed": asdict(feed) | {"by_sport": dict(feed.by_sport)},
        "throughput": {
            "worker": _drain_entry(worker),
            "baseline_transactional": _drain_entry(transactional),
            "baseline_plain": _drain_entry(plain),
            "ratio_transactional": _rounded(ratio(worker.per_s, transactional.per_s), 3),
            "ratio_plain": _rounded(ratio(worker.per_s, plain.per_s), 3),
            "target_ratio": TARGET_THROUGHPUT_RATIO,
            "target_per_s": TARGET_THROUGHPUT_PER_S,
        },
        "latency": latency_rows,
        "memory": {
            "fixtures": feed.fixtures,
            "worker_start_rss_mb": _rounded(worker.rss_mb[0][1]) if worker.rss_mb else None,
            "worker_peak_rss_mb": _rounded(max((mb for _, mb in worker.rss_mb), default=float("nan"))),
            "kb_per_fixture": _rounded(kb),
            "target_kb_per_fixture": TARGET_KB_PER_FIXTURE,
        },
        "ingest": None if fan_in is None else _fan_in_entry(fan_in),
    }


def _fan_in_entry(found: FanInRun) -> dict[str, Any]:
    s = found.summary
    base = found.baseline
    return {
        "streams": found.fixtures,
        "peak_streams": s["peak_streams"],
        "frames": found.frames,
        "frames_written": s["frames"],
        "served_per_s": _rounded(found.served_per_s),
        "p50_ms": _rounded(s["delay_p50_ms"]),
        "p99_ms": _rounded(s["delay_p99_ms"]),
        "max_ms": _rounded(s["delay_max_ms"]),
        "peak_rss_mb": _rounded(s["peak_rss_mb"]),
        "reconnects": s["reconnects"],
        "complete_fixtures": found.complete_fixtures,
        "baseline": {
            "count": base.count,
            "per_s": _rounded(found.baseline_per_s),
            "p50_ms": _rounded(base.p50_ms),
            "p99_ms": _rounded(base.p99_ms),
            "max_ms": _rounded(base.max_ms),
        },
        "p50_ratio": _rounded(ratio(s["delay_p50_ms"], base.p50_ms), 3),
        "p99_ratio": _rounded(ratio(s["delay_p99_ms"], base.p99_ms), 3),
        "target_p99_ms": TARGET_INGEST_P99_MS,
    }


def _ms(value: Any) -> str:
    return "n/a" if value is None else f"{value:.0f} ms"


def _times(value: Any) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def markdown(found: Mapping[str, Any]) -> str:
    """The targets table: each figure, its target, the worker, the baseline of the same run and their ratio."""
    machine = found["machine"]
    feed = found["feed"]
    lines = [
        f"# ddeflow bench ({found['profile']})",
        "",
        f"`{found['command']}` on {machine['cores']} cores, {machine['memory_gb']} GB, {machine['broker']}, "
        f"load average {machine['load_avg_1m']} at the start.",
        f"Data: {feed['fixtures']} fixtures, {feed['packets']} raw packets ({feed['duplicates']} duplicates, "
        f"{feed['stale']} stale re-sends). Worker knobs: "
        + ", ".join(f"{k} {v}" for k, v in found["knobs"].items())
        + ".",
        "",
        "| figure | target | worker | baseline (same run) | ratio |",
        "|---|---|---|---|---|",
    ]
    for row in found["latency"]:
        ours, base = row["worker"], row["baseline"]
        load = f"{row['offered_per_s']:,} packets/s (achieved {ours['achieved_per_s']:,.0f})"
        target = row["target_p50_ms"]
        lines.append(
            f"| delay p50, {load} | {_ms(target) if target else '-'} | {_ms(ours['p50_ms'])} | "
            f"{_ms(base['p50_ms'])} | {_times(row['p50_ratio'])} |"
        )
        target = row["target_p99_ms"]
        lines.append(
            f"| delay p99, {load} | {_ms(target) if target else '-'} | {_ms(ours['p99_ms'])} | "
            f"{_ms(base['p99_ms'])} | {_times(row['p99_ratio'])} |"
        )
        for variant in row["variants"]:
            lines.append(
                f"| delay p50 / p99, {row['offered_per_s']:,}/s, worker with {variant['knobs']} | - | "
                f"{_ms(variant['p50_ms'])} / {_ms(variant['p99_ms'])} | "
                f"{_ms(base['p50_ms'])} / {_ms(base['p99_ms'])} | "
                f"{_times(variant['p50_ratio'])} / {_times(variant['p99_ratio'])} |"
            )
    t = found["throughput"]
    lines.append(
        f"| throughput over {t['worker']['records']:,} packets, vs transactional pass-through | "
        f"≥ {t['target_ratio']}x and ≥ {t['target_per_s']:,.0f}/s | {t['worker']['per_s']:,.0f}/s | "
        f"{t['baseline_transactional']['per_s']:,.0f}/s | {_times(t['ratio_transactional'])} |"
    )
    lines.append(
        f"| the same vs plain (non-transactional) pass-through | - | {t['worker']['per_s']:,.0f}/s | "
        f"{t['baseline_plain']['per_s']:,.0f}/s | {_times(t['ratio_plain'])} |"
    )
    m = found["memory"]
    kb = "n/a" if m["kb_per_fixture"] is None else f"{m['kb_per_fixture']:.0f} KB"
    lines.append(
        f"| worker RSS growth per fixture ({m['fixtures']} open at once; peak {m['worker_peak_rss_mb']} MB) | "
        f"≤ {m['target_kb_per_fixture']:.0f} KB | {kb} | - | - |"
    )
    if (i := found.get("ingest")) is not None:
        streams = (
            f"{i['peak_streams']:,} streams at once, {i['frames_written']:,} frames served at "
            f"{i['served_per_s']:,.0f}/s"
        )
        base = i["baseline"]
        lines.append(
            f"| ingest live receipt to ack p50, {streams} | - | {_ms(i['p50_ms'])} | {_ms(base['p50_ms'])} | "
            f"{_times(i['p50_ratio'])} |"
        )
        lines.append(
            f"| ingest live receipt to ack p99, the same | ≤ {i['target_p99_ms']:.0f} ms | {_ms(i['p99_ms'])} | "
            f"{_ms(base['p99_ms'])} | {_times(i['p99_ratio'])} |"
        )
    lines.append("")
    if (i := found.get("ingest")) is not None:
        lines.append(
            f"Ingest baseline: the same frames appended by a bare producer with ingest's settings at "
            f"{i['baseline']['per_s']:,.0f}/s ({i['baseline']['count']:,} records), send to ack. "
            f"Every packet in the raw topics afterwards: {i['complete_fixtures']:,} of {i['streams']:,} fixtures; "
            f"ingest's peak RSS {i['peak_rss_mb']} MB."
        )
        lines.append("")
    return "\n".join(lines)
