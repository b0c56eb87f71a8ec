"""How many matches a soak needs and when each goes live, so the simulator serves a steady packet rate.  Pure.

Fixture *i* goes live at ``GO_LIVE_S + i * stagger`` and plays for about ``play_s`` (its feed time times the
simulator's time scale).  Once the first match has played out, about ``play_s / stagger`` matches are live at
any moment and the feed serves, on average, ``mean_packets / stagger`` packets a second; so
``stagger = mean_packets / rate``.  The rate ramps up over the first ``play_s`` and down over the last.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ddeflow.dde.sports import Sport

GO_LIVE_S = 3.0
"""The first match goes live this long after the simulator starts."""
PRODUCTION_GRACE_S = 21600.0
"""The processors' default state grace (6 h), which a soak scales like the matches."""


@dataclass(frozen=True, slots=True)
class BaseMatch:
    """A generated match the soak clones."""

    sport: Sport
    path: Path
    rel_s: tuple[float, ...]
    """Each action packet's feed time after the first, as the simulator paces them."""

    @property
    def packets(self) -> int:
        return len(self.rel_s)

    @property
    def feed_s(self) -> float:
        return self.rel_s[-1] if self.rel_s else 0.0


@dataclass(frozen=True, slots=True)
class FeedPlan:
    rate_per_s: float
    duration_s: float
    """From the first go-live to the last: the ramp-up and the steady rate."""
    play_s: float
    """How long a match of average feed length plays."""
    mean_packets: float
    mean_feed_s: float

    @property
    def stagger_s(self) -> float:
        return self.mean_packets / self.rate_per_s

    @property
    def time_scale(self) -> float:
        return self.play_s / self.mean_feed_s

    @property
    def fixtures(self) -> int:
        return math.floor(self.duration_s / self.stagger_s) + 1

    @property
    def concurrent(self) -> float:
        """Matches live at once in the steady part."""
        return self.play_s / self.stagger_s

    @property
    def packets(self) -> int:
        return round(self.fixtures * self.mean_packets)

    @property
    def steady_end_s(self) -> float:
        """Seconds after the simulator started when the last match goes live and the rate starts to fall."""
        return self.go_live_s(self.fixtures - 1)

    @property
    def state_grace_s(self) -> float:
        """The production grace period at the matches' time scale."""
        return PRODUCTION_GRACE_S * self.time_scale

    def go_live_s(self, index: int) -> float:
        return GO_LIVE_S + index * self.stagger_s


def plan_feed(bases: Sequence[BaseMatch], *, rate_per_s: float, duration_s: float, play_s: float) -> FeedPlan:
    """The plan for clones of ``bases`` taken in turn (clone *i* is of ``bases[i % len(bases)]``)."""
    if not bases or rate_per_s <= 0 or duration_s <= 0 or play_s <= 0:
        raise ValueError("a soak needs matches, a positive rate, duration and play time")
    return FeedPlan(
        rate_per_s,
        duration_s,
        play_s,
        mean_packets=sum(b.packets for b in bases) / len(bases),
        mean_feed_s=sum(b.feed_s for b in bases) / len(bases),
    )


def due_by(plan: FeedPlan, bases: Sequence[BaseMatch], at_s: Sequence[float]) -> list[int]:
    """How many packets the simulator has made due by each of ``at_s`` (seconds after it started)."""
    due = sorted(
        plan.go_live_s(i) + rel * plan.time_scale for i in range(plan.fixtures) for rel in bases[i % len(bases)].rel_s
    )
    return [bisect.bisect_right(due, at) for at in at_s]
