"""How often a process may knock at the feed: at most N attempts in any window of W seconds.  Pure.

The feed asks clients to stay under about 5 requests per second and to stay
connected rather than reconnect.  One ``Pacer`` is shared by every websocket
connection of a process (another by its REST requests), so hundreds of streams
reconnecting together queue up instead of hammering the feed.

A sliding window, not a token bucket: "at most N in any W seconds" is exactly
the promise, and it also satisfies a server's bucket of rate N/W and burst N.
``reserve(now_s)`` books the next free slot and says how long to wait for it;
``defer_until(t)`` (a 429's Retry-After) keeps every later slot at or after t.
The caller supplies the clock, so the math is tested without sleeping.
"""

from __future__ import annotations

from collections import deque

from ddeflow.errors import ConfigError


class Pacer:
    def __init__(self, max_attempts: int = 5, window_s: float = 1.0) -> None:
        if max_attempts < 1 or not window_s > 0:
            raise ConfigError(f"a pacer needs max_attempts >= 1 and window_s > 0; got {max_attempts}, {window_s}")
        self.max_attempts = max_attempts
        self.window_s = window_s
        self._slots: deque[float] = deque(maxlen=max_attempts)
        self._not_before_s = float("-inf")

    def reserve(self, now_s: float) -> float:
        """Book one attempt; returns the seconds to wait before making it (0: go now)."""
        at = max(now_s, self._not_before_s)
        if len(self._slots) == self.max_attempts:
            # The attempt N places back must have left the window before this one starts.
            at = max(at, self._slots[0] + self.window_s)
        self._slots.append(at)
        return at - now_s

    def defer_until(self, moment_s: float) -> None:
        """No attempt before ``moment_s`` (the server said Retry-After)."""
        self._not_before_s = max(self._not_before_s, moment_s)
