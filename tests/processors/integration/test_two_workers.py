"""Two workers in one consumer group share the raw partitions and together write what one worker writes alone."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from ddeflow import topics
from ddeflow.partitioning import partition_for
from tests.infra import Infra
from tests.processors.integration.conftest import WORKER_TIMEOUT_S, Run
from tests.processors.integration.kafka_io import (
    Feeder,
    WorkerProcess,
    group_state,
    new_settings,
    read_derived,
)

pytestmark = pytest.mark.timeout(600)

IDLE_S = 8.0  # long enough for the second worker to join before the first one goes idle


async def _wait_for_members(workers: list[WorkerProcess], count: int, timeout_s: float = 60.0) -> None:
    """Until the group is Stable with ``count`` members: each holds its assignment, not merely joined."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for worker in workers:
            assert worker.process is not None and worker.process.returncode is None, worker.tail()
        state, members = await group_state(workers[0].settings)
        if state == "Stable" and members >= count:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"the group never had {count} members; " + " / ".join(w.tail(800) for w in workers))


async def test_two_workers_sharing_the_partitions_write_what_one_writes(
    infra: Infra, reference_run: Run, e2e_logs: Path, tmp_path: Path
) -> None:
    plan = reference_run.plan
    # With the range assignor each member owns a block of partition numbers; the input must span both blocks.
    numbers = {partition_for(item.key, topics.RAW_PARTITIONS) for item in plan}
    assert numbers & {0, 1, 2} and numbers & {3, 4, 5}, numbers

    settings = new_settings(infra, tmp_path, "pair")
    half = len(plan) // 2
    workers = [
        WorkerProcess(settings, e2e_logs, f"pair-{n}", until_idle_s=IDLE_S, extra_args=("--max-batch", "200"))
        for n in range(2)
    ]
    async with Feeder(settings) as feeder:
        await feeder.send(plan[:half])
        try:
            # One after the other, so this test is about sharing; a simultaneous start has its own test below.
            await workers[0].start()
            await _wait_for_members(workers[:1], 1)
            await workers[1].start()
            await _wait_for_members(workers, 2)
            await feeder.send(plan[half:])
            codes = await asyncio.gather(*(worker.wait(WORKER_TIMEOUT_S) for worker in workers))
        finally:
            for worker in workers:
                if worker.process is not None:
                    await worker.killed()
    assert codes == [0, 0], [worker.tail() for worker in workers]
    shares = [worker.records_in() for worker in workers]
    assert all(share > 0 for share in shares), shares

    paired = (await read_derived(settings)).comparable()
    alone = reference_run.derived.comparable()
    assert paired.keys() == alone.keys()
    for name in alone:
        assert paired[name].keys() == alone[name].keys(), f"{name}: keys differ"
        differing = [key for key in alone[name] if paired[name][key] != alone[name][key]]
        assert differing == [], f"{name}: {len(differing)} keys differ, e.g. {differing[:3]}"


async def test_two_workers_started_at_the_same_moment_both_come_up(
    infra: Infra, e2e_logs: Path, tmp_path: Path
) -> None:
    """Two replicas of a deployment start together on a fresh prefix: both create, register and run."""
    settings = new_settings(infra, tmp_path, "twin")
    workers = [WorkerProcess(settings, e2e_logs, f"twin-{n}", until_idle_s=2.0) for n in range(2)]
    try:
        await asyncio.gather(*(worker.start() for worker in workers))
        codes = await asyncio.gather(*(worker.wait(WORKER_TIMEOUT_S) for worker in workers))
    finally:
        for worker in workers:
            if worker.process is not None:
                await worker.killed()
    assert codes == [0, 0], [worker.tail(600) for worker in workers]
