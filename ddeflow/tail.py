"""``ddeflow tail TOPIC``: decode a ddeflow topic as JSON lines or a table.

Reads with ``isolation_level=read_committed`` (what trading consumers see) and
no consumer group, so it never moves anybody's offsets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from typing import Any, TextIO

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError as AIOKafkaError

from ddeflow import decode, topic_schemas
from ddeflow.admin import check_topic_readable
from ddeflow.avro import AvroCodec
from ddeflow.client_errors import kafka_error
from ddeflow.config import Settings
from ddeflow.endpoints import kafka_options, registry_client, resolve
from ddeflow.kafka_connect import explained
from ddeflow.producers.raw_records import RawRecord


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "tail",
        help="decode a topic (Avro through the registry; raw topics as JSON) as JSON lines or a table",
        description="TOPIC is the name without DDEFLOW_TOPIC_PREFIX, e.g. dde.score-changes.",
    )
    parser.add_argument("topic")
    parser.add_argument("--from-beginning", action="store_true", help="start at the earliest offset, not the end")
    parser.add_argument("--until-idle", type=float, metavar="S", help="exit once nothing arrived for S seconds")
    parser.add_argument("--format", choices=("jsonl", "table"), default="jsonl")
    parser.add_argument("--limit", type=int, metavar="N", help="stop after N records")
    parser.set_defaults(handler=_run)


async def consume(
    settings: Settings,
    topic: str,
    *,
    from_beginning: bool,
    until_idle_s: float | None,
    limit: int | None = None,
) -> AsyncIterator[RawRecord]:
    """Records of ``topic`` (already prefixed) in partition order, until idle or ``limit``."""
    options = kafka_options(settings, resolve(settings))
    consumer = AIOKafkaConsumer(
        **options,
        enable_auto_commit=False,
        isolation_level="read_committed",
        auto_offset_reset="earliest" if from_beginning else "latest",
    )
    try:
        await check_topic_readable(options, topic)
        await consumer.start()
        # Without a group every partition is assigned, and auto_offset_reset picks the start.
        consumer.subscribe([topic])
        seen = 0
        last_activity = time.monotonic()
        while True:
            batch = await consumer.getmany(timeout_ms=200)
            records = [m for tp in sorted(batch, key=lambda tp: tp.partition) for m in batch[tp]]
            for message in records:
                yield RawRecord(
                    topic=message.topic,
                    partition=message.partition,
                    offset=message.offset,
                    timestamp_ms=message.timestamp,
                    key=message.key,
                    value=message.value,
                    headers=tuple(message.headers),
                )
                seen += 1
                if limit is not None and seen >= limit:
                    return
            if records or not consumer.assignment():
                # Idle time counts from when the partitions are actually being read.
                last_activity = time.monotonic()
            elif until_idle_s is not None and time.monotonic() - last_activity >= until_idle_s:
                return
    except AIOKafkaError as exc:
        raise kafka_error(await explained(exc, options), f"reading {topic}") from None
    finally:
        await consumer.stop()


async def tail(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    topic = settings.topic(args.topic)
    kind = decode.kind_of(topic, settings.topic_prefix)
    by_topic = {b.topic: b.schema_name for b in topic_schemas.bindings(settings.topic_prefix)}
    columns = decode.TABLE_COLUMNS.get(kind if kind != decode.AVRO else by_topic.get(topic, ""), ["offset", "key"])
    endpoints = resolve(settings)
    rows: list[list[str]] = []
    async with registry_client(settings, endpoints) as registry:
        codec = AvroCodec(registry)
        async for record in consume(
            settings, topic, from_beginning=args.from_beginning, until_idle_s=args.until_idle, limit=args.limit
        ):
            item = await decode.view(record, codec, settings.topic_prefix)
            if args.format == "jsonl":
                out.write(json.dumps(item, sort_keys=False) + "\n")
                out.flush()
            else:
                rows.append(decode.table_row(item, columns))
    if args.format == "table":
        out.write(decode.render_table(rows, columns) + "\n")
    return 0


def _run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        return asyncio.run(tail(settings, args, sys.stdout))
    except BrokenPipeError:
        return 0
