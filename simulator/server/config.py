"""Everything one simulator run is configured with."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ddeflow.errors import ConfigError


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    """One simulator run.

    ``token`` is the one token the simulator accepts (websocket auth message and
    REST bearer); it is left out of ``repr`` so it cannot reach a log by accident.
    ``go_live_s`` maps fixture ids to go-live times in seconds after start (may be
    negative); others go live at ``index * stagger_s`` in catalog order.
    ``faults`` are applied at start, each ``(fixture_id or None for global, changes)``.
    ``rate_limit_per_s`` of 0 disables the REST rate limit.
    """

    data_dir: Path
    token: str = field(repr=False)
    host: str = "127.0.0.1"
    port: int = 0
    heartbeat_s: float = 10.0
    time_scale: float = 1.0
    stagger_s: float = 0.0
    go_live_s: Mapping[str, float] = field(default_factory=dict)
    seed: int | None = None
    rate_limit_per_s: float = 5.0
    rate_limit_burst: float = 5.0
    auth_timeout_s: float = 10.0
    faults: tuple[tuple[str | None, Mapping[str, object]], ...] = ()
    batch_max: int = 64
    tls_certfile: Path | None = None
    """Serve https and wss with this certificate (and ``tls_keyfile``); None: plain http and ws."""
    tls_keyfile: Path | None = None

    def __post_init__(self) -> None:
        if not self.token:
            raise ConfigError("the simulator needs a token to accept (DDE_AUTH_TOKEN or --token-file)")
        checks = {
            "heartbeat_s must be > 0": self.heartbeat_s > 0,
            "time_scale must be >= 0": self.time_scale >= 0,
            "stagger_s must be >= 0": self.stagger_s >= 0,
            "rate_limit_per_s must be >= 0": self.rate_limit_per_s >= 0,
            "rate_limit_burst must be >= 1": self.rate_limit_burst >= 1,
            "auth_timeout_s must be > 0": self.auth_timeout_s > 0,
            "batch_max must be >= 1": self.batch_max >= 1,
            "port must be 0..65535": 0 <= self.port <= 65535,
            "go-live times must be finite": all(math.isfinite(v) for v in self.go_live_s.values()),
        }
        failed = [message for message, ok in checks.items() if not ok]
        if failed:
            raise ConfigError("invalid simulator configuration: " + "; ".join(failed))
