"""The simulator's clock model: when a fixture goes live and when each of its packets is due.  Pure.

Times on the *simulator clock* are seconds since the simulator started.  The
model:

- Each fixture has a go-live time ``go_live_s`` (default 0; ``stagger_s`` puts
  fixture ``i`` at ``i * stagger_s``; explicit per-fixture values win and may be
  negative, meaning "went live before the simulator started").
- Each packet has a *relative time* ``rel_s``: its timestamp minus the fixture's
  origin (the first action packet's timestamp), never below 0, never below the
  previous packet's (packets are served in file order, so time cannot go back),
  and never above the stream's last packet's.  A packet without a readable
  timestamp takes the previous packet's time.
- Packet ``i`` becomes available at ``go_live_s + rel_s[i] * time_scale``.
- The fixture is *Scheduled* before go-live, *Live* until its last action packet
  is available, then *over*.

A websocket connection chooses its pacing once, when it connects:

- the stream is not over yet (``LIVE``): everything already available is sent
  at once, the rest as it becomes available; ``speed`` does not matter, as the
  feed documents speed only for offline matches;
- the stream is over and ``speed=fast`` (``FAST``): everything, as fast as the
  client reads;
- the stream is over and ``speed=normal`` (``REPLAY``): the first event is sent
  at once and the rest keep their scaled gaps, measured from the connection.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


def parse_utc_s(text: object) -> float | None:
    """Seconds since the epoch for an ISO-8601 time such as ``2026-05-06T19:05:08.376151Z``.

    Accepts up to nine fractional digits (statistics packets carry .NET ticks)
    and treats a time without zone as UTC; anything else gives None.
    """
    if not isinstance(text, str) or len(text) < 19:
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    # datetime keeps microseconds only; drop extra fractional digits before parsing.
    dot = value.find(".", 19)
    if dot != -1:
        end = dot + 1
        while end < len(value) and value[end].isdigit():
            end += 1
        value = value[: min(end, dot + 7)] + value[end:]
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def relative_times(times: Sequence[float | None], origin_s: float, end_rel_s: float | None) -> list[float]:
    """Each packet's relative time (see the module docstring); ``end_rel_s`` None means no upper clamp."""
    upper = math.inf if end_rel_s is None else end_rel_s
    result: list[float] = []
    previous = 0.0
    for at_s in times:
        if at_s is not None:
            previous = min(upper, max(previous, at_s - origin_s))
        result.append(previous)
    if result and end_rel_s is not None:
        result[-1] = max(result[-1], end_rel_s)
    return result


def end_rel_s(last_time_s: float | None, origin_s: float) -> float | None:
    """The last packet's relative time from its own timestamp; None when it has none."""
    return None if last_time_s is None else max(0.0, last_time_s - origin_s)


class Phase(StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    OVER = "over"


def phase_at(now_s: float, go_live_s: float, end_rel: float, time_scale: float) -> Phase:
    """Where a stream (or fixture) ending at ``end_rel`` stands at ``now_s``."""
    if now_s < go_live_s:
        return Phase.SCHEDULED
    if now_s < go_live_s + end_rel * time_scale:
        return Phase.LIVE
    return Phase.OVER


class PacingMode(StrEnum):
    LIVE = "live"
    REPLAY = "replay"
    FAST = "fast"


@dataclass(frozen=True, slots=True)
class Pacing:
    """When each event of one connection is due: at ``origin_s + (rel - base_rel_s) * time_scale``."""

    mode: PacingMode
    origin_s: float
    base_rel_s: float
    time_scale: float

    @classmethod
    def choose(
        cls,
        *,
        now_s: float,
        go_live_s: float,
        end_rel: float,
        start_rel: float,
        time_scale: float,
        fast: bool,
    ) -> Pacing:
        if phase_at(now_s, go_live_s, end_rel, time_scale) is not Phase.OVER:
            return cls(PacingMode.LIVE, go_live_s, 0.0, time_scale)
        if fast:
            return cls(PacingMode.FAST, -math.inf, 0.0, 0.0)
        return cls(PacingMode.REPLAY, now_s, start_rel, time_scale)

    def due_s(self, rel_s: float) -> float:
        if self.mode is PacingMode.FAST:
            return -math.inf
        return self.origin_s + max(0.0, rel_s - self.base_rel_s) * self.time_scale

    def due_count(self, rel: Sequence[float], now_s: float) -> int:
        """How many events (from the start of ``rel``) are due at ``now_s``; ``rel`` is non-decreasing."""
        if self.mode is PacingMode.FAST:
            return len(rel)
        return bisect.bisect_right(rel, now_s, key=self.due_s)


def go_live_offsets(fixture_ids: Sequence[str], *, stagger_s: float, explicit: Mapping[str, float]) -> dict[str, float]:
    """Go-live time per fixture: ``explicit`` if given, else ``index * stagger_s`` in the given order."""
    return {fixture_id: explicit.get(fixture_id, index * stagger_s) for index, fixture_id in enumerate(fixture_ids)}
