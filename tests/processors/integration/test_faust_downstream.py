"""A downstream Faust app reads ``dde.score-changes`` through ``ddeflow.faust`` while the worker is SIGKILLed.

Two Faust apps (``tests/faust/recorder_app.py``) consume the topic from the start, live, while the
transactional worker is killed twice mid-transaction, each time once a transaction is seen holding
score changes; a third worker finishes with ``--until-idle``.  One app reads with ``ddeflow.faust``'s
read_committed transport, the other, the control, with Faust's own (read_uncommitted).  Each kill
leaves the score changes of the open transaction in the log, aborted by the next worker, which then
writes them again.  The read_committed app must see every committed record once and no aborted one;
the control sees the aborted copies too, which is what the read_committed app is spared.
Two minutes or more on a loaded machine, so among the fault runs: ``make test-faults``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from ddeflow import topics
from ddeflow.admin import ensure_topics
from ddeflow.avro import AvroCodec
from ddeflow.endpoints import registry_client
from ddeflow.harness.derived import plain, read_topic
from tests.faust.worker import FaustWorker
from tests.infra import Infra
from tests.processors.integration.conftest import WORKER_TIMEOUT_S
from tests.processors.integration.kafka_io import (
    Feeder,
    OpenTransactions,
    WorkerProcess,
    group_progress,
    kill_inside_a_transaction,
    new_settings,
    options,
    run_until_idle,
    wait_for_commits,
    worker_env,
)
from tests.processors.integration.plan import Delivery

pytestmark = [pytest.mark.faults, pytest.mark.timeout(600)]

KILLS = 2
OPEN_TXN_WATCH_S = 15.0
CATCH_UP_TIMEOUT_S = 180.0
TRICKLE_PER_S = 20.0

Position = tuple[int, int]
"""(partition, offset) of a record."""


def _recorder(settings: Any, tmp_path: Path, logs: Path, name: str, *, read_committed: bool) -> FaustWorker:
    env = {
        **worker_env(settings),
        "RECORDER_APP_ID": settings.topic(f"recorder-{name}"),
        "RECORDER_OUT": str(tmp_path / f"{name}.jsonl"),
        "RECORDER_DATADIR": str(tmp_path / f"{name}-data"),
        "RECORDER_READ_COMMITTED": "1" if read_committed else "0",
    }
    return FaustWorker("tests.faust.recorder_app", env, logs, f"faust-{name}", ("--without-web",))


def _seen(app: FaustWorker) -> list[dict[str, Any]]:
    path = Path(app.env["RECORDER_OUT"])
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.endswith("}")]


async def _wait_until_seen(app: FaustWorker, wanted: set[Position]) -> list[dict[str, Any]]:
    deadline = time.monotonic() + CATCH_UP_TIMEOUT_S
    while time.monotonic() < deadline:
        assert app.running(), app.tail()
        seen = _seen(app)
        if wanted <= {(r["partition"], r["offset"]) for r in seen}:
            return seen
        await asyncio.sleep(0.5)
    raise AssertionError(f"{app.name} did not see all {len(wanted)} records in {CATCH_UP_TIMEOUT_S} s; {app.tail()}")


async def test_a_faust_app_reading_committed_sees_each_score_change_once_across_sigkills(
    infra: Infra, e2e_plan: tuple[Delivery, ...], e2e_logs: Path, tmp_path: Path
) -> None:
    settings = new_settings(infra, tmp_path, "faust")
    await ensure_topics(options(settings), topics.derived_topics(settings.topic_prefix))
    committed_app = _recorder(settings, tmp_path, e2e_logs, "committed", read_committed=True)
    control_app = _recorder(settings, tmp_path, e2e_logs, "uncommitted", read_committed=False)
    n = len(e2e_plan)
    cuts = [0, n * 2 // 5, n * 3 // 5, n * 4 // 5, n]
    chunks = [e2e_plan[a:b] for a, b in itertools.pairwise(cuts)]
    open_at_kill: list[int] = []
    try:
        await committed_app.start()
        await control_app.start()
        async with Feeder(settings) as feeder, OpenTransactions(settings, [topics.SCORE_CHANGES]) as open_txn:
            await feeder.send(chunks[0])
            for round_ in range(KILLS):
                before = await group_progress(settings)
                worker = WorkerProcess(settings, e2e_logs, f"faust-crash-{round_}", extra_args=("--max-batch", "100"))
                burst = asyncio.Event()
                feeding = asyncio.create_task(feeder.send(chunks[round_ + 1], rate_per_s=TRICKLE_PER_S, until=burst))
                await worker.start()
                try:
                    await wait_for_commits(worker, before)
                    burst.set()
                    # Kill inside a transaction holding score changes.
                    seen_open = await kill_inside_a_transaction(worker, open_txn, within_s=OPEN_TXN_WATCH_S)
                finally:
                    await worker.killed()
                    burst.set()
                assert worker.process is not None and worker.process.returncode == -9, worker.tail()
                open_at_kill.append(seen_open)
                await feeding
            await feeder.send(chunks[KILLS + 1])
        await run_until_idle(settings, e2e_logs, "faust-crash-final", timeout_s=WORKER_TIMEOUT_S)

        topic = settings.topic(topics.SCORE_CHANGES)
        committed = await read_topic(settings, topic)
        everything = await read_topic(settings, topic, isolation_level="read_uncommitted")
        committed_at = {(m.partition, m.offset) for m in committed}
        aborted_at = {(m.partition, m.offset) for m in everything} - committed_at
        print(f"score changes: {len(committed)} committed, {len(aborted_at)} aborted; open at kills {open_at_kill}")
        assert aborted_at, f"no kill left score changes in an aborted transaction (open at kills: {open_at_kill})"

        seen = await _wait_until_seen(committed_app, committed_at)
        control = await _wait_until_seen(control_app, committed_at | aborted_at)
    finally:
        await committed_app.stop()
        await control_app.stop()

    async with registry_client(settings) as registry:
        avro = AvroCodec(registry)
        values = [plain(await avro.decode(m.value)) for m in committed]
    truth = Counter(
        (m.partition, m.offset, json.dumps(v, sort_keys=True)) for m, v in zip(committed, values, strict=True)
    )
    got = Counter((r["partition"], r["offset"], json.dumps(r["value"], sort_keys=True)) for r in seen)
    assert got == truth, f"missing {list((truth - got).elements())[:3]}; extra {list((got - truth).elements())[:3]}"

    # The control saw every aborted record: each a copy of a committed one, so it saw those twice.
    control_positions = Counter((r["partition"], r["offset"]) for r in control)
    assert aborted_at <= set(control_positions)
    contents = Counter(json.dumps(r["value"], sort_keys=True) for r in control)
    doubled = sum(count - 1 for count in contents.values() if count > 1)
    print(f"the read_uncommitted control saw {len(control)} records, {doubled} of them a second time")
    assert doubled > 0
