"""`make demo`: the whole pipeline on this machine, over one generated match of each sport.

1. starts the embedded Kafka and registry (unless KAFKA_BOOTSTRAP_SERVERS points elsewhere, or they already run);
2. generates one deterministic match per sport (snooker with its /statistics stream);
3. serves them from the DDE simulator, live, at high speed, with a few connection drops thrown in;
4. ingests every live fixture (`ingest live`) while the processor worker (`process`) runs beside it;
5. prints derived events as a read_committed consumer sees them;
6. stops everything it started, and says what happened.

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
from collections import Counter
from pathlib import Path
from typing import Any

from ddeflow import decode
from ddeflow.avro import AvroCodec
from ddeflow.config import Settings, load_settings
from ddeflow.dde import Sport
from ddeflow.endpoints import registry_auth, resolve
from ddeflow.errors import DdeflowError
from ddeflow.local.stack import LocalStack
from ddeflow.processors.worker import run_worker
from ddeflow.producers.live import LiveOptions
from ddeflow.producers.raw_records import Stream
from ddeflow.producers.stream_ingest import run_live
from ddeflow.registry import SchemaRegistry
from ddeflow.simulator.generator import generate
from ddeflow.simulator.server import SimulatorConfig, run_simulator
from ddeflow.tail import consume

SEED = 2026
TIME_SCALE = 0.004  # a two-hour match in about thirty seconds
SHOWN = ("dde.score-changes", "dde.snooker.break-completions", "dde.fixture-events")


def say(text: str) -> None:
    print(text, flush=True)


def _line(topic: str, value: dict[str, Any]) -> str:
    fixture = str(value.get("fixtureId", ""))[:8]
    if topic.endswith("score-changes"):
        mark = "  CORRECTION" if value["isCorrection"] else ""
        return (
            f"  score   {value['sport']:<10} {fixture}  {value['previousHomeScore']}-{value['previousAwayScore']}"
            f" -> {value['homeScore']}-{value['awayScore']}  (period {value['period']}: "
            f"{value['homePeriodScore']}-{value['awayPeriodScore']}, {value['causeSendType']}){mark}"
        )
    if topic.endswith("break-completions"):
        return (
            f"  break   snooker    {fixture}  frame {value['frame']} break {value['breakSeq']}: "
            f"{value['playerName']} {value['points']} points (revision {value['revision']})"
        )
    detail = value.get("current") or ""
    return f"  event   {value['sport']:<10} {fixture}  {value['eventType']} {detail}"


async def show(settings: Settings, topic: str, seen: Counter[str], done: asyncio.Event) -> None:
    """Print the interesting derived records as they become visible, until ``done``."""
    async with SchemaRegistry(resolve(settings).registry_url, auth=registry_auth(settings)) as registry:
        codec = AvroCodec(registry)
        while not done.is_set():
            try:
                async for record in consume(settings, settings.topic(topic), from_beginning=True, until_idle_s=None):
                    item = await decode.view(record, codec, settings.topic_prefix)
                    seen[topic] += 1
                    value = item["value"]
                    interesting = topic != "dde.score-changes" or seen[topic] % 10 == 1 or value["isCorrection"]
                    if isinstance(value, dict) and interesting and value.get("eventType") != "CollectionStatusChanged":
                        say(_line(topic, value))
                    if done.is_set():
                        return
            except DdeflowError:  # the topic is created by the worker a moment after start
                await asyncio.sleep(0.5)


async def pipeline(settings: Settings, data: Path) -> None:
    token = secrets.token_urlsafe(24)
    drops = ((None, {"drop_probability": 0.01}),)
    config = SimulatorConfig(
        data, token, heartbeat_s=1.0, time_scale=TIME_SCALE, stagger_s=1.0, seed=SEED, faults=drops
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
        say(f"simulator: {sim.url} (websockets and REST), 1% of frames followed by a dropped connection")
        stop_worker, shown_done = asyncio.Event(), asyncio.Event()
        seen: Counter[str] = Counter()
        worker = asyncio.create_task(run_worker(feed, stop=stop_worker))
        viewers = [asyncio.create_task(show(feed, topic, seen, shown_done)) for topic in SHOWN]
        options = LiveOptions(
            sports=tuple(Sport),
            streams=frozenset({Stream.ACTIONS, Stream.STATISTICS}),
            poll_interval_s=1.0,
            lead_s=5.0,
            progress_interval_s=10.0,
            until_finished=True,
        )
        ingest = asyncio.create_task(run_live(feed, options, asyncio.Event()))
        await asyncio.wait({ingest, worker}, return_when=asyncio.FIRST_COMPLETED)
        if worker.done():  # the worker only ends early on an error: raise it
            ingest.cancel()
            await worker
        summary = await ingest
        say(f"ingest: {summary.line()}")
        await asyncio.sleep(3)  # let the worker catch up with the last packets
        stop_worker.set()
        stats = await worker
        shown_done.set()
        await asyncio.sleep(1)
        for viewer in viewers:
            viewer.cancel()
        say(f"process: {stats.summary()}")
        say("derived records seen by a read_committed consumer: " + json.dumps(dict(seen)))


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Fresh topics answer "not leader" for a moment; the client retries, so its error lines are noise here.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    base = load_settings()
    prefix = f"demo-{int(time.time())}."
    stack = LocalStack(base) if base.uses_local_stack else None
    started = False
    try:
        if stack is not None:
            say("starting the local Kafka and schema registry (the first run fetches the jars)...")
            info = stack.up()
            started = not info.reused
            say(f"local stack: {info.bootstrap_servers}, {info.registry_url}")
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
            say(f"generated one match per sport (seed {SEED}): {made}")
            asyncio.run(pipeline(settings, Path(tmp)))
        if not started:
            say(
                f"the topics stay under the prefix {prefix!r}: DDEFLOW_TOPIC_PREFIX={prefix} "
                "ddeflow tail dde.score-changes --from-beginning --until-idle 2 --format table"
            )
        return 0
    except DdeflowError as exc:
        print(f"demo: error: {exc}", file=sys.stderr)
        return 2
    finally:
        if stack is not None and started:
            for line in stack.down():
                say(f"local stack: {line}")


if __name__ == "__main__":
    sys.exit(main())
