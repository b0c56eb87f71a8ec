"""Token buckets, one per client, for the REST rate limit.  Pure: the clock is an argument.

A bucket holds up to ``burst`` tokens and refills at ``rate_per_s``; each request
takes one.  A refused request learns how long until one token is back, which
the shell sends as ``Retry-After`` (whole seconds, rounded up, at least 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Requests spaced exactly 1/rate apart must pass despite float rounding in the refill.
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after_s: float = 0.0

    @property
    def retry_after_header(self) -> str:
        """The ``Retry-After`` value: delay-seconds is an integer, so round up."""
        return str(max(1, math.ceil(self.retry_after_s)))


class TokenBucket:
    """One client's bucket.  ``now_s`` must not go backwards (a monotonic clock)."""

    __slots__ = ("_burst", "_rate_per_s", "_tokens", "_updated_s")

    def __init__(self, rate_per_s: float, burst: float, now_s: float) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("rate_per_s must be > 0 and burst >= 1")
        self._rate_per_s = rate_per_s
        self._burst = burst
        self._tokens = burst
        self._updated_s = now_s

    def _refill(self, now_s: float) -> None:
        elapsed_s = max(0.0, now_s - self._updated_s)
        self._tokens = min(self._burst, self._tokens + elapsed_s * self._rate_per_s)
        self._updated_s = max(self._updated_s, now_s)

    def take(self, now_s: float) -> Decision:
        self._refill(now_s)
        if self._tokens >= 1.0 - _EPSILON:
            self._tokens = max(0.0, self._tokens - 1.0)
            return Decision(True)
        return Decision(False, (1.0 - self._tokens) / self._rate_per_s)

    def full_at(self, now_s: float) -> float:
        """When the bucket will be full again (it is then indistinguishable from a new one)."""
        self._refill(now_s)
        return now_s + (self._burst - self._tokens) / self._rate_per_s


class RateLimiter:
    """Buckets keyed by client; a rate of 0 (or less) disables limiting.

    Full buckets are forgotten now and then, so the table stays as small as the
    number of recently active clients.
    """

    def __init__(self, rate_per_s: float, burst: float, *, sweep_every: int = 1024) -> None:
        self._rate_per_s = rate_per_s
        self._burst = max(1.0, burst)
        self._buckets: dict[str, TokenBucket] = {}
        self._sweep_every = sweep_every
        self._since_sweep = 0

    @property
    def enabled(self) -> bool:
        return self._rate_per_s > 0

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str, now_s: float) -> Decision:
        if not self.enabled:
            return Decision(True)
        self._since_sweep += 1
        if self._since_sweep >= self._sweep_every:
            self._since_sweep = 0
            self.sweep(now_s)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self._rate_per_s, self._burst, now_s)
        return bucket.take(now_s)

    def sweep(self, now_s: float) -> None:
        """Forget buckets that have refilled completely."""
        for key in [key for key, bucket in self._buckets.items() if bucket.full_at(now_s) <= now_s]:
            del self._buckets[key]
