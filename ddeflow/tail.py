"""``ddeflow tail TOPIC``: decode a ddeflow topic as JSON lines or a table for people.

Reads with ``isolation_level=read_committed`` (what trading consumers see) and
no consumer group, so it never moves anybody's offsets.  Follows the topic
(from its end, ``--from-beginning``, or ``--from`` a time or offsets) until
interrupted, ``--no-follow`` (the end as it was at start), ``--until-idle`` or
``--limit``.  The table's layout per topic is ``ddeflow.tail_table``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from collections.abc import AsyncIterator
from typing import Any, TextIO

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError as AIOKafkaError
from rich.console import Console
from rich.text import Text

from ddeflow import decode, tail_table, topic_schemas
from ddeflow.admin import check_topic_readable
from ddeflow.avro import AvroCodec
from ddeflow.client_errors import kafka_error
from ddeflow.config import Settings
from ddeflow.endpoints import kafka_options, registry_client, resolve
from ddeflow.kafka_connect import explained
from ddeflow.processors.replay_range import AllOffsets, Bound, PartitionOffsets, Timestamp, parse_bound
from ddeflow.producers.raw_records import RawRecord

_STYLES = {
    tail_table.Mark.CORRECTION: "bold red",
    tail_table.Mark.DEAD_LETTER: "bold magenta",
    tail_table.Mark.DOWN: "bold yellow",
    tail_table.Mark.ANOMALY: "yellow",
}


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "tail",
        help="decode a topic (Avro through the registry; raw topics as JSON) as JSON lines or a table",
        description="TOPIC is the name without DDEFLOW_TOPIC_PREFIX, e.g. dde.score-changes. In a table, "
        "corrections, dead letters, feed streams going down and anomalies are marked (and coloured on a terminal).",
    )
    parser.add_argument("topic")
    start = parser.add_mutually_exclusive_group()
    start.add_argument("--from-beginning", action="store_true", help="start at the earliest offset, not the end")
    start.add_argument(
        "--from",
        dest="start",
        metavar="WHEN",
        help="start at a time (ISO-8601, UTC when no zone is given, or epoch ms) or at offsets (123, p0=10,p3=4)",
    )
    parser.add_argument(
        "--follow",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep reading new records (default); --no-follow stops at the end the topic had at start",
    )
    parser.add_argument("--until-idle", type=float, metavar="S", help="exit once nothing arrived for S seconds")
    parser.add_argument("--fixture", metavar="ID", help="only this fixture's records")
    parser.add_argument("--format", choices=("jsonl", "table"), default="jsonl")
    parser.add_argument("--limit", type=int, metavar="N", help="stop after N records")
    parser.set_defaults(handler=_run)


async def _seek(
    consumer: AIOKafkaConsumer, topic: str, partitions: int, *, from_beginning: bool, start: Bound | None
) -> None:
    numbers = [p for p in range(partitions) if not isinstance(start, PartitionOffsets) or start.get(p) is not None]
    tps = [TopicPartition(topic, p) for p in numbers]
    consumer.assign(tps)
    if from_beginning:
        await consumer.seek_to_beginning(*tps)
    elif isinstance(start, Timestamp):
        found = await consumer.offsets_for_times(dict.fromkeys(tps, start.ms))
        ends = await consumer.end_offsets(tps)
        for tp in tps:
            at = found.get(tp)
            consumer.seek(tp, at.offset if at is not None else ends[tp])
    elif isinstance(start, AllOffsets | PartitionOffsets):
        for tp in tps:
            offset = start.offset if isinstance(start, AllOffsets) else start.get(tp.partition)
            consumer.seek(tp, offset or 0)
    else:
        await consumer.seek_to_end(*tps)


async def consume(
    settings: Settings,
    topic: str,
    *,
    from_beginning: bool,
    until_idle_s: float | None,
    limit: int | None = None,
    start: Bound | None = None,
    follow: bool = True,
) -> AsyncIterator[RawRecord]:
    """Records of ``topic`` (already prefixed) in partition order, until idle or ``limit``; without ``follow``,
    until the end the topic had when reading started."""
    options = kafka_options(settings, resolve(settings))
    consumer = AIOKafkaConsumer(
        **options,
        enable_auto_commit=False,
        isolation_level="read_committed",
        auto_offset_reset="earliest" if from_beginning else "latest",
    )
    try:
        partitions = await check_topic_readable(options, topic)
        await consumer.start()
        await _seek(consumer, topic, partitions, from_beginning=from_beginning, start=start)
        ends = None if follow else await consumer.end_offsets(list(consumer.assignment()))
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
            if ends is not None and all([await consumer.position(tp) >= end for tp, end in ends.items()]):
                return
            if records:
                last_activity = time.monotonic()
            elif until_idle_s is not None and time.monotonic() - last_activity >= until_idle_s:
                return
    except AIOKafkaError as exc:
        raise kafka_error(await explained(exc, options), f"reading {topic}") from None
    finally:
        await consumer.stop()


class _Table:
    """Lines as records arrive: a header once, each line aligned, marked lines coloured on a terminal."""

    def __init__(self, layout: str, out: TextIO) -> None:
        self._layout = layout
        self._columns = tail_table.columns(layout)
        self._out = out
        self._console = Console(file=out, highlight=False) if out.isatty() else None
        self._started = False

    def start(self) -> None:
        """The header, once: before the first line, or alone when nothing came."""
        if not self._started:
            self._started = True
            self._write(tail_table.header(self._columns), "bold")

    def add(self, item: dict[str, Any]) -> None:
        self.start()
        note = tail_table.mark(item, self._layout)
        self._write(tail_table.line(item, self._columns, note), _STYLES.get(note) if note is not None else None)

    def _write(self, text: str, style: str | None) -> None:
        if self._console is not None:
            self._console.print(Text(text, style=style or ""), soft_wrap=True)
        else:
            self._out.write(text + "\n")
            self._out.flush()


async def tail(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    topic = settings.topic(args.topic)
    kind = decode.kind_of(topic, settings.topic_prefix)
    by_topic = {b.topic: b.schema_name for b in topic_schemas.every_binding(settings.topic_prefix)}
    layout = by_topic.get(topic, "") if kind == decode.AVRO else kind
    table = _Table(layout, out) if args.format == "table" else None
    endpoints = resolve(settings)
    async with registry_client(settings, endpoints) as registry:
        codec = AvroCodec(registry)
        async for record in consume(
            settings,
            topic,
            from_beginning=args.from_beginning,
            until_idle_s=args.until_idle,
            limit=args.limit,
            start=parse_bound(args.start, what="--from") if args.start is not None else None,
            follow=args.follow,
        ):
            item = await decode.view(record, codec, settings.topic_prefix)
            if not tail_table.keeps(item, args.fixture):
                continue
            if table is not None:
                table.add(item)
            else:
                out.write(json.dumps(item, sort_keys=False) + "\n")
                out.flush()
    if table is not None:
        table.start()
    return 0


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        # aiokafka's INFO lines (assignments, coordinator chatter) would land among the records; its failures
        # reach us as errors.  ``ddeflow -v tail`` keeps them.
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    try:
        return asyncio.run(tail(settings, args, sys.stdout))
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 0
