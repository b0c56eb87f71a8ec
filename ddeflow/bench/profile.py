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


QUICK = Profile("quick", fixtures=40, snooker_statistics=20, loads=(Load(1000, 10),))
FULL = Profile("full", fixtures=1080, snooker_statistics=20, loads=(Load(1000, 30), Load(5000, 20)))
PROFILES = {p.name: p for p in (QUICK, FULL)}
SMALLEST = Profile("smallest", fixtures=4, snooker_statistics=2, loads=(Load(200, 3),), idle_s=1.0)
"""For the test of the command's report: seconds of feeding, not a measurement."""
