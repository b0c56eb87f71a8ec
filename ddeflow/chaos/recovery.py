"""When a run caught up again after a fault, from progress samples of the run and of the golden run.  Pure.

A run has caught up at the first sample, once the fault is repaired, where the processors' group
has all the workers the run expects, no lag over the raw topics, and at least as many committed
derived records as the golden run had ``slack_s`` earlier on its own clock (both clocks start when
the simulator starts, so both runs see the same matches at the same times).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_SLACK_S = 2.0


@dataclass(frozen=True, slots=True)
class Sample:
    at_s: float
    """Seconds since the run's simulator started."""
    derived: int | None
    """Committed records in the derived topics (None: not readable then, e.g. the broker was down)."""
    lag: int | None
    """Raw records not yet committed by the processors' group."""
    members: int | None
    """Members of the processors' group."""
    raw: int | None = None
    """Records in the raw topics."""


def golden_progress(golden: Sequence[Sample], at_s: float) -> int:
    """The golden run's committed derived records at ``at_s`` (its last readable sample at or before then)."""
    times = [s.at_s for s in golden]
    index = bisect.bisect_right(times, at_s)
    for sample in reversed(golden[:index]):
        if sample.derived is not None:
            return sample.derived
    return 0


def caught_up(sample: Sample, golden: Sequence[Sample], workers: int, slack_s: float) -> bool:
    return (
        sample.derived is not None
        and sample.lag == 0
        and sample.members == workers
        and sample.derived >= golden_progress(golden, sample.at_s - slack_s)
    )


def recovery_s(
    samples: Sequence[Sample],
    golden: Sequence[Sample],
    *,
    fault_at_s: float,
    repaired_at_s: float,
    workers: int,
    slack_s: float = DEFAULT_SLACK_S,
) -> float | None:
    """Seconds from the fault to the first caught-up sample after the repair; None if the run never caught up."""
    for sample in samples:
        if sample.at_s >= repaired_at_s and caught_up(sample, golden, workers, slack_s):
            return max(0.0, sample.at_s - fault_at_s)
    return None
