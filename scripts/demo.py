"""`make demo`: the whole pipeline on this machine, over one generated match of each sport, on the live board.

1. starts the embedded Kafka and registry (unless KAFKA_BOOTSTRAP_SERVERS points elsewhere, or they already run);
2. generates one deterministic match per sport (snooker with its /statistics stream);
3. serves them from the DDE simulator, live, at high speed, dropping a few connections and re-sending a few frames;
4. ingests every live fixture (`ingest live`) while the processor worker (`process`) runs beside it;
5. shows `ddeflow board` over what a read_committed consumer sees (plain lines when not on a terminal);
6. ends with one summary: per fixture against the generator's truth, and per stage;
7. stops everything it started.

All topics go under a fresh DDEFLOW_TOPIC_PREFIX (demo-<time>.), so runs never mix.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table

from ddeflow import decode, topics
from ddeflow.admin import describe_topics
from ddeflow.avro import AvroCodec
from ddeflow.board import pipeline as figures
from ddeflow.board.command import BoardOptions, BoardResult, run_board
from ddeflow.board.model import Board, FixtureRow
from ddeflow.config import Settings, load_settings
from ddeflow.dde import Sport
from ddeflow.endpoints import kafka_options, registry_client, resolve
from ddeflow.errors import DdeflowError
from ddeflow.harness.derived import read_topic
from ddeflow.local.processes import free_port
from ddeflow.local.stack import LocalStack
from ddeflow.metrics import ProcessMetrics, serving
from ddeflow.processors.worker import WorkerStats, run_worker
from ddeflow.producers.live import LiveOptions, LiveSummary
from ddeflow.producers.raw_records import Stream
from ddeflow.producers.stream_ingest import run_live
from ddeflow.simulator.generator import generate
from ddeflow.simulator.server import SimulatorConfig, run_simulator
from ddeflow.simulator.server.faults import FaultKind
from ddeflow.tail import consume

SEED = 2026
TIME_SCALE = 0.004  # a two-hour match in about thirty seconds
FAULTS = {"drop_probability": 0.01, "duplicate_probability": 0.02}
console = Console()


@dataclass(frozen=True, slots=True)
class Match:
    fixture_id: str
    sport: str
    name: str
    truth: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class RawCount:
    packets: int = 0
    repeated: int = 0
    """Records whose sequence number the fixture's stream had already written: what the worker must drop."""


@dataclass(frozen=True, slots=True)
class Outcome:
    ingest: LiveSummary
    worker: WorkerStats
    worker_s: float
    shown: BoardResult
    raw: Mapping[str, RawCount]
    drops: Mapping[str, int]


def matches_in(data: Path) -> dict[str, Match]:
    found = {}
    for truth_file in sorted(data.glob("*/*/truth.json")):
        fixture = json.loads((truth_file.parent / "fixture.json").read_text(encoding="utf-8"))
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        found[fixture["id"]] = Match(fixture["id"], truth["sport"], fixture["name"], truth)
    return found


def raw_counts(records: Iterable[tuple[str, Any]]) -> dict[str, RawCount]:
    """Per fixture: raw records, and how many repeat a (stream, sequence number) already written."""
    seen: set[tuple[str, str, object]] = set()
    counts: dict[str, RawCount] = {}
    for topic, value in records:
        if not isinstance(value, dict):
            continue
        if topic.endswith(".statistics"):
            fixture, seq = value.get("fixtureId"), value.get("seqNum")
        else:
            action = value.get("fixtureAction") or {}
            fixture, seq = action.get("fixtureId"), action.get("fixtureSeqNum")
        if not isinstance(fixture, str):
            continue
        identity = (topic, fixture, seq)
        before = counts.get(fixture, RawCount())
        counts[fixture] = RawCount(before.packets + 1, before.repeated + (identity in seen))
        seen.add(identity)
    return counts


async def read_raw(settings: Settings) -> dict[str, RawCount]:
    names = [spec.name for spec in topics.raw_topics(settings.topic_prefix)]
    found = await describe_topics(kafka_options(settings, resolve(settings)), names)
    present = [name for name in names if found[name] is not None]
    records: list[tuple[str, Any]] = []

    async def read(topic: str) -> None:
        async for record in consume(settings, topic, from_beginning=True, until_idle_s=1.5):
            records.append((record.topic, (await decode.view(record, None, settings.topic_prefix))["value"]))

    await asyncio.gather(*(read(topic) for topic in present))
    return raw_counts(records)


async def until_topics_exist(settings: Settings, timeout_s: float = 60.0) -> None:
    """The worker creates the derived topics as it starts; the board reads them."""
    wanted = settings.topic(topics.SCORE_CHANGES)
    deadline = time.monotonic() + timeout_s
    while (await describe_topics(kafka_options(settings, resolve(settings)), [wanted]))[wanted] is None:
        if time.monotonic() > deadline:
            raise DdeflowError(f"the worker did not create {wanted} within {timeout_s:.0f} s")
        await asyncio.sleep(0.5)


