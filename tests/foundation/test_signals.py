"""``stop_on_signals``: SIGTERM and SIGINT set the event while the block runs, and nothing after it."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from ddeflow.signals import stop_on_signals


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_sets_the_event_and_the_handler_goes_with_the_block(signum: signal.Signals) -> None:
    with stop_on_signals() as stop:
        assert not stop.is_set()
        os.kill(os.getpid(), signum)
        await asyncio.wait_for(stop.wait(), 5)
    assert not asyncio.get_running_loop().remove_signal_handler(signum)  # already removed
