"""The benchmark's PNGs: delay CDFs of the worker against the baseline, throughput over time, RSS over time."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ddeflow.bench.figures import Delays, Drain, cdf, latency, rates

COLOURS = {"worker": "tab:blue", "baseline": "tab:orange"}
VARIANT_COLOURS = ("tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink")
RATE_WINDOW_S = 2.0
"""Commits come in bursts (one per poll and partition number): rates over shorter spans are mostly noise."""


def _save(fig: Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def latency_cdf_plot(loads: Sequence[Sequence[Delays]], path: Path) -> Path:
    """One panel per offered load; the worker's and the baseline's delays as CDFs, log scale."""
    fig, axes = plt.subplots(1, len(loads), figsize=(7 * len(loads), 6), squeeze=False)
    for ax, runs in zip(axes[0], loads, strict=True):
        variants = iter(VARIANT_COLOURS)
        for found in runs:
            points = cdf(found.delays_ms, 201)
            if not points:
                continue
            figures = latency(found.delays_ms)
            ax.plot(
                [ms for ms, _ in points],
                [q for _, q in points],
                label=f"{found.label}: p50 {figures.p50_ms:.0f}, p99 {figures.p99_ms:.0f} ms",
                color=COLOURS.get(found.label) or next(variants, None),
            )
        ax.axhline(0.99, color="grey", linestyle=":", linewidth=1)
        ax.set_xscale("log")
        ax.set_xlabel("raw append → derived visible, read_committed (ms, log scale)")
        ax.set_ylabel("fraction of output records")
        ax.set_title(f"{runs[0].offered_per_s:,.0f} packets/s offered")
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize="small")
    return _save(fig, path)


def throughput_plot(drains: Sequence[Drain], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for found in drains:
        series = rates(found.committed, RATE_WINDOW_S)
        if series:
            ax.plot(*zip(*series, strict=True), label=f"{found.label}: {found.per_s:,.0f}/s sustained", linewidth=1)
    ax.set_xlabel("seconds since the group turned stable")
    ax.set_ylabel(f"raw packets committed / s (over {RATE_WINDOW_S:.0f} s)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"Throughput over a backlog of {drains[0].records:,} packets")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    return _save(fig, path)


def rss_plot(drains: Sequence[Drain], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for found in drains:
        if found.rss_mb:
            ax.plot(*zip(*found.rss_mb, strict=True), label=found.label, linewidth=1)
    ax.set_xlabel("seconds since the group turned stable")
    ax.set_ylabel("resident memory (MB)")
    ax.set_ylim(bottom=0)
    ax.set_title("RSS over the backlog, each in its own process")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    return _save(fig, path)
