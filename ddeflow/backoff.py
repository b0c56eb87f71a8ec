"""Retry delays: exponential backoff with jitter.  Pure: no I/O, no clock.

Delay ``n`` (from 0) is drawn uniformly from ``[(1 - jitter) * d, d]`` where
``d = min(max_s, initial_s * factor ** n)``.  The jitter spreads the reconnects
of many streams that dropped together (a feed restart) instead of letting them
all knock at once; the cap keeps a long outage from pushing the next attempt
out of reach.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from ddeflow.errors import ConfigError


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    initial_s: float = 0.5
    max_s: float = 30.0
    factor: float = 2.0
    jitter: float = 0.5
    """Fraction of each delay that is random: 0 gives fixed delays, 1 gives "full jitter"."""

    def __post_init__(self) -> None:
        if not (self.initial_s > 0 and self.max_s >= self.initial_s and self.factor >= 1 and 0 <= self.jitter <= 1):
            raise ConfigError(
                "backoff needs initial_s > 0, max_s >= initial_s, factor >= 1 and 0 <= jitter <= 1; "
                f"got {self.initial_s}, {self.max_s}, {self.factor}, {self.jitter}"
            )


def backoff_delays(policy: BackoffPolicy, rng: random.Random) -> Iterator[float]:
    """An endless series of delays in seconds; start a new series after a healthy connection."""
    ceiling = policy.initial_s
    while True:
        yield ceiling * (1.0 - policy.jitter * rng.random())
        ceiling = min(policy.max_s, ceiling * policy.factor)
