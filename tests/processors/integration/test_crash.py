"""Exactly once across crashes: a worker SIGKILLed three times mid-stream leaves the same output as one that never was.

The input is the plan with bad and odd frames (so the dead-letter topic takes part too);
the uninterrupted run over the same records is the session's ``trouble_run``.  Two fifths
of it wait as a backlog; each of the three workers then sees its next fifth trickle in
until it is seen committing, then arrive all at once, and is killed while it works
through that burst, inside a transaction holding records (past the last stable offset:
see ``kill_inside_a_transaction``); a fourth worker finishes with ``--until-idle``.  The
crashing workers commit small transactions (``--max-batch 100``), so the transaction
boundaries differ from the uninterrupted run's: the output must not depend on them either.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from ddeflow import topics
from ddeflow.admin import ensure_topics
from tests.infra import Infra
from tests.processors.integration.conftest import WORKER_TIMEOUT_S, Run, Trouble
from tests.processors.integration.kafka_io import (
    Feeder,
    GroupProgress,
    OpenTransactions,
    WorkerProcess,
    group_progress,
    kill_inside_a_transaction,
    new_settings,
    options,
    read_derived,
    run_until_idle,
    wait_for_commits,
)

pytestmark = pytest.mark.timeout(600)

KILLS = 3
OPEN_TXN_WATCH_S = 10.0
TRICKLE_PER_S = 20.0


@dataclass(frozen=True, slots=True)
class Kill:
    worker: str
    held: int
    """Records in open transactions of the frozen worker just before the kill."""
    watched_s: float
    progress: GroupProgress
    """The group's committed offsets and lag right after the kill."""
    open_records: int
    """Derived records left in transactions neither committed nor aborted, right after the kill."""


async def test_three_sigkills_mid_stream_leave_the_output_of_an_uninterrupted_run(
    infra: Infra, trouble: Trouble, trouble_run: Run, e2e_logs: Path, tmp_path: Path
) -> None:
    settings = new_settings(infra, tmp_path, "crash")
    await ensure_topics(options(settings), topics.derived_topics(settings.topic_prefix))
    rng = random.Random(7)
    plan = trouble.plan
    cuts = [0, len(plan) * 2 // 5, len(plan) * 3 // 5, len(plan) * 4 // 5, len(plan)]
    chunks = [plan[a:b] for a, b in itertools.pairwise(cuts)]
    kills: list[Kill] = []
    async with Feeder(settings) as feeder, OpenTransactions(settings) as open_txn:
        await feeder.send(chunks[0])  # a backlog for the first worker
        for round_ in range(KILLS):
            before = await group_progress(settings)
            worker = WorkerProcess(settings, e2e_logs, f"crash-{round_}", extra_args=("--max-batch", "100"))
            burst = asyncio.Event()
            # A trickle of input until the worker is seen committing, then the rest of the chunk at once.
            feeding = asyncio.create_task(feeder.send(chunks[round_ + 1], rate_per_s=TRICKLE_PER_S, until=burst))
            await worker.start()
            try:
                await wait_for_commits(worker, before)
                burst.set()
                await asyncio.sleep(rng.uniform(0.0, 0.05))
                watch_from = time.monotonic()
                held = await kill_inside_a_transaction(worker, open_txn, within_s=OPEN_TXN_WATCH_S)
                watched_s = time.monotonic() - watch_from
            finally:
                await worker.killed()
                burst.set()
            assert worker.process is not None and worker.process.returncode == -9, worker.tail()
            kills.append(Kill(worker.name, held, watched_s, await group_progress(settings), await open_txn.records()))
            await feeding
    await run_until_idle(settings, e2e_logs, "crash-final", timeout_s=WORKER_TIMEOUT_S)
    print("kills:", kills)
    # Every kill left raw records unprocessed (mid-stream) and a transaction open with records
    # in it, which the restarted worker had to abort.
    assert all(kill.progress.lag > 0 and kill.open_records > 0 for kill in kills), kills

    crashed = (await read_derived(settings)).comparable()
    uninterrupted = trouble_run.derived.comparable()
    assert crashed.keys() == uninterrupted.keys()
    for name in uninterrupted:
        mine, theirs = crashed[name], uninterrupted[name]
        assert mine.keys() == theirs.keys(), f"{name}: keys differ"
        differing = [key for key in theirs if mine[key] != theirs[key]]
        assert differing == [], f"{name}: {len(differing)} keys differ, e.g. {differing[:1]}: " + "\n".join(
            f"{a!r:.600}\n  vs {b!r:.600}"
            for a, b in zip(mine[differing[0]], theirs[differing[0]], strict=False)
            if a != b
        )
    assert uninterrupted[topics.DLQ], "the dead-letter topic took part"
