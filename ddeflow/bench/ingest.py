"""The fan-in phase: ``ddeflow ingest live`` in a child process over many concurrent simulated streams, and its
baseline, a bare aiokafka producer with the same settings appending the same frames at the same rate.

The figure is each frame's receipt to the broker's acknowledgement of its record (``ingest live``'s own delay
histogram, in its ``--summary-json``); the baseline's is a send to its acknowledgement.  Every fixture's frames are
then checked present in the raw topics.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from ddeflow.bench.figures import FanInRun
from ddeflow.bench.profile import FanIn
from ddeflow.config import Settings, load_settings
from ddeflow.dde.sports import Sport
from ddeflow.errors import DdeflowError
from ddeflow.harness.clones import clone_fixture
from ddeflow.harness.derived import options, read_topic
from ddeflow.harness.plan import jsonl_lines
from ddeflow.producers.frames import action_seq
from ddeflow.producers.raw_records import Stream, raw_topic
from ddeflow.producers.raw_sink import LINGER_MS
from ddeflow.simulator.generator import generate
from ddeflow.simulator.server import SimulatorConfig, run_simulator
from ddeflow.soak.figures import Delays, delays
from ddeflow.topics import RAW_PARTITIONS

TOKEN = "bench-token-5d1e"
BASE_MATCHES = 4
"""Generated matches per sport, cloned under new fixture ids to make up the streams."""


def build_fixtures(root: Path, fixtures: int, keep: int | None, seed: int) -> dict[str, tuple[Sport, Path]]:
    """``fixtures`` matches over the four sports in turn: a few generated ones cloned under new ids."""
    generated = root / "generated"
    generate("all", BASE_MATCHES, seed, generated, statistics=False)
    sources = {sport: sorted(p for p in (generated / sport.value).iterdir() if p.is_dir()) for sport in Sport}
    built: dict[str, tuple[Sport, Path]] = {}
    sports = list(Sport)
    for number in range(1, fixtures + 1):
        sport = sports[(number - 1) % len(sports)]
        source = sources[sport][((number - 1) // len(sports)) % len(sources[sport])]
        new_id, target = clone_fixture(source, root / "data", sport, number, keep)
        built[new_id] = (sport, target)
    return built


async def fan_in(bootstrap: str, registry: str, root: Path, plan: FanIn, *, seed: int, say: Any = print) -> FanInRun:
    """Run ``ingest live --until-finished`` against a simulator serving ``plan.fixtures`` streams, then the
    baseline."""
    fixtures = build_fixtures(root, plan.fixtures, plan.keep, seed)
    frames = {fixture_id: jsonl_lines(directory / "actions.jsonl") for fixture_id, (_, directory) in fixtures.items()}
    total = sum(len(lines) for lines in frames.values())
    say(f"fan-in: {len(fixtures)} streams, {total} action packets")
    order = sorted(fixtures, key=lambda fixture_id: fixture_id[::-1])
    config = SimulatorConfig(
        root / "data",
        token=TOKEN,
        time_scale=plan.time_scale,
        go_live_s={fixture_id: 2.0 + i * plan.stagger_s for i, fixture_id in enumerate(order)},
        heartbeat_s=5.0,
        rate_limit_per_s=0.0,  # the reconciliation after each match is not what is measured: no need to wait on it
        seed=1,
        faults=((None, {"drop_probability": plan.drop_probability}),) if plan.drop_probability else (),
    )
    prefix = f"bench-ingest-{time.time_ns() % 10**10}."
    summary_path = root / "summary.json"
    async with run_simulator(config) as sim:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DDE_", "DDEFLOW_", "KAFKA_", "SCHEMA_"))}
        env.update(
            KAFKA_BOOTSTRAP_SERVERS=bootstrap,
            SCHEMA_REGISTRY_URL=registry,
            DDEFLOW_TOPIC_PREFIX=prefix,
            DDEFLOW_HOME=str(root / "home"),
            DDE_AUTH_TOKEN=TOKEN,
            DDE_STREAMS_URL=sim.ws_url,
            DDE_API_URL=sim.url,
        )
        command = [
            sys.executable, "-m", "ddeflow.cli", "ingest", "live",
            *[arg for sport in Sport for arg in ("--sport", sport.value)],
            "--until-finished", "--poll-interval-s", "5", "--progress-interval-s", "30",
            "--summary-json", str(summary_path),
            "--max-connects-per-s", str(plan.connects_per_s), "--max-requests-per-s", str(plan.requests_per_s),
        ]  # fmt: skip
        child = await asyncio.create_subprocess_exec(*command, env=env)
        served: list[tuple[float, int]] = []
        sampler = asyncio.create_task(_sample(lambda: sim.stats.frames_total, served))
        try:
            if await child.wait() != 0:
                raise DdeflowError(f"ingest live exited with {child.returncode}")
        finally:
            sampler.cancel()
    summary: dict[str, Any] = json.loads(summary_path.read_text(encoding="utf-8"))
    settings = load_settings(
        KAFKA_BOOTSTRAP_SERVERS=bootstrap, SCHEMA_REGISTRY_URL=registry, DDEFLOW_TOPIC_PREFIX=prefix
    )
    complete = await complete_fixtures(settings, fixtures, frames)
    rate = serving_rate(served)
    say(f"  ingest live: {summary['frames']} frames, served at {rate:,.0f}/s; p99 {summary['delay_p99_ms']:.1f} ms")
    if not rate > 0:
        raise DdeflowError("the simulator served no frames")
    # The streams' frames in turn, as they reach ingest: the first of each, then the second of each, ...
    interleaved = [
        (raw_topic(prefix, fixtures[fixture_id][0], Stream.ACTIONS), fixture_id.encode(), line)
        for round_ in itertools.zip_longest(*([(f, line) for line in frames[f]] for f in order))
        for fixture_id, line in filter(None, round_)
    ]
    sample = interleaved[: max(1, round(rate * plan.baseline_s))]
    baseline, baseline_rate = await ack_delays(settings, sample, rate)
    say(f"  baseline: {baseline.count} appends at {baseline_rate:,.0f}/s; p99 {baseline.p99_ms:.1f} ms")
    return FanInRun(len(fixtures), total, summary, complete, rate, baseline, baseline_rate)


async def _sample(count: Callable[[], int], into: list[tuple[float, int]]) -> None:
    while True:
        into.append((time.monotonic(), count()))
        await asyncio.sleep(0.5)


def serving_rate(samples: Sequence[tuple[float, int]]) -> float:
    """Frames per second from the first frame served to the last, from (time, frames served so far) samples; the
    rate ``ingest live`` had to keep up with while its streams were open (its own summary's rate spans its REST
    reconciliation too)."""
    if not samples or samples[-1][1] == 0:
        return float("nan")
    final = samples[-1][1]
    start = next(at for at, n in samples if n > 0)
    end = next(at for at, n in samples if n == final)
    return final / max(end - start, 0.5)


async def complete_fixtures(
    settings: Settings, fixtures: Mapping[str, tuple[Sport, Path]], frames: Mapping[str, Sequence[bytes]]
) -> int:
    """How many fixtures have every packet (by ``fixtureSeqNum``) in the raw topics."""
    held: dict[bytes, set[int | None]] = {}
    for sport in Sport:
        topic = raw_topic(settings.topic_prefix, sport, Stream.ACTIONS)
        for record in await read_topic(settings, topic, partitions=RAW_PARTITIONS, timeout_s=300):
            held.setdefault(record.key, set()).add(action_seq(record.value))
    return sum(
        1
        for fixture_id in fixtures
        if {action_seq(line) for line in frames[fixture_id]} <= held.get(fixture_id.encode(), set())
    )


async def ack_delays(
    settings: Settings, records: Sequence[tuple[str, bytes, bytes]], rate_per_s: float
) -> tuple[Delays, float]:
    """Append ``records`` at ``rate_per_s`` with a producer configured as ``ingest live``'s; each one's send to
    acknowledgement, and the rate achieved."""
    producer = AIOKafkaProducer(
        **options(settings), acks="all", enable_idempotence=True, linger_ms=LINGER_MS, client_id="bench"
    )
    await producer.start()
    acked_ms: list[float] = []
    try:
        started = time.monotonic()
        pending = []
        for count, (topic, key, value) in enumerate(records):
            if (wait_s := started + count / rate_per_s - time.monotonic()) > 0:
                await asyncio.sleep(wait_s)
            sent = time.monotonic()
            future = await producer.send(topic, value, key=key)
            future.add_done_callback(lambda _, at=sent: acked_ms.append((time.monotonic() - at) * 1000))
            pending.append(future)
        await asyncio.gather(*pending)
        elapsed = time.monotonic() - started
    finally:
        await producer.stop()
    return delays(acked_ms), len(records) / elapsed if elapsed > 0 else float("nan")
