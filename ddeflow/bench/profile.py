"""How much a benchmark run feeds and at which offered loads.  Pure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Load:
    """Raw records appended at ``rate_per_s`` for ``seconds``, with the worker and then the baseline running."""

    rate_per_s: float
    seconds: float

    @property
    def records(self) -> int:
        return round(self.rate_per_s * self.seconds)


@dataclass(frozen=True, slots=True)
class FanIn:
    """The fan-in phase: ``ingest live`` over ``fixtures`` concurrent simulated streams."""

    fixtures: int
    keep: int | None
    """Packets per match (thinned evenly, first and last kept); None: whole matches."""
    time_scale: float
    """The simulator's: a generated match lasts about two hours times this."""
    stagger_s: float
    """Go-live spacing between streams."""
    connects_per_s: int
    requests_per_s: int
    baseline_s: float
    """How long the baseline producer appends at ingest's rate."""
    drop_probability: float = 0.0


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    fixtures: int
    """Generated matches over the four sports; about 475 raw records each with the trouble mixed in."""
    snooker_statistics: int
    """Statistics snapshots kept per snooker fixture (the full stream is ~15 MB per fixture)."""
    loads: tuple[Load, ...]
    duplicate_rate: float = 0.05
    stale_rate: float = 0.05
    idle_s: float = 3.0
    """How long the throughput phase's child waits with nothing new before it checks it has drained and ends."""
    fan_in: FanIn | None = None


QUICK = Profile(
    "quick",
    fixtures=40,
    snooker_statistics=20,
    loads=(Load(1000, 10),),
    fan_in=FanIn(100, keep=60, time_scale=0.01, stagger_s=0.05, connects_per_s=20, requests_per_s=20, baseline_s=10),
)
FULL = Profile(
    "full",
    fixtures=1080,
    snooker_statistics=20,
    loads=(Load(1000, 30), Load(5000, 20)),
    fan_in=FanIn(1000, keep=120, time_scale=0.03, stagger_s=0.02, connects_per_s=20, requests_per_s=20, baseline_s=20),
)
PROFILES = {p.name: p for p in (QUICK, FULL)}
SMALLEST = Profile(
    "smallest",
    fixtures=4,
    snooker_statistics=2,
    loads=(Load(200, 3),),
    idle_s=1.0,
    fan_in=FanIn(8, keep=10, time_scale=0.002, stagger_s=0.1, connects_per_s=20, requests_per_s=20, baseline_s=2),
)
"""For the test of the command's report: seconds of feeding, not a measurement."""
