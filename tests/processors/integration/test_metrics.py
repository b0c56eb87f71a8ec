"""``ddeflow process --metrics-port``: /metrics scraped while the worker runs, against what was fed and what a
read_committed consumer sees."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from ddeflow import topics
from ddeflow.config import Settings
from ddeflow.dde.sports import Sport
from ddeflow.local.processes import free_port
from ddeflow.simulator.generator import generate
from tests.metrics_scrape import Scrape, scrape
from tests.processors.integration.kafka_io import Feeder, WorkerProcess, read_topic
from tests.processors.integration.plan import Kind, bad_deliveries, build_plan, load_matches, mix_in, odd_fixture

pytestmark = pytest.mark.timeout(180)

PACKETS = 150


async def test_process_metrics_count_what_was_fed_and_what_was_committed(settings: Settings, tmp_path: Path) -> None:
    generate("all", 1, 11, tmp_path / "gen", statistics=True)
    # The start of each stream: every packet of it is still new when it comes, and the run stays short.
    matches = [
        replace(m, actions=m.actions[:PACKETS], statistics=m.statistics[:PACKETS])
        for m in load_matches(tmp_path / "gen")
    ]
    basketball = next(m for m in matches if m.sport is Sport.BASKETBALL)
    snooker = next(m for m in matches if m.sport is Sport.SNOOKER)
    bad = bad_deliveries(basketball, snooker)
    # Duplicates only (no stale re-sends, which can land as duplicates of an action too): each is dropped as one.
    plan = mix_in(
        build_plan(matches, seed=5, duplicate_rate=0.1, stale_rate=0.0),
        (*bad, *odd_fixture(basketball).deliveries),
        seed=6,
    )
    prefix = settings.topic_prefix
    raw_topic_count = len(topics.raw_topics(prefix))

    port = free_port()
    url = f"http://127.0.0.1:{port}/metrics"
    worker = WorkerProcess(settings, tmp_path / "logs", "metrics", extra_args=("--metrics-port", str(port)))
    await worker.start()
    try:
        async with httpx.AsyncClient() as client:
            first = await _scraped(client, url, worker, lambda s: s.series("ddeflow_consumer_lag") != {})
            async with Feeder(settings) as feeder:
                await feeder.send(plan)
            final = await _scraped(
                client,
                url,
                worker,
                lambda s: (
                    sum(s.series("ddeflow_records_in_total").values()) == len(plan)
                    and len(s.series("ddeflow_consumer_lag")) == raw_topic_count * settings.raw_partitions
                    and set(s.series("ddeflow_consumer_lag").values()) == {0}
                ),
            )
    finally:
        if worker.process is not None and worker.process.returncode is None:
            worker.process.send_signal(signal.SIGTERM)
        code = await worker.wait(30)
    assert code == 0, worker.tail()
    summary = worker.counters()

    assert first.value("ddeflow_records_in_total", topic=plan[0].topic(prefix)) == 0
    fed = Counter(item.topic(prefix) for item in plan)
    assert {dict(labels)["topic"]: v for labels, v in final.series("ddeflow_records_in_total").items()} == fed
    committed = {spec.name: len(await read_topic(settings, spec.name)) for spec in topics.derived_topics(prefix)}
    out = {dict(labels)["topic"]: v for labels, v in final.series("ddeflow_records_out_total").items()}
    assert out == {name: count for name, count in committed.items() if count}
    assert committed[prefix + topics.DLQ] == len(bad)

    duplicates = Counter(d.kind for d in plan)[Kind.DUPLICATE]
    assert final.value("ddeflow_dropped_total", reason="duplicate") == duplicates > 0
    assert final.value("ddeflow_dropped_total", reason="stale") == 0
    assert final.value("ddeflow_dropped_total", reason="late_for_removed_fixture") == 0
    dlq = {dict(labels)["reason"]: v for labels, v in final.series("ddeflow_dlq_total").items()}
    assert dlq == Counter(item.expect_reason for item in bad)
    anomalies = sum(count for key, count in summary.items() if key.startswith("anomalies."))
    assert final.value("ddeflow_anomalies_total") == anomalies >= 1  # the odd fixture's unknown sendType at least

    transactions = final.value("ddeflow_transactions_total", outcome="committed")
    assert transactions >= 1 and final.value("ddeflow_transactions_total", outcome="aborted") == 0
    assert final.value("ddeflow_transaction_seconds_count") == transactions
    assert final.value("ddeflow_delay_seconds_count") == len(plan)  # every record fed says when it was received


async def _scraped(
    client: httpx.AsyncClient, url: str, worker: WorkerProcess, done: Callable[[Scrape], bool]
) -> Scrape:
    """Scrape until ``done(scrape)``; the scrape that said so."""
    deadline = time.monotonic() + 90
    last: Scrape | None = None
    while time.monotonic() < deadline:
        assert worker.process is not None and worker.process.returncode is None, worker.tail()
        last = await scrape(client, url)
        if last is not None and done(last):
            return last
        await asyncio.sleep(0.25)
    raise AssertionError(f"/metrics never showed the expected counts; last: {last.text if last else None}")
