"""Measurement (a script, not a test): the worker's memory and changelog restore time as finished fixtures pile up.

    nice -n 10 .venv/bin/python -m scripts.measure_state --stages 1000,5000,10000

Kafka and the registry: ``KAFKA_BOOTSTRAP_SERVERS`` / ``SCHEMA_REGISTRY_URL`` when set, else a
private local stack (jars, free loopback ports) that the script stops when it ends.

Data: a pool of generated matches (``ddeflow.simulator.generator``), each cut to its first
``--packets`` - 1 action packets and its last one (which says ``finished``), re-keyed into as
many distinct fixtures as the last stage needs (fixtureId and actionIds made unique, sports
rotating).  Fixture *n* starts ``--spacing-min`` minutes of stream time after fixture *n-1*
and its packets are spread over two hours; the Kafka timestamp of each record is set to
that, so stream time passes the grace period as the season goes on.  Actions only (no
statistics streams).

Two runs on their own topic prefixes, each with one ``ddeflow process`` child process fed
stage by stage: with removal (the default grace period) and the baseline without it
(``DDEFLOW_STATE_GRACE_S`` of ten years).  After each stage, once the worker has committed
everything: the worker's RSS (``VmRSS``), then the time to restore all six changelog
partitions into ``PartitionStore`` s as a worker does when it is assigned them, the
changelog records read and the states restored.  The changelog topic is created by the
script with short segments and a short tombstone retention, so the broker's compaction
gets to run between stages as it does over a season (in production the default 24 h
``delete.retention.ms`` keeps tombstones a day); the records read say how far it got.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from ddeflow import topics
from ddeflow.admin import ensure_topics
from ddeflow.config import Settings, load_settings
from ddeflow.dde.sports import Sport
from ddeflow.endpoints import kafka_options, resolve
from ddeflow.local.stack import LocalStack
from ddeflow.processors.engine import restore_store
from ddeflow.processors.worker import changelog_topic, group_id
from ddeflow.producers.raw_records import Source, Stream, element_record, raw_topic
from ddeflow.simulator.generator import SPORTS, generate_match

REPO = Path(__file__).resolve().parents[1]
BASE_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
MATCH_MS = 2 * 3600 * 1000
NO_REMOVAL_S = 10 * 365 * 24 * 3600
CHANGELOG_CONFIG = {
    "cleanup.policy": "compact",
    "min.compaction.lag.ms": "0",
    "segment.ms": "5000",
    "delete.retention.ms": "1000",
    "min.cleanable.dirty.ratio": "0.01",
}


# --- infrastructure ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def kafka(home: Path) -> Iterator[tuple[str, str]]:
    """The environment's Kafka and registry, or a private local stack on free ports, stopped at the end."""
    found = load_settings()
    if found.kafka_bootstrap_servers and found.schema_registry_url:
        yield found.kafka_bootstrap_servers, found.schema_registry_url
        return
    ports = sorted({_free_port() for _ in range(8)})[:4]
    stack = LocalStack(
        load_settings(
            DDEFLOW_HOME=str(home),
            DDEFLOW_CACHE_DIR=str(found.jar_cache),
            DDEFLOW_LOCAL_KAFKA_PORT=ports[0],
            DDEFLOW_LOCAL_CONTROLLER_PORT=ports[1],
            DDEFLOW_LOCAL_REGISTRY_PORT=ports[2],
            DDEFLOW_LOCAL_REGISTRY_MANAGEMENT_PORT=ports[3],
        )
    )
    info = stack.up()
    try:
        yield info.bootstrap_servers, info.registry_url
    finally:
        stack.down()


# --- data ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    sport: Sport
    packets: tuple[dict[str, Any], ...]


