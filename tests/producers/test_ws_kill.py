"""Real ``ddeflow ingest`` processes: SIGKILL and restart, a refused token, SIGTERM with a clean flush."""

from __future__ import annotations

import asyncio
import random
import signal
import sys
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition

from ddeflow.config import Settings
from ddeflow.dde.sports import Sport
from ddeflow.endpoints import kafka_options, resolve
from ddeflow.partitioning import partition_for
from ddeflow.producers.raw_records import Source, Stream, raw_topic
from ddeflow.topics import RAW_PARTITIONS
from tests.producers.support import make_matches, of_fixture, read_topic, simulator, subprocess_env


async def _spawn(env: dict[str, str], sport: str, fixture_id: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ddeflow.cli",
        "ingest",
        "ws",
        "--sport",
        sport,
        "--fixture",
        fixture_id,
        "--backoff-initial-s",
        "0.05",
        "--backoff-max-s",
        "0.5",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_sigkill_three_times_then_restart_neither_skips_nor_repeats(
    settings: Settings, tmp_path: Path, gen_cache: Path
) -> None:
    (match,) = make_matches(tmp_path / "data", gen_cache, sport="basketball", count=1, seed=3)
    expected = match.actions()
    topic = raw_topic(settings.topic_prefix, match.sport, Stream.ACTIONS)
    tp = TopicPartition(topic, partition_for(match.fixture_id.encode(), RAW_PARTITIONS))
    rng = random.Random(20260506)
    # The match plays out over about 20 s; drops every 60 frames add reconnects on top of the kills.
    async with simulator(
        tmp_path / "data", time_scale=0.0022, heartbeat_s=1.0, faults=((None, {"drop_after_packets": 60}),)
    ) as sim:
        env = subprocess_env(settings, sim)
        watcher = AIOKafkaConsumer(**kafka_options(settings, resolve(settings)), group_id=None)
        await watcher.start()
        written_at_kill: list[int] = []
        try:
            for _ in range(3):
                before = written_at_kill[-1] if written_at_kill else 0
                target = before + rng.randint(20, 120)
                process = await _spawn(env, match.sport.value, match.fixture_id)
                async with asyncio.timeout(60):
                    while True:
                        end = (await watcher.end_offsets([tp]))[tp] if await _exists(watcher, topic) else 0
                        if end >= target or process.returncode is not None:
                            break
                        await asyncio.sleep(0.02)
                process.send_signal(signal.SIGKILL)
                await process.wait()
                assert process.returncode == -signal.SIGKILL
                written_at_kill.append((await watcher.end_offsets([tp]))[tp])
            process = await _spawn(env, match.sport.value, match.fixture_id)
            async with asyncio.timeout(90):
                out, err = await process.communicate()
        finally:
            await watcher.stop()
    assert process.returncode == 0, err.decode()
    assert b"finished" in out
    # Every kill came mid-stream, after progress.
    assert all(a < b for a, b in zip([0, *written_at_kill], written_at_kill, strict=False))
    assert written_at_kill[-1] < len(expected)
    records = of_fixture(await read_topic(settings, topic), match.fixture_id)
    assert [r.value for r in records] == expected
    assert [r.headers.position for r in records] == list(range(len(expected)))
    assert {r.headers.source for r in records} == {Source.WS}


async def _exists(consumer: AIOKafkaConsumer, topic: str) -> bool:
    return topic in await consumer.topics()


async def test_the_command_with_a_bad_token_prints_one_clear_error(
    settings: Settings, tmp_path: Path, gen_cache: Path
) -> None:
    (match,) = make_matches(tmp_path / "data", gen_cache, sport="volleyball", count=1, keep=10)
    bad = "bad-token-Rr5sWq1z"
    async with simulator(tmp_path / "data") as sim:
        process = await _spawn(subprocess_env(settings, sim, token=bad), match.sport.value, match.fixture_id)
        async with asyncio.timeout(60):
            out, err = await process.communicate()
        stats = sim.stats_json()
    assert process.returncode == 2
    errors = [line for line in err.decode().splitlines() if line.startswith("ddeflow: error:")]
    assert len(errors) == 1 and "refused the token" in errors[0] and "DDE_AUTH_TOKEN" in errors[0]
    assert "Traceback" not in err.decode()
    assert bad.encode() not in out + err
    assert stats["connections"]["total"] == 1


async def test_ingest_live_stops_on_sigterm_and_flushes_what_it_received(
    settings: Settings, tmp_path: Path, gen_cache: Path
) -> None:
    for sport in ("basketball", "snooker"):
        make_matches(tmp_path / "data", gen_cache, sport=sport, count=2, keep=200)
    topics = [raw_topic(settings.topic_prefix, Sport(s), Stream.ACTIONS) for s in ("basketball", "snooker")]
    async with simulator(tmp_path / "data", time_scale=0.002, heartbeat_s=1.0) as sim:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ddeflow.cli", "ingest", "live", "--sport", "basketball", "--sport", "snooker",
            "--poll-interval-s", "1", "--until-finished",
            env=subprocess_env(settings, sim), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        watcher = AIOKafkaConsumer(**kafka_options(settings, resolve(settings)), group_id=None)
        await watcher.start()
        try:
            async with asyncio.timeout(60):
                while sum(await _ends(watcher, topics)) < 40:  # noqa: ASYNC110 - polling the broker, not an event
                    await asyncio.sleep(0.05)
        finally:
            await watcher.stop()
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            out, err = await process.communicate()
    assert process.returncode == 130, err.decode()
    summary = out.decode().strip().splitlines()[-1]
    assert "fixtures done" in summary and "0 failed" in summary
    frames = int(summary.split(" frames (")[0].rsplit(" ", 1)[-1])
    written = 0
    for topic in topics:
        written += len(await read_topic(settings, topic))
    assert frames == written >= 40  # everything received was flushed before the exit


async def _ends(consumer: AIOKafkaConsumer, topics: list[str]) -> list[int]:
    existing = await consumer.topics()
    tps = [TopicPartition(t, p) for t in topics if t in existing for p in range(RAW_PARTITIONS)]
    return list((await consumer.end_offsets(tps)).values()) if tps else [0]
