"""A local DDE: the feed's websockets and REST API on one port, with faults on demand.

``async with run_simulator(SimulatorConfig(data_dir, token=...)) as sim:`` serves
until the block ends; ``sim.url`` / ``sim.ws_url`` are the base URLs.  The
``ddeflow simulate`` command runs the same thing until interrupted.  See
``README.md`` in this folder for what a client sees.

The asyncio shell is imported on first use, so that the pure modules of this
package (routes, access, ratelimit, faults, timeline, rest, control) can be
imported without asyncio or websockets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ddeflow.simulator.server.config import SimulatorConfig

if TYPE_CHECKING:
    from ddeflow.simulator.server.app import Simulator, run_simulator

__all__ = ["Simulator", "SimulatorConfig", "run_simulator"]


def __getattr__(name: str) -> object:
    if name in ("Simulator", "run_simulator"):
        from ddeflow.simulator.server import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
