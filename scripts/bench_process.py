"""Benchmark (a script, not a test): the processor worker over a generated season slice.

    .venv/bin/python -m scripts.bench_process --fixtures 40 --rate 300 --live-s 30

Kafka and the registry: ``KAFKA_BOOTSTRAP_SERVERS`` / ``SCHEMA_REGISTRY_URL`` when set, else a
private local stack (jars, free loopback ports, like the test suite's).

Data: ``--fixtures`` generated matches spread over the four sports, fed like the producer
feeds them (key fixtureId, value the line's bytes, headers source/received-at-ns/stream),
with 5 % duplicates and 5 % stale re-sends, all fixtures interleaved.  Snooker keeps only
``--snooker-statistics`` statistics snapshots per fixture (the full stream is ~15 MB each).

1. Sustained throughput: the whole slice is appended first, then ``run_worker`` (in a
   child process of its own, so the measuring side does not share its CPU) drains it.
   Packets/s = raw records / (first committed offsets → all committed), watched through
   the consumer group's committed offsets every 100 ms.
2. Delay at a steady rate: on fresh topics, with the worker running, records are appended
   at ``--rate`` per second for ``--live-s`` seconds, each with ``received-at-ns`` set to
   the wall clock at append.  A ``read_committed`` consumer in this process notes when
   each derived record becomes visible; the record's own ``receivedAt`` (copied from that
   header by the processor) says when its raw record was appended.  Delay = visibility -
   append, over every derived record (action states, score changes, fixture events,
   break completions).
3. The baseline: a raw aiokafka consume → produce pass-through of the same records with
   the same transactional settings (read_committed group consumer, one transactional
   producer per partition number, the polled records and the offsets in one transaction
   per partition number and poll), run the same two ways; the worker is reported as a
   ratio of it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import shlex
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from ddeflow import topics
from ddeflow.admin import ensure_topics
from ddeflow.avro import AvroCodec
from ddeflow.config import Settings, load_settings
from ddeflow.endpoints import kafka_options, resolve
from ddeflow.harness.infra import real_infra
from ddeflow.harness.plan import Delivery, Match, build_plan, load_matches
from ddeflow.harness.stats import percentile
from ddeflow.harness.visibility import observe, received_at_field
from ddeflow.harness.worker_process import group_members, group_progress, group_state
from ddeflow.producers.raw_records import HEADER_RECEIVED_AT, Source, element_record
from ddeflow.registry import SchemaRegistry
from ddeflow.simulator.generator import SPORTS, generate

PASSTHROUGH_GROUP = "bench-passthrough"
PASSTHROUGH_TOPIC = "bench.passthrough"
MAX_BATCH = 1000


@contextmanager
def kafka(home: Path) -> Iterator[tuple[str, str]]:
    """The test suite's choice of real infrastructure: the environment's, Docker's or a private local stack."""
    with real_infra(home) as infra:
        yield infra.bootstrap_servers, infra.registry_url


# --- data ---------------------------------------------------------------------------------------


