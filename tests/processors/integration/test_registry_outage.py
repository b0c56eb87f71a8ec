"""A worker started while the schema registry is unreachable waits for it, then produces the same output as ever."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.infra import Infra
from tests.netgate import TcpGate
from tests.processors.integration.conftest import Run
from tests.processors.integration.kafka_io import WorkerProcess, feed, new_settings, read_derived
from tests.processors.integration.plan import Delivery

pytestmark = pytest.mark.timeout(600)

DOWN_S = 6.0
START_TIMEOUT_S = 120.0


@pytest.mark.integration
async def test_worker_waits_out_a_registry_outage_at_start(
    infra: Infra, reference_run: Run, e2e_plan: tuple[Delivery, ...], e2e_logs: Path, tmp_path: Path
) -> None:
    real = urlsplit(infra.registry_url)
    assert real.hostname is not None and real.port is not None
    gate = TcpGate(real.hostname, real.port)
    gated = urlunsplit(real._replace(netloc=f"127.0.0.1:{gate.port}"))
    settings = new_settings(dataclasses.replace(infra, registry_url=gated), tmp_path, "regout")
    await feed(settings, e2e_plan)
    worker = WorkerProcess(settings, e2e_logs, "registry-outage", until_idle_s=3.0)
    try:
        await worker.start()
        # The worker says it waits (however long its start takes on a loaded machine), and keeps waiting.
        deadline = time.monotonic() + START_TIMEOUT_S
        while "outage started" not in worker.stderr_path.read_text():
            assert worker.process is not None and worker.process.returncode is None, worker.tail()
            assert time.monotonic() < deadline, worker.tail()
            await asyncio.sleep(0.2)
        await asyncio.sleep(DOWN_S)
        assert worker.process is not None and worker.process.returncode is None, worker.tail()
        await gate.open()
        assert await worker.wait(300) == 0, worker.tail()
        derived = await read_derived(settings)
    finally:
        worker.kill()
        await gate.close()
    assert "outage over" in worker.stderr_path.read_text(), worker.tail()
    assert derived.comparable() == reference_run.derived.comparable()
