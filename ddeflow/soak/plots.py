"""The soak report's PNGs: memory, lag and input rate, delay percentiles and CPU, each over the run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ddeflow.soak.figures import Figures, Tick, input_rates, windowed_delays

DELAY_WINDOW_S = 10.0


def _phases(ax: Axes, figures: Figures) -> None:
    ax.axvline(
        figures.warmup_s, color="grey", linestyle="--", linewidth=1, label=f"warm-up end ({figures.warmup_s:.0f} s)"
    )
    ax.axvline(figures.steady_end_s, color="grey", linestyle=":", linewidth=1, label="last match goes live")
    ax.set_xlabel("seconds since the simulator started")
    ax.grid(alpha=0.3)


def _save(fig: Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def rss_plot(ticks: Sequence[Tick], processes: Sequence[str], figures: Figures, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(10, 5))
    growth = {m.process: m.growth_pct for m in figures.memory}
    for name in processes:
        points = [(t.at_s, t.rss_mb[name]) for t in ticks if name in t.rss_mb]
        if points:
            label = f"{name} ({growth[name]:+.1f} % after warm-up)" if name in growth else name
            ax.plot(*zip(*points, strict=True), label=label)
    _phases(ax, figures)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("resident memory (MB)")
    ax.set_title("Soak: RSS of each pipeline process")
    ax.legend(loc="lower right")
    return _save(fig, path)


def lag_plot(ticks: Sequence[Tick], figures: Figures, path: Path) -> Path:
    fig, (top, middle, bottom) = plt.subplots(3, 1, figsize=(10, 10), sharex=True)
    lags = [(t.at_s, t.lag) for t in ticks if t.lag is not None]
    if lags:
        top.plot(*zip(*lags, strict=True), color="tab:red", label="lag")
    _phases(top, figures)
    top.set_ylim(bottom=0)
    top.set_ylabel("raw records not yet committed")
    top.set_title(f"Soak: consumer lag of the processors' group (max {figures.lag_max})")
    top.legend(loc="upper right")
    backlog = [(t.at_s, t.backlog) for t in ticks if t.backlog is not None]
    if backlog:
        middle.plot(*zip(*backlog, strict=True), color="tab:purple", label="due at the simulator, not yet in Kafka")
    _phases(middle, figures)
    middle.set_ylim(bottom=0)
    middle.set_ylabel("packets")
    middle.set_title(f"Feed backlog: how far ingest is behind the feed (max {figures.backlog_max})")
    middle.legend(loc="upper left")
    rates = input_rates(ticks)
    if rates:
        bottom.plot(*zip(*rates, strict=True), color="tab:blue", label="raw records appended")
    bottom.axhline(figures.planned_rate_per_s, color="black", linestyle="--", linewidth=1, label="planned rate")
    _phases(bottom, figures)
    bottom.set_ylim(bottom=0)
    bottom.set_ylabel("packets / s")
    achieved = figures.achieved_rate_per_s
    bottom.set_title(f"Input rate (steady part: {achieved:.0f} /s)" if achieved is not None else "Input rate")
    bottom.legend(loc="lower right")
    return _save(fig, path)


def delay_plot(seen_s: Sequence[float], delays_ms: Sequence[float], figures: Figures, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(10, 5))
    windows = windowed_delays(seen_s, delays_ms, DELAY_WINDOW_S)
    if windows:
        at = [w[0] for w in windows]
        for label, values in (
            ("p50", [w[1].p50_ms for w in windows]),
            ("p95", [w[1].p95_ms for w in windows]),
            ("p99", [w[1].p99_ms for w in windows]),
            ("max", [w[1].max_ms for w in windows]),
        ):
            ax.plot(at, values, marker=".", label=label)
    _phases(ax, figures)
    ax.set_yscale("log")
    ax.set_ylabel("receipt to committed derived record (ms, log scale)")
    d = figures.delays
    ax.set_title(
        f"Soak: delay per {DELAY_WINDOW_S:.0f} s window (whole run: p50 {d.p50_ms:.0f} ms, p99 {d.p99_ms:.0f} ms, "
        f"{d.count} records)"
    )
    ax.legend(loc="upper left")
    return _save(fig, path)


def cpu_plot(ticks: Sequence[Tick], processes: Sequence[str], machine: str, figures: Figures, path: Path) -> Path:
    """Each process's CPU, and ``machine``: the whole machine's, every user's processes together."""
    fig, ax = plt.subplots(figsize=(10, 5))
    for name in [*processes, machine]:
        points = [(t.at_s, t.cpu_pct[name]) for t in ticks if name in t.cpu_pct]
        if points and name == machine:
            ax.plot(*zip(*points, strict=True), color="black", linewidth=3, alpha=0.35, label=name)
        elif points:
            ax.plot(*zip(*points, strict=True), label=name)
    ax.axhline(100, color="black", linewidth=1, linestyle="-.", label="one core")
    _phases(ax, figures)
    ax.set_ylim(0, 210)
    ax.set_ylabel("CPU (% of one core; the machine has 2)")
    ax.set_title("Soak: CPU of each process and of the whole machine")
    ax.legend(loc="center right", fontsize="small")
    return _save(fig, path)
