"""Small figures the benchmarks and the soak report compute from their samples.  Pure."""

from __future__ import annotations

from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The value below which a fraction ``q`` of ``values`` lie (nearest rank); NaN for no values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def growth_pct(before: float, after: float) -> float:
    """How much ``after`` is above ``before``, in percent of ``before`` (negative when it shrank)."""
    if before <= 0:
        raise ValueError(f"growth from {before} is undefined")
    return (after - before) / before * 100.0
