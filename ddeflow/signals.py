"""Stopping a long-running command cleanly on SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator
from types import FrameType


@contextlib.contextmanager
def stop_on_signals() -> Iterator[asyncio.Event]:
    """An event set by SIGINT or SIGTERM while the block runs; the handlers are removed after it.

    Call it inside the running event loop.  The command watches the event and winds down (flushing, committing)
    instead of dying mid-write.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # platforms without loop signal handlers
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
    try:
        yield stop
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


def sigterm_as_interrupt() -> None:
    """From now on SIGTERM raises ``KeyboardInterrupt`` like Ctrl-C, so a harness that owns child processes
    and a local stack stops them on its way out instead of leaving them running."""
    signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
