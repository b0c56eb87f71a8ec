"""``ddeflow replay`` windows with ``--warm-up``, and ``--rebuild`` beside a live worker.

- A live run cut at a timestamp T: the replay ``--to T`` followed, per key, by the replay ``--from T --warm-up``
  is the live run byte for byte; without ``--warm-up`` the second half starts from empty state and differs.
- ``--rebuild`` refuses while the worker group has members and does nothing without ``--yes``; with it, the
  derived topics equal what the live worker had written, and a live worker started afterwards continues over
  new input to the output of one uninterrupted run over all of it: no gap, no double.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from ddeflow import topics
from tests.infra import Infra
from tests.processors.integration.conftest import WORKER_TIMEOUT_S, Run
from tests.processors.integration.kafka_io import (
    WorkerProcess,
    feed,
    group_members,
    group_progress,
    new_settings,
    read_topic,
    run_until_idle,
)
from tests.processors.integration.plan import Delivery
from tests.processors.integration.test_replay import Records, ReplayProcess, derived_bytes, differences, replay, under

pytestmark = pytest.mark.timeout(900)


def concatenated(first: Records, second: Records) -> Records:
    joined: Records = {}
    for name in first:
        keys = set(first[name]) | set(second[name])
        joined[name] = {key: first[name].get(key, []) + second[name].get(key, []) for key in keys}
    return joined


async def test_a_window_replayed_with_warm_up_continues_the_replay_before_it(
    infra: Infra, reference_run: Run, tmp_path: Path
) -> None:
    settings = reference_run.settings
    stamps: list[int] = []
    for spec in topics.raw_topics(settings.topic_prefix):
        stamps += [m.timestamp for m in await read_topic(settings, spec.name)]
    stamps.sort()
    cut = stamps[len(stamps) // 2]
    live = await derived_bytes(settings)
    before, after, cold = (settings.topic_prefix + name for name in ("before.", "after.", "cold."))
    await replay(settings, tmp_path, "before", "--into", before, "--to", str(cut))
    await replay(settings, tmp_path, "after", "--into", after, "--from", str(cut), "--warm-up")
    first, second = await derived_bytes(under(settings, before)), await derived_bytes(under(settings, after))
    assert sum(map(len, first[topics.SCORE_CHANGES].values())) > 0
    assert sum(map(len, second[topics.SCORE_CHANGES].values())) > 0
    assert differences(live, concatenated(first, second)) == []

    await replay(settings, tmp_path, "cold", "--into", cold, "--from", str(cut))
    assert differences(second, await derived_bytes(under(settings, cold))) != [], "empty state changes the output"


async def _until_caught_up(worker: WorkerProcess) -> None:
    deadline = time.monotonic() + WORKER_TIMEOUT_S
    while time.monotonic() < deadline:
        assert worker.process is not None and worker.process.returncode is None, worker.tail()
        progress = await group_progress(worker.settings)
        if progress.committed > 0 and progress.lag == 0 and await group_members(worker.settings) > 0:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"worker did not catch up; {worker.tail()}")


async def test_rebuild_refuses_beside_a_worker_then_equals_a_fresh_run_and_the_worker_resumes(
    infra: Infra,
    e2e_plan: tuple[Delivery, ...],
    reference_run: Run,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    settings = new_settings(infra, tmp_path_factory.mktemp("rebuild-home"), "rebuild")
    half = len(e2e_plan) // 2
    await feed(settings, e2e_plan[:half])
    worker = WorkerProcess(settings, tmp_path, "live-1")
    await worker.start()
    try:
        await _until_caught_up(worker)
        written = await derived_bytes(settings)
        refused = ReplayProcess(settings, ("--rebuild", "--yes"), tmp_path, "refused")
        await refused.start()
        assert await refused.wait() == 2
        assert "member" in refused.tail()
    finally:
        assert worker.process is not None
        worker.process.terminate()  # a clean stop: it leaves the group
        await worker.process.wait()
    assert differences(written, await derived_bytes(settings)) == []

    unconfirmed = ReplayProcess(settings, ("--rebuild",), tmp_path, "unconfirmed")
    await unconfirmed.start()
    assert await unconfirmed.wait() == 1
    assert settings.topic(topics.SCORE_CHANGES) in unconfirmed.tail() and "--yes" in unconfirmed.tail()
    assert differences(written, await derived_bytes(settings)) == []

    await replay(settings, tmp_path, "rebuild", "--rebuild", "--yes")
    assert differences(written, await derived_bytes(settings)) == []

    await feed(settings, e2e_plan[half:])
    await run_until_idle(settings, tmp_path, "live-2", timeout_s=WORKER_TIMEOUT_S)
    assert differences(await derived_bytes(reference_run.settings), await derived_bytes(settings)) == []
