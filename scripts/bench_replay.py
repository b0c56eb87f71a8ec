"""Benchmark (a script, not a test): ``ddeflow replay --into`` against a raw aiokafka read-and-produce.

    .venv/bin/python -m scripts.bench_replay --records 500000

Kafka and the registry: ``KAFKA_BOOTSTRAP_SERVERS`` / ``SCHEMA_REGISTRY_URL`` when set, else a private local
stack (jars, free loopback ports, like the test suite's).

Data: ``--fixtures`` generated matches (snooker without statistics), fed like the producers feed them, then
cloned under new fixtureIds (the id rewritten in the key and the bytes) until there are ``--records`` raw
records.  Both passes read all of it from the earliest offsets, in this process, one after the other:

1. the baseline: a manually assigned ``read_committed`` consumer and one transactional producer per partition
   number, each polled record copied byte for byte to one output topic, the records and the input offsets of
   a partition number in one transaction per poll (the replay's pattern, without the processing);
2. the replay: ``run_replay`` with the same batch size, as ``ddeflow replay --into`` runs it;
3. the ceiling: the ``Transformer`` alone over the first ``--ceiling-records`` of them in memory (no Kafka,
   schema ids made up), which is what the replay spends most of its time in.

Packets/s is raw records over the time from the first poll to the last commit (the replay's plan and topic
creation are reported apart); the replay is given as a ratio of the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from ddeflow import topic_schemas, topics
from ddeflow.admin import ensure_topics
from ddeflow.avro import AvroCodec
from ddeflow.bench.feed import append, season_slice
from ddeflow.config import Settings, load_settings
from ddeflow.endpoints import kafka_options, resolve
from ddeflow.harness.infra import real_infra
from ddeflow.harness.plan import Delivery, build_plan
from ddeflow.processors.replay import run_replay
from ddeflow.processors.replay_range import Filters, Request
from ddeflow.processors.store import PartitionStore
from ddeflow.processors.transform import Transformer, retention_policy
from ddeflow.producers.raw_records import RawRecord

BASELINE_TOPIC = "bench.raw-copy"
BASELINE_GROUP = "bench-raw-copy"
MAX_BATCH = 5000


def cloned(plan: Sequence[Delivery], records: int) -> list[Delivery]:
    """``plan`` repeated under new fixtureIds (same length, so byte offsets inside values stay valid)."""
    out: list[Delivery] = []
    copy = 0
    while len(out) < records:
        for item in plan:
            new_id = f"{copy:08x}" + item.fixture_id[8:]
            value = item.value.replace(item.fixture_id.encode(), new_id.encode())
            out.append(replace(item, fixture_id=new_id, value=value))
            if len(out) == records:
                break
        copy += 1
    return out


async def baseline(settings: Settings, total: int) -> float:
    """Copy every raw record to one topic in per-partition-number transactions; seconds from first poll."""
    options = kafka_options(settings, resolve(settings))
    out_topic = settings.topic(BASELINE_TOPIC)
    group = settings.topic(BASELINE_GROUP)
    await ensure_topics(options, [topics.TopicSpec(out_topic, topics.DERIVED_PARTITIONS)])
    consumer = AIOKafkaConsumer(
        **options,
        group_id=None,
        isolation_level="read_committed",
        enable_auto_commit=False,
        max_poll_records=MAX_BATCH,
        max_partition_fetch_bytes=topics.MAX_RECORD_BYTES,
    )
    await consumer.start()
    producers: dict[int, AIOKafkaProducer] = {}
    try:
        tps = [TopicPartition(s.name, p) for s in topics.raw_topics(settings.topic_prefix) for p in range(s.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        for number in range(topics.RAW_PARTITIONS):
            producer = AIOKafkaProducer(
                **options, transactional_id=f"{group}-p{number}", enable_idempotence=True, acks="all", linger_ms=20
            )
            await producer.start()
            producers[number] = producer

        async def transaction(number: int, parts: list[tuple[TopicPartition, list[Any]]]) -> None:
            producer = producers[number]
            await producer.begin_transaction()
            deliveries = [
                await producer.send(out_topic, m.value, key=m.key, headers=list(m.headers))
                for _, messages in parts
                for m in messages
            ]
            await asyncio.gather(*deliveries)  # as the engine's transact does before committing
            await producer.send_offsets_to_transaction({tp: ms[-1].offset + 1 for tp, ms in parts}, group)
            await producer.commit_transaction()

        active = {tp for tp in tps if ends[tp] > 0}
        started = time.monotonic()
        moved = 0
        while active:
            batch = await consumer.getmany(*active, timeout_ms=200, max_records=MAX_BATCH)
            by_number: dict[int, list[tuple[TopicPartition, list[Any]]]] = {}
            for tp, messages in batch.items():
                if messages:
                    by_number.setdefault(tp.partition, []).append((tp, messages))
                    moved += len(messages)
            await asyncio.gather(*(transaction(n, parts) for n, parts in by_number.items()))
            for tp in list(active):
                if await consumer.position(tp) >= ends[tp]:
                    active.discard(tp)
        elapsed = time.monotonic() - started
        assert moved == total, f"the baseline moved {moved} of {total} records"
        return elapsed
    finally:
        for producer in producers.values():
            await producer.stop()
        await consumer.stop()


async def replay_pass(settings: Settings, into: str) -> tuple[float, float, str, int]:
    """Replay everything into ``into``: seconds processing, seconds in all, the summary, records in."""
    started = time.monotonic()
    request = Request(settings.topic_prefix, None, None, Filters(), False)
    done = await run_replay(
        settings,
        request,
        None,
        None,
        into=into,
        max_batch=MAX_BATCH,
        stop=asyncio.Event(),
        progress=lambda plan: lambda stats, passed: None,
        announce=lambda plan, resumed: None,
    )
    assert done is not None
    plan, stats = done
    return time.monotonic() - stats.started_at, time.monotonic() - started, stats.summary(plan), stats.records_in


def transformer_alone(settings: Settings, plan: Sequence[Delivery]) -> float:
    """Seconds for the Transformer over ``plan`` in memory, one store per partition number, committed every
    ``MAX_BATCH`` records as the engine does."""
    codec = AvroCodec(None)  # type: ignore[arg-type]  # encoding needs no registry
    for number, binding in enumerate(topic_schemas.bindings(settings.topic_prefix), start=1):
        codec.use(binding.subject, number, binding.schema)
    transformer = Transformer(settings.topic_prefix, codec, retention_policy(settings))
    stores = [PartitionStore() for _ in range(topics.RAW_PARTITIONS)]
    records = [
        RawRecord(
            item.topic(settings.topic_prefix),
            hash(item.fixture_id) % topics.RAW_PARTITIONS,
            offset,
            item.key,
            item.value,
            tuple(item.headers(settings.topic_prefix)),
            timestamp_ms=offset,
        )
        for offset, item in enumerate(plan)
    ]
    started = time.monotonic()
    for record in records:
        store = stores[record.partition]
        transformer.handle(record, store)
        if record.offset % MAX_BATCH == 0:
            for current in stores:
                list(current.pending())
                current.commit()
    return time.monotonic() - started


async def measure(settings: Settings, plan: Sequence[Delivery], ceiling_records: int) -> None:
    await ensure_topics(kafka_options(settings, resolve(settings)), topics.raw_topics(settings.topic_prefix))
    appended = await append(settings, plan)
    print(f"appended in {appended:.1f} s")
    raw_s = await baseline(settings, len(plan))
    print(f"baseline (raw aiokafka read + transactional produce): {raw_s:.1f} s, {len(plan) / raw_s:.0f} records/s")
    work_s, all_s, summary, records_in = await replay_pass(settings, settings.topic_prefix + "r.")
    assert records_in == len(plan), f"the replay read {records_in} of {len(plan)} records"
    rate = len(plan) / work_s
    print(f"replay: {summary}")
    print(
        f"replay: {work_s:.1f} s processing ({all_s:.1f} s with planning and topic creation), "
        f"{rate:.0f} packets/s = {rate / (len(plan) / raw_s):.2f} x the baseline; "
        f"1,000,000 packets would take {1_000_000 / rate:.0f} s"
    )
    sample = plan[:ceiling_records]
    alone_s = transformer_alone(settings, sample)
    print(
        f"the Transformer alone, in memory, over the first {len(sample)} records: {alone_s:.1f} s, "
        f"{len(sample) / alone_s:.0f} packets/s (the replay reaches {rate / (len(sample) / alone_s):.2f} of it)"
    )


def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        base = build_plan(season_slice(root / "matches", args.fixtures, 0, args.seed), seed=args.seed)
        plan = cloned(base, args.records)
        megabytes = sum(len(d.value) for d in plan) / 1e6
        print(f"{len(plan)} raw records ({len(base)} generated, the rest cloned), {megabytes:.0f} MB")
        with real_infra(root / "home") as infra:
            settings = load_settings(
                KAFKA_BOOTSTRAP_SERVERS=infra.bootstrap_servers,
                SCHEMA_REGISTRY_URL=infra.registry_url,
                DDEFLOW_TOPIC_PREFIX=f"benchreplay{int(time.time())}.",
                DDEFLOW_HOME=str(root / "home"),
            )
            asyncio.run(measure(settings, plan, args.ceiling_records))


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument("--fixtures", type=int, default=40)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--ceiling-records", type=int, default=50_000, help="records for the Transformer-alone pass (default 50000)"
    )
    main(parser.parse_args())