def templates(pool: int, packets: int, seed: int) -> list[Template]:
    found = []
    for index in range(pool):
        sport = SPORTS[index % len(SPORTS)]
        lines = generate_match(sport, seed, index // len(SPORTS), statistics=False).actions
        kept = [*lines[: packets - 1], lines[-1]]
        found.append(Template(Sport(sport), tuple(json.loads(line) for line in kept)))
    return found


def fixture_records(template: Template, number: int, start_ms: int) -> Iterator[tuple[str, bytes, bytes, Any, int]]:
    """Fixture ``number`` made of ``template``: (topic suffix, key, value, headers, timestamp) per packet."""
    fixture_id = f"{uuid.UUID(int=number)}"
    step_ms = MATCH_MS // max(1, len(template.packets) - 1)
    for index, packet in enumerate(template.packets):
        copy = json.loads(json.dumps(packet))
        action = copy["fixtureAction"]
        action["fixtureId"] = fixture_id
        action["actionId"] = f"{number}-{action['actionId']}"
        action["relatedFixtureActionIds"] = [f"{number}-{i}" for i in action.get("relatedFixtureActionIds") or []]
        value = json.dumps(copy).encode()
        topic = raw_topic("", template.sport, Stream.ACTIONS)
        headers = element_record(
            topic=topic,
            fixture_id=fixture_id,
            element=value,
            source=Source.FILE,
            stream=Stream.ACTIONS,
            received_at_ns=(start_ms + index * step_ms) * 1_000_000,
        ).headers
        yield topic, fixture_id.encode(), value, headers, start_ms + index * step_ms


# --- one run ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    mode: str
    fixtures: int
    rss_mb: float
    restore_s: float
    changelog_records: int
    states: int


def _options(settings: Settings) -> dict[str, Any]:
    return kafka_options(settings, resolve(settings))


async def append(settings: Settings, pool: list[Template], first: int, last: int, spacing_ms: int) -> None:
    producer = AIOKafkaProducer(**_options(settings), acks="all", enable_idempotence=True, linger_ms=20)
    await producer.start()
    try:
        futures = []
        for number in range(first, last):
            template = pool[number % len(pool)]
            for topic, key, value, headers, ts in fixture_records(template, number, BASE_MS + number * spacing_ms):
                futures.append(
                    await producer.send(settings.topic(topic), value, key=key, headers=list(headers), timestamp_ms=ts)
                )
            if len(futures) > 5000:
                await asyncio.gather(*futures)
                futures = []
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def lag(settings: Settings) -> int:
    admin = AIOKafkaAdminClient(**_options(settings))
    consumer = AIOKafkaConsumer(**_options(settings), group_id=None)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group_id(settings))
        tps = [TopicPartition(s.name, p) for s in topics.raw_topics(settings.topic_prefix) for p in range(s.partitions)]
        ends = await consumer.end_offsets(tps)
        done = {tp: committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0 for tp in tps}
        return sum(max(0, ends[tp] - done[tp]) for tp in tps)
    finally:
        await consumer.stop()
        await admin.close()


