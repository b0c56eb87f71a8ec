"""One outage as operators read it in the log: a line when it starts, one when it ends.  Pure: the clock is given.

A long-running stage calls ``failed`` on every failure it waits out and
``healthy`` once it works again.  Only the first failure of an outage and its
end produce a message, so a 30-second broker restart costs two log lines, not
one per retry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Outage:
    what: str
    """What is out, for the messages: ``"Kafka"``, ``"the schema registry"``."""
    started_at: float | None = None
    attempts: int = 0
    total: int = 0
    """Outages ended so far."""

    @property
    def ongoing(self) -> bool:
        return self.started_at is not None

    def failed(self, now: float, reason: str) -> str | None:
        """Record a failure; the message to log when it starts an outage, else None."""
        self.attempts += 1
        if self.started_at is not None:
            return None
        self.started_at = now
        return f"{self.what} outage started: {reason}; waiting it out"

    def healthy(self, now: float) -> str | None:
        """Record success; the message to log when it ends an outage, else None."""
        if self.started_at is None:
            return None
        duration_s = now - self.started_at
        attempts = self.attempts
        self.started_at = None
        self.attempts = 0
        self.total += 1
        return f"{self.what} outage over after {duration_s:.1f} s ({attempts} failed attempts)"
