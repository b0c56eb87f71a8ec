"""``ingest live`` rides out a broker outage.

The broker is stopped mid-stream for ~15 s plus its own stop and start, and started again; the command does
not exit, and afterwards every raw topic holds exactly the frames the simulator served, each once, in order.
An ``ingest file`` started while the broker is down waits for it, then publishes its file.
The broker is this test's own (a private embedded stack, Kafka alone), so stopping it disturbs no other test.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaTimeoutError

from ddeflow.config import Settings, load_settings
from ddeflow.dde.sports import Sport
from ddeflow.endpoints import kafka_options, resolve
from ddeflow.local.stack import LocalStack
from ddeflow.producers.raw_records import Source, Stream, raw_topic
from ddeflow.simulator.server import Simulator
from ddeflow.topics import RAW_PARTITIONS
from tests.infra import local_stack_settings
from tests.producers.support import Match, make_matches, of_fixture, read_topic, simulator, subprocess_env

pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.timeout(600)]

OUTAGE_S = 15.0
SPORTS = ("basketball", "volleyball")


async def _written(settings: Settings, topics: list[str]) -> int:
    """Records in ``topics`` so far; 0 while they are being created (their partitions may have no leader yet)."""
    consumer = AIOKafkaConsumer(**kafka_options(settings, resolve(settings)), group_id=None)
    await consumer.start()
    try:
        existing = await consumer.topics()
        tps = [TopicPartition(t, p) for t in topics if t in existing for p in range(RAW_PARTITIONS)]
        return sum((await consumer.end_offsets(tps)).values()) if tps else 0
    except KafkaTimeoutError:
        return 0
    finally:
        await consumer.stop()


async def _ingest_file_during_the_outage(
    settings: Settings, sim: Simulator, match: Match, log_path: Path
) -> asyncio.subprocess.Process:
    with log_path.open("wb") as log_file:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ddeflow.cli", "ingest", "file", str(match.directory / "actions.jsonl"),
            "--sport", match.sport.value,
            env=subprocess_env(settings, sim), stdout=log_file, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip


async def test_ingest_live_waits_out_a_broker_outage_and_loses_or_repeats_nothing(
    tmp_path: Path, gen_cache: Path
) -> None:
    matches: list[Match] = []
    for sport in SPORTS:
        matches += make_matches(tmp_path / "data", gen_cache, sport=sport, count=2, seed=11, keep=400)
    expected_total = sum(len(m.actions()) for m in matches)
    stack = LocalStack(local_stack_settings(tmp_path / "stack"))
    log_path = tmp_path / "ingest.log"
    file_log_path = tmp_path / "ingest-file.log"
    saved = matches[0]  # also published from its file, under a topic prefix of its own
    try:
        info = await asyncio.to_thread(lambda: stack.up(registry=False))  # ingest needs no schemas
        settings = load_settings(
            KAFKA_BOOTSTRAP_SERVERS=info.bootstrap_servers,
            SCHEMA_REGISTRY_URL=info.registry_url,
            DDEFLOW_TOPIC_PREFIX="outage.",
            DDEFLOW_HOME=str(tmp_path / "home"),
        )
        topics = [raw_topic(settings.topic_prefix, Sport(s), Stream.ACTIONS) for s in SPORTS]
        file_settings = settings.model_copy(update={"topic_prefix": "outagefile."})
        file_process: asyncio.subprocess.Process | None = None
        # Each match plays out over about 60 s, so the outage falls in the middle of all four.
        async with simulator(tmp_path / "data", time_scale=0.008, heartbeat_s=1.0) as sim:
            with log_path.open("wb") as log_file:
                process = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "ddeflow.cli", "ingest", "live", *(a for s in SPORTS for a in ("--sport", s)),
                    "--poll-interval-s", "1", "--until-finished", "--backoff-initial-s", "0.2", "--backoff-max-s", "2",
                    "--kafka-ack-timeout-s", "3", "--speed", "fast",
                    env=subprocess_env(settings, sim), stdout=log_file, stderr=asyncio.subprocess.STDOUT,
                )  # fmt: skip
                try:
                    async with asyncio.timeout(90):
                        while (at_stop := await _written(settings, topics)) < expected_total // 4:
                            assert process.returncode is None, log_path.read_text()
                            await asyncio.sleep(0.2)
                    await asyncio.to_thread(stack.stop_broker, 1)  # SIGTERM and a controlled shutdown
                    stopped_at = time.monotonic()
                    file_process = await _ingest_file_during_the_outage(file_settings, sim, saved, file_log_path)
                    await asyncio.sleep(OUTAGE_S)
                    assert process.returncode is None, log_path.read_text()
                    await asyncio.to_thread(stack.start_broker, 1)  # the same ports and data
                    restarted_after_s = time.monotonic() - stopped_at
                    async with asyncio.timeout(180):
                        await process.wait()
                        await file_process.wait()
                finally:
                    for running in (process, file_process):
                        if running is not None and running.returncode is None:
                            running.kill()
                            await running.wait()
        output = log_path.read_text()
        assert process.returncode == 0, output
        assert at_stop < expected_total * 3 // 4, "the outage must come mid-stream"
        began = [line for line in output.splitlines() if "Kafka outage started:" in line]
        over = [line for line in output.splitlines() if "Kafka outage over after" in line]
        assert len(began) == 1 and len(over) == 1, output
        duration_s = float(over[0].split("over after ")[1].split(" s")[0])
        assert OUTAGE_S * 0.5 < duration_s < restarted_after_s + 30, output
        summary = output.strip().splitlines()[-1]
        assert "; 1 Kafka outages; " in summary, output
        # Frames are counted when acknowledged: one the broker appended as it went away is in the topic but was
        # never acknowledged, so it may go uncounted; none is counted twice.
        assert at_stop <= int(summary.split(" frames (")[0].rsplit(" ", 1)[-1]) <= expected_total

        for sport, topic in zip(SPORTS, topics, strict=True):
            records = await read_topic(settings, topic)
            for match in (m for m in matches if m.sport.value == sport):
                held = of_fixture(records, match.fixture_id)
                expected = match.actions()
                assert [r.value for r in held] == expected, f"{sport} {match.fixture_id}"
                assert [r.headers.position for r in held] == list(range(len(expected)))
                assert {r.headers.source for r in held} == {Source.WS}

        file_output = file_log_path.read_text()
        assert file_process is not None and file_process.returncode == 0, file_output
        assert "Kafka outage started: at start" in file_output and "Kafka outage over after" in file_output
        from_file = of_fixture(
            await read_topic(settings, raw_topic("outagefile.", saved.sport, Stream.ACTIONS)), saved.fixture_id
        )
        assert sorted(r.value for r in from_file) == sorted(saved.actions())  # each once (in fixtureSeqNum order)
        assert {r.headers.source for r in from_file} == {Source.FILE}
    finally:
        await asyncio.to_thread(stack.down)
