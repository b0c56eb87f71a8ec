"""The asyncio side of a ``Pacer``: wait for a booked slot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from ddeflow.producers.pacer import Pacer


class Gate:
    """Every attempt of a process (all its websocket connections, or all its REST requests) passes here."""

    def __init__(self, pacer: Pacer, clock: Callable[[], float] = time.monotonic) -> None:
        self._pacer = pacer
        self._clock = clock
        self.attempts = 0

    async def wait(self) -> None:
        delay_s = self._pacer.reserve(self._clock())
        self.attempts += 1
        if delay_s > 0:
            await asyncio.sleep(delay_s)

    def defer(self, seconds: float) -> None:
        """No attempt for ``seconds`` from now (a 429's Retry-After)."""
        self._pacer.defer_until(self._clock() + seconds)