async def restore_all(settings: Settings) -> tuple[float, int, int]:
    """Seconds to rebuild every partition's store from the changelog (as a worker does), records read, states."""
    started = time.monotonic()
    read = states = 0
    for number in range(topics.RAW_PARTITIONS):
        store = await restore_store(_options(settings), changelog_topic(settings), number)
        read += store.records_restored
        states += len(store)
    return time.monotonic() - started, read, states


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run(
    mode: str, grace_s: int, base: Settings, pool: list[Template], stages: list[int], spacing_ms: int, logs: Path
) -> list[Row]:
    settings = base.model_copy(
        update={"topic_prefix": f"measure{mode}{uuid.uuid4().hex[:6]}.", "state_grace_s": grace_s}
    )
    await ensure_topics(
        _options(settings),
        [
            *topics.raw_topics(settings.topic_prefix),
            topics.TopicSpec(changelog_topic(settings), topics.RAW_PARTITIONS, CHANGELOG_CONFIG),
        ],
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DDE_", "KAFKA_", "DDEFLOW_", "SCHEMA_"))}
    env.update(
        KAFKA_BOOTSTRAP_SERVERS=str(settings.kafka_bootstrap_servers),
        SCHEMA_REGISTRY_URL=str(settings.schema_registry_url),
        DDEFLOW_TOPIC_PREFIX=settings.topic_prefix,
        DDEFLOW_STATE_GRACE_S=str(grace_s),
    )
    log = (logs / f"{mode}.log").open("wb")
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ddeflow.cli", "process", cwd=REPO, env=env, stdout=log, stderr=asyncio.subprocess.STDOUT
    )
    rows = []
    try:
        done = 0
        for target in stages:
            fed = time.monotonic()
            await append(settings, pool, done, target, spacing_ms)
            done = target
            while await lag(settings) > 0:
                if worker.returncode is not None:
                    raise RuntimeError(f"the worker exited {worker.returncode}; see {log.name}")
                await asyncio.sleep(1.0)
            took = time.monotonic() - fed
            await asyncio.sleep(20.0)  # the log cleaner's turn (its backoff is 15 s)
            rss = rss_mb(worker.pid)
            restore_s, read, states = await restore_all(settings)
            rows.append(Row(mode, target, rss, restore_s, read, states))
            print(
                f"{mode:9} {target:6} fixtures: worker RSS {rss:7.1f} MB, restore {restore_s:6.2f} s, "
                f"{read:8} changelog records read, {states:8} states  (stage fed and processed in {took:.0f} s)",
                flush=True,
            )
    finally:
        if worker.returncode is None:
            worker.terminate()
            try:
                await asyncio.wait_for(worker.wait(), 30)
            except TimeoutError:
                worker.kill()
                await worker.wait()
        log.close()
    return rows


async def measure(args: argparse.Namespace, base: Settings, logs: Path) -> None:
    stages = [int(s) for s in args.stages.split(",")]
    pool = templates(args.pool, args.packets, args.seed)
    spacing_ms = args.spacing_min * 60_000
    print(
        f"{args.packets} packets per fixture, a fixture every {args.spacing_min} min of stream time, "
        f"grace {base.state_grace_s} s, markers kept {topics.RAW_RETENTION_MS // 86_400_000} days",
        flush=True,
    )
    rows = await run("removal", base.state_grace_s, base, pool, stages, spacing_ms, logs)
    rows += await run("baseline", NO_REMOVAL_S, base, pool, stages, spacing_ms, logs)
    print("\nfixtures | RSS MB removal / baseline | restore s removal / baseline | states removal / baseline")
    by = {(r.mode, r.fixtures): r for r in rows}
    for target in stages:
        a, b = by[("removal", target)], by[("baseline", target)]
        print(
            f"{target:8} | {a.rss_mb:7.1f} / {b.rss_mb:7.1f} | {a.restore_s:6.2f} / {b.restore_s:6.2f} | "
            f"{a.states:7} / {b.states:7}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stages", default="1000,5000,10000", help="fixture counts to measure at")
    parser.add_argument("--packets", type=int, default=30, help="action packets per fixture (the last says finished)")
    parser.add_argument("--pool", type=int, default=24, help="generated matches to re-key into fixtures")
    parser.add_argument("--spacing-min", type=int, default=10, help="minutes of stream time between fixture starts")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--logs", help="where the workers' logs go (default: a temporary directory)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ddeflow-measure-state-") as tmp, kafka(Path(tmp) / "stack") as urls:
        base = load_settings(KAFKA_BOOTSTRAP_SERVERS=urls[0], SCHEMA_REGISTRY_URL=urls[1], DDEFLOW_HOME=tmp)
        logs = Path(args.logs) if args.logs else Path(tmp)
        logs.mkdir(parents=True, exist_ok=True)
        asyncio.run(measure(args, base, logs))


if __name__ == "__main__":
    main()
