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


def _series(
    ax: Axes,
    points: Sequence[tuple[float, float]],
    figures: Figures,
    *,
    color: str,
    label: str,
    ylabel: str,
    title: str,
) -> None:
    if points:
        ax.plot(*zip(*points, strict=True), color=color, label=label)
    _phases(ax, figures)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(ylabel)
    ax.set_title(title)


def lag_plot(ticks: Sequence[Tick], figures: Figures, path: Path) -> Path:
    fig, (top, middle, bottom) = plt.subplots(3, 1, figsize=(10, 10), sharex=True)
    lags = [(t.at_s, float(t.lag)) for t in ticks if t.lag is not None]
    title = f"Soak: consumer lag of the processors' group (max {figures.lag_max})"
    _series(top, lags, figures, color="tab:red", label="lag", ylabel="raw records not yet committed", title=title)
    top.legend(loc="upper right")
    backlog = [(t.at_s, float(t.backlog)) for t in ticks if t.backlog is not None]
    title = f"Feed backlog: how far ingest is behind the feed (max {figures.backlog_max})"
    label = "due at the simulator, not yet in Kafka"
    _series(middle, backlog, figures, color="tab:purple", label=label, ylabel="packets", title=title)
    middle.legend(loc="upper left")
    achieved = figures.achieved_rate_per_s
    title = f"Input rate (steady part: {achieved:.0f} /s)" if achieved is not None else "Input rate"
    label = "raw records appended"
    rates = input_rates(ticks)
    _series(bottom, rates, figures, color="tab:blue", label=label, ylabel="packets / s", title=title)
    bottom.axhline(figures.planned_rate_per_s, color="black", linestyle="--", linewidth=1, label="planned rate")
    bottom.set_ylim(0, 1.1 * max([figures.planned_rate_per_s, *(rate for _, rate in rates)]))
    bottom.legend(loc="lower right")
    return _save(fig, path)


def delay_plot(seen_s: Sequence[float], delays_ms: Sequence[float], figures: Figures, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(11, 5))
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
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
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