async def pipeline(settings: Settings, data: Path, matches: Mapping[str, Match]) -> Outcome:
    token = secrets.token_urlsafe(24)
    config = SimulatorConfig(
        data, token, heartbeat_s=1.0, time_scale=TIME_SCALE, stagger_s=1.0, seed=SEED, faults=((None, FAULTS),)
    )
    async with run_simulator(config) as sim:
        feed = load_settings(
            KAFKA_BOOTSTRAP_SERVERS=settings.kafka_bootstrap_servers,
            SCHEMA_REGISTRY_URL=settings.schema_registry_url,
            DDEFLOW_TOPIC_PREFIX=settings.topic_prefix,
            DDE_STREAMS_URL=sim.ws_url,
            DDE_API_URL=sim.url,
            DDE_AUTH_TOKEN=token,
        )
        console.print(
            f"simulator: {sim.url}; before each frame a 1% chance of a dropped connection, after it 2% of a re-send"
        )
        metrics, metrics_port = ProcessMetrics(), free_port()
        with serving(metrics.registry, metrics_port, host="127.0.0.1"):
            stop_worker, stop_board = asyncio.Event(), asyncio.Event()
            worker = asyncio.create_task(run_worker(feed, stop=stop_worker, metrics=metrics))
            await until_topics_exist(feed)
            stats = sim.stats

            def title() -> str:
                faults = stats.faults
                return (
                    f"ddeflow demo: {len(matches)} live matches · simulator sent {stats.frames_total:,} frames, "
                    f"dropped {faults[FaultKind.DROP]} connections, re-sent {faults[FaultKind.DUPLICATE]} frames"
                )

            names = {m.fixture_id: m.name for m in matches.values()}
            board_options = BoardOptions(
                names=names, title=title, metrics_url=f"http://127.0.0.1:{metrics_port}/metrics"
            )
            board = asyncio.create_task(run_board(feed, board_options, console, stop_board))
            options = LiveOptions(
                sports=tuple(Sport),
                streams=frozenset({Stream.ACTIONS, Stream.STATISTICS}),
                poll_interval_s=1.0,
                lead_s=5.0,
                progress_interval_s=3600.0,  # the board shows progress
                until_finished=True,
            )
            ingest = asyncio.create_task(run_live(feed, options, asyncio.Event()))
            await asyncio.wait({ingest, worker, board}, return_when=asyncio.FIRST_COMPLETED)
            if worker.done() or board.done():  # either ends early only on an error: raise it
                ingest.cancel()
                stop_worker.set()
                stop_board.set()
                await worker
                await board
            summary = await ingest
            await asyncio.sleep(3)  # let the worker catch up with the last packets
            stop_worker.set()
            processed = await worker
            worker_s = time.monotonic() - processed.started_at
            await asyncio.sleep(2)  # and the board with the worker's last commits
            stop_board.set()
            shown = await board
            drops = {fixture: kinds.get(FaultKind.DROP, 0) for fixture, kinds in stats.faults_by_fixture.items()}
            return Outcome(summary, processed, worker_s, shown, await read_raw(feed), drops)


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} ms"


def verdict(row: FixtureRow | None, match: Match) -> str:
    final = match.truth["final"]
    due = f"{final['homeScore']}-{final['awayScore']}"
    if row is None:
        return f"no: nothing derived (truth {due})"
    problems = []
    if (row.home, row.away) != (final["homeScore"], final["awayScore"]):
        problems.append(f"score, truth {due}")
    if row.status != final["status"]:
        problems.append(f"status {row.status!r}, truth {final['status']}")
    if "breaks" in match.truth and row.breaks != len(match.truth["breaks"]):
        problems.append(f"{row.breaks} breaks, truth {len(match.truth['breaks'])}")
    return "no: " + "; ".join(problems) if problems else "yes"


def fixture_table(
    board: Board, raw_of: Mapping[str, RawCount], drops: Mapping[str, int], matches: Mapping[str, Match]
) -> Table:
    grid = Table(title="per fixture", header_style="bold")
    for column in ("sport", "fixture", "packets", "duplicates dropped", "drops", "score changes (corrections)"):
        grid.add_column(column, justify="left" if column in ("sport", "fixture") else "right")
    for column in ("breaks", "final score", "matches the truth"):
        grid.add_column(column)
    for match in sorted(matches.values(), key=lambda m: m.sport):
        row = board.rows.get(match.fixture_id)
        raw = raw_of.get(match.fixture_id, RawCount())
        ok = verdict(row, match)
        grid.add_row(
            match.sport,
            match.name,
            f"{raw.packets:,}",
            f"{raw.repeated:,}",
            str(drops.get(match.fixture_id, 0)),
            f"{row.score_changes} ({row.corrections})" if row else "0",
            str(row.breaks) if row and match.sport == Sport.SNOOKER.value else "",
            f"{row.home}-{row.away} {row.status}" if row else "—",
            ok,
            style=None if ok == "yes" else "bold red",
        )
    return grid


