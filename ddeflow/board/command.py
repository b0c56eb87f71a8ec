"""``ddeflow board``: the I/O shell around the board's pure model, renderer and footer figures.

Reads the derived topics and the dead letters with ``read_committed`` and no consumer group (it never
moves anybody's offsets), samples the raw topics' end offsets and the worker group's committed
offsets every second, and draws with rich ``Live`` on a terminal, or prints plain lines otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from rich.console import Console
from rich.live import Live

from ddeflow import decode, topics
from ddeflow.admin import describe_topics
from ddeflow.avro import AvroCodec
from ddeflow.board import model, pipeline, render
from ddeflow.config import Settings
from ddeflow.dde import Sport
from ddeflow.endpoints import kafka_options, registry_client, resolve
from ddeflow.errors import BrokerError
from ddeflow.signals import stop_on_signals
from ddeflow.tail import consume

log = logging.getLogger(__name__)
SAMPLE_INTERVAL_S = 1.0
RATE_SAMPLES = 5
PLAIN_FOOTER_EVERY_S = 10.0


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "board",
        help="a live board of every fixture (score, period, clock, corrections, feed) and the pipeline's figures",
        description=(
            "Reads the derived topics (read_committed, no consumer group) from their beginning and shows one row per "
            "fixture, with a footer: packets/s in, records/s out, dropped, DLQ, consumer lag and delay. "
            "Not on a terminal, it prints a line per changed row instead."
        ),
    )
    parser.add_argument("--sport", choices=[s.value for s in Sport], help="only this sport's fixtures")
    parser.add_argument("--fixture", metavar="ID", help="only this fixture (its id or the first characters of it)")
    parser.add_argument(
        "--metrics-url", metavar="U", help="the worker's Prometheus metrics (`process --metrics-port`), for drops"
    )
    parser.add_argument("--until-idle", type=float, metavar="S", help="exit once nothing arrived for S seconds")
    parser.set_defaults(handler=_run)


@dataclass(frozen=True, slots=True)
class BoardOptions:
    sport: str | None = None
    fixture: str | None = None
    metrics_url: str | None = None
    until_idle_s: float | None = None
    refresh_s: float = 0.5
    names: Mapping[str, str] = field(default_factory=dict)
    """Fixture id → name, when the caller knows them (the derived records carry team ids only)."""
    title: Callable[[], str] | None = None


def watched(sport: str | None) -> list[str]:
    """The topics the board reads (without prefix): the derived ones the filter can need, the DLQ, feed status."""
    sports = [Sport(sport)] if sport else list(Sport)
    names = [topics.derived_actions(s) for s in sports] + [topics.SCORE_CHANGES, topics.FIXTURE_EVENTS]
    if sport in (None, Sport.SNOOKER.value):
        names.append(topics.BREAK_COMPLETIONS)
    return [*names, topics.DLQ, topics.FEED_STATUS]


@dataclass
class BoardResult:
    board: model.Board = field(default_factory=model.Board)
    recent: pipeline.Recent = field(default_factory=pipeline.Recent)
    samples: deque[pipeline.OffsetSample] = field(default_factory=lambda: deque(maxlen=RATE_SAMPLES))
    lag: int | None = None
    dropped: pipeline.Dropped | None = None

    def figures(self, now_ms: int) -> pipeline.Figures:
        delays = self.recent.delays()
        return pipeline.Figures(
            packets_in_per_s=pipeline.packets_per_s(self.samples),
            records_out_per_s=self.recent.per_s(now_ms),
            dlq=self.recent.dlq,
            lag=self.lag,
            delay_p50_ms=pipeline.percentile(delays, 50),
            delay_p99_ms=pipeline.percentile(delays, 99),
            dropped=self.dropped,
        )


async def _read(settings: Settings, names: list[str], state: BoardResult, until_idle_s: float | None) -> None:
    """Every topic read side by side, each folded into the board as its records come."""
    prefix = settings.topic_prefix
    async with registry_client(settings, resolve(settings)) as registry:
        codec = AvroCodec(registry)

        async def read(topic: str) -> None:
            async for record in consume(settings, topic, from_beginning=True, until_idle_s=until_idle_s):
                name = record.topic.removeprefix(prefix)
                if name == topics.DLQ:
                    state.recent.dlq += 1
                    continue
                value = (await decode.view(record, codec, prefix))["value"]
                if isinstance(value, dict):
                    state.board = model.apply(
                        state.board, model.Derived(name, value, record.timestamp_ms), topics.FEED_STATUS
                    )
                    state.recent.add(record.timestamp_ms, pipeline.delay_ms(value, record.timestamp_ms))

        try:
            async with asyncio.TaskGroup() as group:
                for topic in names:
                    group.create_task(read(topic))
        except ExceptionGroup as failed:  # the first reader's error, as the CLI knows how to say it
            raise failed.exceptions[0] from None


async def _sample_once(
    consumer: AIOKafkaConsumer, admin: AIOKafkaAdminClient, settings: Settings, state: BoardResult
) -> None:
    # Asked of the cluster each time: the board works whatever partition counts it was given.
    described = await admin.describe_topics([spec.name for spec in topics.raw_topics(settings.topic_prefix)])
    raw = [
        TopicPartition(topic["topic"], partition["partition"])
        for topic in described
        if topic.get("error_code", 0) == 0
        for partition in topic.get("partitions", [])
    ]
    ends: dict[TopicPartition, int] = await consumer.end_offsets(raw) if raw else {}
    state.samples.append(pipeline.OffsetSample(time.monotonic(), sum(ends.values())))
    found = await admin.list_consumer_group_offsets(settings.topic(topics.WORKER_GROUP))
    committed = {tp: meta.offset for tp, meta in found.items() if meta.offset >= 0}
    state.lag = pipeline.lag(ends, committed)


async def _sample(settings: Settings, state: BoardResult, metrics_url: str | None) -> None:
    options = kafka_options(settings, resolve(settings))
    consumer = AIOKafkaConsumer(**options, group_id=None, enable_auto_commit=False)
    admin = AIOKafkaAdminClient(**options)
    await consumer.start()
    await admin.start()
    try:
        async with httpx.AsyncClient(timeout=2.0) as http:
            while True:
                try:
                    await _sample_once(consumer, admin, settings, state)
                except Exception as exc:  # a cluster hiccup blanks nothing: the next sample tries again
                    log.debug("board: sampling offsets failed: %r", exc)
                if metrics_url is not None:
                    try:
                        answer = await http.get(metrics_url)
                        answer.raise_for_status()
                        state.dropped = pipeline.dropped(answer.text)
                    except (httpx.HTTPError, ValueError) as exc:
                        log.debug("board: reading %s failed: %r", metrics_url, exc)
                        state.dropped = None
                await asyncio.sleep(SAMPLE_INTERVAL_S)
    finally:
        await consumer.stop()
        await admin.close()


def _now_ms() -> int:
    return int(time.time() * 1000)


class _Plain:
    """Not on a terminal: a line for each row that changed, and the footer every few seconds."""

    def __init__(self, console: Console, options: BoardOptions) -> None:
        self._console = console
        self._options = options
        self._shown: dict[str, str] = {}
        self._footer_at = 0.0

    def _write(self, line: str) -> None:
        print(line, file=self._console.file, flush=True)

    def draw(self, state: BoardResult, *, final: bool = False) -> None:
        now = _now_ms()
        for row in model.selected(state.board, sport=self._options.sport, fixture=self._options.fixture):
            line = render.plain_line(row, now, self._options.names)
            if self._shown.get(row.fixture_id) != line:
                self._shown[row.fixture_id] = line
                self._write(line)
        if final or time.monotonic() - self._footer_at >= PLAIN_FOOTER_EVERY_S:
            self._footer_at = time.monotonic()
            self._write("pipeline: " + render.footer(state.figures(now)))


def _screen(state: BoardResult, options: BoardOptions) -> Any:
    now = _now_ms()
    rows = model.selected(state.board, sport=options.sport, fixture=options.fixture)
    title = options.title() if options.title is not None else None
    return render.screen(rows, state.figures(now), now, options.names, title)


async def run_board(
    settings: Settings, options: BoardOptions, console: Console, stop: asyncio.Event | None = None
) -> BoardResult:
    """Show the board until ``stop`` is set or, with ``until_idle_s``, nothing arrived for that long."""
    wanted = [settings.topic(name) for name in watched(options.sport)]
    found = await describe_topics(kafka_options(settings, resolve(settings)), wanted)
    names = [name for name in wanted if found[name] is not None]
    if not any(name.removeprefix(settings.topic_prefix) != topics.DLQ for name in names):
        where = f" under the prefix {settings.topic_prefix!r}" if settings.topic_prefix else ""
        raise BrokerError(f"no derived topics{where} yet: start the worker (`ddeflow process`) first")
    state = BoardResult()
    stop = stop or asyncio.Event()
    reader = asyncio.create_task(_read(settings, names, state, options.until_idle_s))
    sampler = asyncio.create_task(_sample(settings, state, options.metrics_url))
    stopped = asyncio.create_task(stop.wait())
    try:
        if console.is_terminal:
            with Live(_screen(state, options), console=console, auto_refresh=False) as live:
                while not (reader.done() or stop.is_set()):
                    await asyncio.wait({reader, stopped}, timeout=options.refresh_s)
                    live.update(_screen(state, options), refresh=True)
        else:
            plain = _Plain(console, options)
            while not (reader.done() or stop.is_set()):
                await asyncio.wait({reader, stopped}, timeout=options.refresh_s)
                plain.draw(state, final=reader.done() or stop.is_set())
        if reader.done():
            reader.result()  # a reader that failed raises its error here
        return state
    finally:
        for task in (reader, sampler, stopped):
            task.cancel()
        for task in (reader, sampler, stopped):
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _run(args: argparse.Namespace, settings: Settings) -> int:
    options = BoardOptions(
        sport=args.sport, fixture=args.fixture, metrics_url=args.metrics_url, until_idle_s=args.until_idle
    )

    async def main() -> int:
        with stop_on_signals() as stop:
            await run_board(settings, options, Console(), stop)
        return 0

    return asyncio.run(main())