def season_slice(root: Path, fixtures: int, snooker_statistics: int, seed: int) -> list[Match]:
    per_sport = -(-fixtures // len(SPORTS))
    generate("all", per_sport, seed, root, statistics=snooker_statistics > 0)
    matches = load_matches(root)
    by_sport: dict[str, list[Match]] = defaultdict(list)
    for match in matches:
        by_sport[match.sport.value].append(match)
    picked = [by_sport[sport][i] for i in range(per_sport) for sport in SPORTS][:fixtures]
    return [replace(m, statistics=_thin(m.statistics, snooker_statistics)) for m in picked]


def _thin(lines: tuple[bytes, ...], keep: int) -> tuple[bytes, ...]:
    if keep <= 0:
        return ()
    if len(lines) <= keep:
        return lines
    step = len(lines) / keep
    picked = sorted({int(i * step) for i in range(keep - 1)} | {len(lines) - 1})
    return tuple(lines[i] for i in picked)


# --- feeding ------------------------------------------------------------------------------------


def _options(settings: Settings) -> dict[str, Any]:
    return kafka_options(settings, resolve(settings))


async def append(settings: Settings, plan: Sequence[Delivery], *, rate_per_s: float | None = None) -> float:
    """Append ``plan`` in order; live (``rate_per_s``) records get ``received-at-ns`` = now.  Returns seconds taken."""
    prefix = settings.topic_prefix
    producer = AIOKafkaProducer(
        **_options(settings), acks="all", enable_idempotence=True, linger_ms=2, max_request_size=16 * 1024 * 1024
    )
    await producer.start()
    started = time.monotonic()
    try:
        pending = []
        for count, item in enumerate(plan):
            if rate_per_s is not None:
                due = started + count / rate_per_s
                if (wait_s := due - time.monotonic()) > 0:
                    await asyncio.sleep(wait_s)
                headers = element_record(
                    topic=item.topic(prefix),
                    fixture_id=item.fixture_id,
                    element=item.value,
                    source=Source.FILE,
                    stream=item.stream,
                    received_at_ns=time.time_ns(),
                ).headers
            else:
                headers = item.headers(prefix)
            pending.append(await producer.send(item.topic(prefix), item.value, key=item.key, headers=list(headers)))
            if len(pending) >= 2000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return time.monotonic() - started


# --- the two things measured, each in a child process -------------------------------------------


def _quiet() -> None:
    # aiokafka logs every retried produce at WARNING; only failures matter here.
    logging.basicConfig(level=logging.ERROR)


def _worker_child(overrides: dict[str, str], until_idle_s: float, conn: Connection) -> None:
    from ddeflow.processors.worker import run_worker

    _quiet()
    settings = load_settings(**overrides)
    stats = asyncio.run(run_worker(settings, until_idle_s=until_idle_s, max_batch=MAX_BATCH))
    conn.send({"summary": stats.summary(), "records_in": stats.records_in})


async def passthrough(settings: Settings, until_idle_s: float) -> int:
    """Raw topics → one output topic, byte for byte, in the worker's transactional pattern.  Returns records moved."""
    options = _options(settings)
    group = settings.topic(PASSTHROUGH_GROUP)
    out_topic = settings.topic(PASSTHROUGH_TOPIC)
    await ensure_topics(options, [topics.TopicSpec(out_topic, topics.DERIVED_PARTITIONS)])
    consumer = AIOKafkaConsumer(
        *[spec.name for spec in topics.raw_topics(settings.topic_prefix)],
        **options,
        group_id=group,
        isolation_level="read_committed",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=MAX_BATCH,
        session_timeout_ms=10_000,
        heartbeat_interval_ms=1_000,
        partition_assignment_strategy=_range_assignor(),
    )
    producers: dict[int, AIOKafkaProducer] = {}
    moved = 0
    await consumer.start()
    try:

        async def transaction(number: int, parts: list[tuple[TopicPartition, list[Any]]]) -> None:
            producer = producers.get(number)
            if producer is None:
                producer = AIOKafkaProducer(
                    **options,
                    transactional_id=f"{group}-p{number}",
                    enable_idempotence=True,
                    acks="all",
                    linger_ms=2,
                )
                await producer.start()
                producers[number] = producer
            async with producer.transaction():
                for _, messages in parts:
                    for m in messages:
                        await producer.send(out_topic, m.value, key=m.key, headers=list(m.headers))
                await producer.send_offsets_to_transaction(
                    {tp: messages[-1].offset + 1 for tp, messages in parts}, group
                )

        last_activity = time.monotonic()
        while True:
            batch = await consumer.getmany(timeout_ms=100, max_records=MAX_BATCH)
            by_number: dict[int, list[tuple[TopicPartition, list[Any]]]] = defaultdict(list)
            for tp, messages in batch.items():
                if messages:
                    by_number[tp.partition].append((tp, messages))
            if by_number:
                await asyncio.gather(*(transaction(n, parts) for n, parts in by_number.items()))
                moved += sum(len(m) for parts in by_number.values() for _, m in parts)
                last_activity = time.monotonic()
            elif time.monotonic() - last_activity >= until_idle_s and await _drained(consumer):
                return moved
    finally:
        await consumer.stop()
        for producer in producers.values():
            await producer.stop()


def _range_assignor() -> tuple[Any, ...]:
    from aiokafka.coordinator.assignors.range import RangePartitionAssignor

    return (RangePartitionAssignor,)


async def _drained(consumer: AIOKafkaConsumer) -> bool:
    assignment = consumer.assignment()
    if not assignment:
        return False
    ends = await consumer.end_offsets(list(assignment))
    for tp in assignment:
        if await consumer.position(tp) < ends[tp]:
            return False
    return True


def _passthrough_child(overrides: dict[str, str], until_idle_s: float, conn: Connection) -> None:
    _quiet()
    moved = asyncio.run(passthrough(load_settings(**overrides), until_idle_s))
    conn.send({"summary": f"{moved} records moved", "records_in": moved})


Child = Callable[[dict[str, str], float, Connection], None]


@dataclass
class ChildRun:
    process: multiprocessing.process.BaseProcess
    conn: Connection

    async def result(self, timeout_s: float = 900.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while not self.conn.poll():
            if not self.process.is_alive() and not self.conn.poll():
                raise SystemExit(f"child {self.process.name} died with exit code {self.process.exitcode}")
            if time.monotonic() > deadline:
                self.process.kill()
                raise SystemExit(f"child {self.process.name} still running after {timeout_s} s")
            await asyncio.sleep(0.1)
        found: dict[str, Any] = self.conn.recv()
        self.process.join(30)
        return found


def start_child(target: Child, settings: Settings, until_idle_s: float) -> ChildRun:
    overrides = {
        "KAFKA_BOOTSTRAP_SERVERS": str(settings.kafka_bootstrap_servers),
        "SCHEMA_REGISTRY_URL": str(settings.schema_registry_url),
        "DDEFLOW_TOPIC_PREFIX": settings.topic_prefix,
        "DDEFLOW_HOME": str(settings.home),
    }
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=target, args=(overrides, until_idle_s, child), name=target.__name__)
    process.start()
    child.close()
    return ChildRun(process, parent)


# --- phase 1: throughput over a backlog ---------------------------------------------------------


async def drain_rate(settings: Settings, group: str, total: int, run: ChildRun) -> tuple[float, float]:
    """(records/s, seconds) from the group turning Stable (the child owns the partitions and starts
    fetching) to all ``total`` records committed; both watched from here every 50 ms."""
    stable_at: float | None = None
    while stable_at is None:
        state, members = await group_state(settings, group)
        if state == "Stable" and members > 0:
            stable_at = time.monotonic()
        elif not run.process.is_alive():
            raise SystemExit(f"{run.process.name} ended before its group was stable")
        else:
            await asyncio.sleep(0.05)
    while (committed := (await group_progress(settings, group)).committed) < total:
        if not run.process.is_alive():
            raise SystemExit(f"{run.process.name} ended with {committed}/{total} committed")
        await asyncio.sleep(0.05)
    seconds = max(time.monotonic() - stable_at, 1e-3)
    return total / seconds, seconds


# --- phase 2: delay at a steady rate ------------------------------------------------------------


async def live_delays(settings: Settings, plan: Sequence[Delivery], rate: float, target: Child) -> dict[str, Any]:
    prefix = settings.topic_prefix
    registry = SchemaRegistry(resolve(settings).registry_url)
    codec = AvroCodec(registry)
    if target is _worker_child:
        group, names = (
            settings.topic("ddeflow-processors"),
            [spec.name for spec in topics.derived_topics(prefix) if not spec.name.endswith(topics.DLQ)],
        )

        received_at = received_at_field(codec)

    else:
        group, names = settings.topic(PASSTHROUGH_GROUP), [settings.topic(PASSTHROUGH_TOPIC)]
        await ensure_topics(_options(settings), [topics.TopicSpec(names[0], topics.DERIVED_PARTITIONS)])

        async def received_at(m: Any) -> int | None:
            for name, value in m.headers:
                if name == HEADER_RECEIVED_AT:
                    return int(value) // 1000
            return None

    await ensure_topics(_options(settings), topics.raw_topics(prefix))
    run = start_child(target, settings, until_idle_s=5.0)
    try:
        deadline = time.monotonic() + 120
        while await group_members(settings, group) < 1:
            if time.monotonic() > deadline or not run.process.is_alive():
                raise SystemExit(f"{target.__name__} never joined its group")
            await asyncio.sleep(0.2)
        if target is _worker_child:  # its topics exist once it has joined
            await ensure_topics(_options(settings), topics.derived_topics(prefix))
        stop = asyncio.Event()
        observer = asyncio.create_task(observe(settings, names, received_at, stop))
        await asyncio.sleep(1.0)
        fed_s = await append(settings, plan, rate_per_s=rate)
        result = await run.result()
        stop.set()
        delays = (await observer).delays_ms
    finally:
        await registry.close()
        if run.process.is_alive():
            run.process.kill()
    return {"fed": len(plan), "fed_s": fed_s, "delays_ms": delays, "child": result}


# --- main ---------------------------------------------------------------------------------------


def fresh(bootstrap: str, registry: str, home: Path, tag: str) -> Settings:
    return load_settings(
        KAFKA_BOOTSTRAP_SERVERS=bootstrap,
        SCHEMA_REGISTRY_URL=registry,
        DDEFLOW_TOPIC_PREFIX=f"bench{tag}{time.time_ns() % 10**10}.",
        DDEFLOW_HOME=str(home),
    )


async def run(args: argparse.Namespace, root: Path, bootstrap: str, registry: str) -> None:
    matches = season_slice(root / "data", args.fixtures, args.snooker_statistics, args.seed)
    plan = build_plan(matches, seed=args.seed)
    by_sport = defaultdict(int)
    for item in plan:
        by_sport[item.sport.value] += 1
    print(f"data: {len(matches)} fixtures, {len(plan)} raw records with duplicates and re-sends {dict(by_sport)}")

    print("\n1. sustained throughput over a backlog")
    rates: dict[str, float] = {}
    for label, target, group_name in (
        ("worker", _worker_child, "ddeflow-processors"),
        ("pass-through", _passthrough_child, PASSTHROUGH_GROUP),
    ):
        settings = fresh(bootstrap, registry, root / "home", label.replace("-", ""))
        await ensure_topics(_options(settings), topics.raw_topics(settings.topic_prefix))
        await append(settings, plan)
        child = start_child(target, settings, until_idle_s=args.idle_s)
        rate, seconds = await drain_rate(settings, settings.topic(group_name), len(plan), child)
        result = await child.result()
        rates[label] = rate
        print(f"   {label:>12}: {rate:8.0f} records/s ({len(plan)} records, {seconds:.1f} s); {result['summary']}")
    print(f"   worker / pass-through = {rates['worker'] / rates['pass-through']:.2f}")

    print(f"\n2. delay from raw append to read_committed visibility, {args.rate:.0f} records/s for {args.live_s:.0f} s")
    live = plan[: int(args.rate * args.live_s)]
    p99s: dict[str, float] = {}
    for label, target in (("worker", _worker_child), ("pass-through", _passthrough_child)):
        settings = fresh(bootstrap, registry, root / "home", "live" + label.replace("-", ""))
        found = await live_delays(settings, live, args.rate, target)
        delays = found["delays_ms"]
        p99s[label] = percentile(delays, 0.99)
        print(
            f"   {label:>12}: {len(delays)} output records seen; delay p50 {percentile(delays, 0.5):.0f} ms, "
            f"p99 {p99s[label]:.0f} ms, max {max(delays, default=float('nan')):.0f} ms, "
            f"mean {statistics.fmean(delays) if delays else float('nan'):.0f} ms "
            f"(fed {found['fed']} in {found['fed_s']:.1f} s)"
        )
    print(f"   worker p99 / pass-through p99 = {p99s['worker'] / p99s['pass-through']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixtures", type=int, default=40, help="fixtures over the four sports (default 40)")
    parser.add_argument("--snooker-statistics", type=int, default=20, help="snapshots kept per snooker fixture")
    parser.add_argument("--rate", type=float, default=300.0, help="records/s in the delay phase (default 300)")
    parser.add_argument("--live-s", type=float, default=30.0, help="seconds of feeding in the delay phase")
    parser.add_argument("--idle-s", type=float, default=3.0, help="--until-idle of the throughput phase")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    _quiet()
    print("command:", shlex.join([Path(sys.executable).name, "-m", "scripts.bench_process", *sys.argv[1:]]))
    print(
        "kafka:",
        os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or "a private local stack",
        "| cpus:",
        os.cpu_count(),
    )
    with tempfile.TemporaryDirectory(prefix="bench-process-") as tmp, kafka(Path(tmp) / "stack") as endpoints:
        asyncio.run(run(args, Path(tmp), *endpoints))


if __name__ == "__main__":
    main()