async def example_table(settings: Settings) -> Table:
    """The records of the two example processors (ddeflow.processors.examples), as a read_committed consumer sees."""
    grid = Table(title="example processors", header_style="bold")
    for column in ("topic", "record"):
        grid.add_column(column)
    async with registry_client(settings) as registry:
        codec = AvroCodec(registry)
        for topic in (topics.SNOOKER_BREAK_HIGHLIGHTS, topics.BASKETBALL_SCORING_RUNS):
            for message in await read_topic(settings, settings.topic(topic)):
                value = await codec.decode(message.value)
                if topic == topics.SNOOKER_BREAK_HIGHLIGHTS:
                    line = (
                        f"{value['kind']} frame {value['frame']} break {value['breakSeq']}: {value['playerName']} "
                        f"{value['points']} (revision {value['revision']})"
                    )
                else:
                    line = (
                        f"{value['eventType']} {value['side']} {value['points']}-0 "
                        f"(from {value['startHomeScore']}-{value['startAwayScore']}, "
                        f"now {value['homeScore']}-{value['awayScore']})"
                    )
                grid.add_row(topic, line)
    return grid


def stage_table(outcome: Outcome) -> Table:
    ingest, worker = outcome.ingest, outcome.worker
    counters = worker.counters
    duplicates = counters["actions.duplicate"] + counters["statistics.duplicate"]
    stale = counters["actions.stale"] + counters["statistics.stale"]
    delays = outcome.shown.recent.delays()
    grid = Table(title="per stage", header_style="bold")
    for column in ("stage", "records", "rate", "delay p50", "delay p99", "what it measured and did"):
        grid.add_column(column, justify="left" if column in ("stage", "what it measured and did") else "right")
    grid.add_row(
        "ingest live",
        f"{ingest.frames:,} frames",
        f"{ingest.packets_per_s:,.0f}/s",
        _ms(ingest.delay_p50_ms),
        _ms(ingest.delay_p99_ms),
        f"receipt → Kafka ack; {ingest.reconnects} reconnects, {ingest.gaps_healed} gaps healed, "
        f"{ingest.fixtures_done} fixtures done",
    )
    grid.add_row(
        "process",
        f"{worker.records_in:,} in, {worker.records_out:,} out",
        f"{worker.records_in / max(outcome.worker_s, 1e-9):,.0f}/s in",
        _ms(figures.percentile(delays, 50)),
        _ms(figures.percentile(delays, 99)),
        f"receipt → derived record committed; {duplicates} duplicates and {stale} stale dropped, "
        f"{counters['dlq']} dead letters, {worker.transactions:,} transactions",
    )
    return grid


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s", handlers=[RichHandler(console=console)])
    # Fresh topics answer "not leader" for a moment; the client retries, so its error lines are noise here.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    base = load_settings()
    prefix = f"demo-{int(time.time())}."
    stack = LocalStack(base) if base.uses_local_stack else None
    started = False
    began = time.monotonic()
    try:
        if stack is not None:
            console.print("starting the local Kafka and schema registry (the first run fetches the jars)...")
            info = stack.up()
            started = not info.reused
            console.print(f"local stack: {info.bootstrap_servers}, {info.registry_url}")
        endpoints = resolve(base)
        settings = load_settings(
            KAFKA_BOOTSTRAP_SERVERS=endpoints.bootstrap_servers,
            SCHEMA_REGISTRY_URL=endpoints.registry_url,
            DDEFLOW_TOPIC_PREFIX=prefix,
        )
        with tempfile.TemporaryDirectory(prefix="ddeflow-demo-") as tmp:
            report = generate("all", 1, SEED, tmp)
            made = ", ".join(
                f"{s.sport} {s.packets} packets" + (f" + {s.statistics} statistics" if s.statistics else "")
                for s in report.sports
            )
            console.print(f"generated one match per sport (seed {SEED}): {made}")
            matches = matches_in(Path(tmp))
            outcome = asyncio.run(pipeline(settings, Path(tmp), matches))
        console.print(fixture_table(outcome.shown.board, outcome.raw, outcome.drops, matches))
        console.print(stage_table(outcome))
        console.print(asyncio.run(example_table(settings)))
        wrong = [m.sport for m in matches.values() if verdict(outcome.shown.board.rows.get(m.fixture_id), m) != "yes"]
        console.print(
            f"{len(matches) - len(wrong)} of {len(matches)} fixtures match the generator's truth"
            + (f" (not: {', '.join(wrong)})" if wrong else "")
            + f"; the demo took {time.monotonic() - began:.0f} s"
        )
        if not started:
            again = f"DDEFLOW_TOPIC_PREFIX={prefix} ddeflow board --until-idle 2"
            console.print(f"the topics stay under the prefix {prefix!r}: {again}")
        return 1 if wrong else 0
    except DdeflowError as exc:
        print(f"demo: error: {exc}", file=sys.stderr)
        return 2
    finally:
        if stack is not None and started:
            for line in stack.down():
                console.print(f"local stack: {line}")


if __name__ == "__main__":
    sys.exit(main())
