"""Counters the simulator keeps, served at ``GET /_sim/stats``.  Pure.

Response (snake_case: this is the simulator's own API, not the feed's)::

    {"uptime_s": 12.5,
     "connections": {"total": 3, "open": 1, "open_peak": 2, "authenticated": 2, "rejected": 1},
     "auth_failures": 1,               # websocket and REST together
     "heartbeats": 7,
     "frames_served_total": 120,       # data frames, duplicates and malformed ones included
     "frames_served": {"<fixtureId>": {"actions": 100, "statistics": 20}},
     "faults": {"drop": 1, "duplicate": 4, "reorder": 0, "malformed": 0, "silence": 0, "rest_error": 2},
     "faults_by_fixture": {"<fixtureId>": {"drop": 1}},
     "rest": {"requests": 9, "rate_limited": 2, "by_status": {"200": 6, "429": 2, "503": 1}}}
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from ddeflow.simulator.server.faults import FaultKind


class SimStats:
    def __init__(self) -> None:
        self.connections_total = 0
        self.connections_open = 0
        self.connections_open_peak = 0
        self.connections_authenticated = 0
        self.connections_rejected = 0
        self.auth_failures = 0
        self.heartbeats = 0
        self.frames_total = 0
        self.frames: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.faults: Counter[FaultKind] = Counter()
        self.faults_by_fixture: defaultdict[str, Counter[FaultKind]] = defaultdict(Counter)
        self.rest_requests = 0
        self.rest_rate_limited = 0
        self.rest_by_status: Counter[int] = Counter()

    def connection_opened(self) -> None:
        self.connections_total += 1
        self.connections_open += 1
        self.connections_open_peak = max(self.connections_open_peak, self.connections_open)

    def frame_sent(self, fixture_id: str, kind: str) -> None:
        self.frames_total += 1
        self.frames[fixture_id][kind] += 1

    def faults_injected(self, fixture_id: str | None, injected: Mapping[FaultKind, int]) -> None:
        for kind, count in injected.items():
            if count:
                self.faults[kind] += count
                if fixture_id is not None:
                    self.faults_by_fixture[fixture_id][kind] += count

    def rest_answered(self, status: int) -> None:
        self.rest_requests += 1
        self.rest_by_status[status] += 1
        if status == 429:
            self.rest_rate_limited += 1

    def to_json(self, uptime_s: float) -> dict[str, Any]:
        return {
            "uptime_s": round(uptime_s, 3),
            "connections": {
                "total": self.connections_total,
                "open": self.connections_open,
                "open_peak": self.connections_open_peak,
                "authenticated": self.connections_authenticated,
                "rejected": self.connections_rejected,
            },
            "auth_failures": self.auth_failures,
            "heartbeats": self.heartbeats,
            "frames_served_total": self.frames_total,
            "frames_served": {fixture: dict(kinds) for fixture, kinds in sorted(self.frames.items())},
            "faults": {kind.value: self.faults[kind] for kind in FaultKind},
            "faults_by_fixture": {
                fixture: {kind.value: count for kind, count in kinds.items()}
                for fixture, kinds in sorted(self.faults_by_fixture.items())
            },
            "rest": {
                "requests": self.rest_requests,
                "rate_limited": self.rest_rate_limited,
                "by_status": {str(status): count for status, count in sorted(self.rest_by_status.items())},
            },
        }
