"""Exactly once across a broker restart: the worker rides through it, and its output equals an uninterrupted run's.

The broker is this test's own (a private embedded stack), stopped while the worker works
through a backlog in small transactions, then started again; the rest of the input
arrives after the restart.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from ddeflow.harness.derived import differences
from ddeflow.local import processes
from ddeflow.local.stack import LocalStack
from tests.infra import Infra, local_stack_settings
from tests.processors.integration.conftest import Run
from tests.processors.integration.kafka_io import Feeder, WorkerProcess, group_progress, new_settings, read_derived
from tests.processors.integration.plan import Delivery

pytestmark = [pytest.mark.faults, pytest.mark.timeout(600)]

CATCH_UP_TIMEOUT_S = 180.0


async def _until(condition_s: float, probe: Callable[[], Awaitable[bool]]) -> None:
    deadline = time.monotonic() + condition_s
    while time.monotonic() < deadline:
        if await probe():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"not reached within {condition_s} s")


@pytest.mark.integration
async def test_broker_restart_mid_stream_keeps_the_output_exactly_once(
    reference_run: Run, e2e_plan: tuple[Delivery, ...], e2e_logs: Path, tmp_path: Path
) -> None:
    stack = LocalStack(local_stack_settings(tmp_path / "stack"))
    try:
        info = await asyncio.to_thread(stack.up)  # LocalStack is synchronous (it runs its own event loop)
        settings = new_settings(Infra(info.bootstrap_servers, info.registry_url, "private"), tmp_path, "restart")
        half = len(e2e_plan) // 2
        async with Feeder(settings) as feeder:
            await feeder.send(e2e_plan[:half])
        worker = WorkerProcess(settings, e2e_logs, "restart", extra_args=("--max-batch", "50"))
        await worker.start()

        async def working() -> bool:
            return (await group_progress(settings)).committed > 0

        await _until(90.0, working)
        before = await group_progress(settings)
        assert before.lag > 0, "the restart must come mid-stream"

        state = json.loads(stack.layout.state_file.read_text())
        assert await asyncio.to_thread(processes.stop, state["kafka_pid"], stack.layout.marker("kafka"))
        await asyncio.sleep(3)
        assert worker.process is not None and worker.process.returncode is None, worker.tail()
        await asyncio.to_thread(stack.up)  # the broker comes back on the same ports and data (and the registry with it)

        async with Feeder(settings) as feeder:
            await feeder.send(e2e_plan[half:])

        async def caught_up() -> bool:
            assert worker.process is not None and worker.process.returncode is None, worker.tail()
            return (await group_progress(settings)).lag == 0

        await _until(CATCH_UP_TIMEOUT_S, caught_up)
        assert worker.process is not None
        worker.process.send_signal(signal.SIGTERM)
        assert await worker.wait(60) == 0, worker.tail()

        restarted = (await read_derived(settings)).comparable()
        uninterrupted = reference_run.derived.comparable()
        assert restarted.keys() == uninterrupted.keys()
        for name in uninterrupted:
            assert restarted[name] == uninterrupted[name], "\n".join(
                [f"{name} differs after the broker restart:", *differences(restarted[name], uninterrupted[name])]
            )
    finally:
        await asyncio.to_thread(stack.down)
