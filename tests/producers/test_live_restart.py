"""``ingest live`` stopped mid-match and restarted after the match ended: the raw topic still gets every frame once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from ddeflow.backoff import BackoffPolicy
from ddeflow.config import Settings
from ddeflow.dde.sports import Sport
from ddeflow.endpoints import kafka_options, resolve
from ddeflow.partitioning import partition_for
from ddeflow.producers.live import LiveOptions
from ddeflow.producers.raw_records import Source, Stream, raw_topic
from ddeflow.producers.runtime import open_runtime
from ddeflow.producers.stream_ingest import run_live
from ddeflow.producers.ws_stream import StreamOptions
from ddeflow.simulator.server import Simulator
from ddeflow.simulator.server.access import DDE_MEDIA_TYPE
from ddeflow.topics import RAW_PARTITIONS
from tests.producers.packets import action
from tests.producers.support import TOKEN, feed_settings, make_matches, of_fixture, read_topic, simulator


async def _held(watcher: AIOKafkaConsumer, tp: TopicPartition) -> int:
    if tp.topic not in await watcher.topics():
        return 0
    return int((await watcher.end_offsets([tp]))[tp])


async def _until_over(sim: Simulator, sport: Sport, fixture_id: str) -> str:
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": DDE_MEDIA_TYPE}
    async with httpx.AsyncClient(headers=headers) as client:
        while True:
            answer = await client.get(f"{sim.url}/{sport.feed_path}/fixtures/{fixture_id}")
            status = str(answer.json()["status"])
            if status not in ("Scheduled", "Live"):
                return status
            await asyncio.sleep(0.2)


async def test_a_match_that_ends_while_ingest_live_is_down_is_completed_by_the_next_run(
    settings: Settings, tmp_path: Path, gen_cache: Path
) -> None:
    (match,) = make_matches(tmp_path / "data", gen_cache, sport="basketball", count=1, seed=11)
    served = match.actions()
    topic = raw_topic(settings.topic_prefix, match.sport, Stream.ACTIONS)
    tp = TopicPartition(topic, partition_for(match.fixture_id.encode(), RAW_PARTITIONS))
    options = LiveOptions(
        sports=(match.sport,),
        poll_interval_s=0.5,
        until_finished=True,
        stream=StreamOptions(backoff=BackoffPolicy(initial_s=0.05, max_s=0.5)),
    )
    watcher = AIOKafkaConsumer(**kafka_options(settings, resolve(settings)), group_id=None)
    await watcher.start()
    try:
        # The match plays out over about 20 s.
        async with simulator(tmp_path / "data", time_scale=0.002, heartbeat_s=1.0) as sim:
            feed = feed_settings(settings, sim)
            stop = asyncio.Event()
            first = asyncio.create_task(run_live(feed, options, stop))
            async with asyncio.timeout(60):
                while await _held(watcher, tp) < len(served) // 3:  # noqa: ASYNC110 - polling the broker
                    await asyncio.sleep(0.05)
            stop.set()
            interrupted = await asyncio.wait_for(first, 30)
            held_when_stopped = await _held(watcher, tp)
            async with asyncio.timeout(60):
                status = await _until_over(sim, match.sport, match.fixture_id)
            restarted = await asyncio.wait_for(run_live(feed, options, asyncio.Event()), 90)
    finally:
        await watcher.stop()

    assert interrupted.fixtures_done == 0  # stopped mid-match
    assert 0 < held_when_stopped < len(served)
    assert status == "Completed"
    records = of_fixture(await read_topic(settings, topic), match.fixture_id)
    # Every frame the simulator served, once, in order, from the websocket: the restart resumed where the
    # first run stopped, and the reconciliation found nothing missing.
    assert [r.value for r in records] == served
    assert [r.headers.position for r in records] == list(range(len(served)))
    assert {r.headers.source for r in records} == {Source.WS}
    assert restarted.fixtures_done == 1 and restarted.fixtures_failed == 0
    assert restarted.gaps_healed == 0


async def test_the_start_up_scan_reads_the_look_back_window_and_nothing_older(settings: Settings) -> None:
    topic = raw_topic(settings.topic_prefix, Sport.SOCCER, Stream.ACTIONS)
    now_ms = int(time.time() * 1000)
    hour_ms = 3600 * 1000
    recent = [(f"new-{i % 7}".encode(), action(f"new-{i % 7}", i)) for i in range(70)]
    async with open_runtime(settings) as runtime:
        producer = AIOKafkaProducer(**kafka_options(settings, resolve(settings)))
        await producer.start()
        try:
            for i in range(700):
                fixture = f"old-{i % 13}"
                await producer.send(topic, action(fixture, i), key=fixture.encode(), timestamp_ms=now_ms - 10 * hour_ms)
            for key, value in recent:
                await producer.send(topic, value, key=key, timestamp_ms=now_ms - hour_ms)
            await producer.flush()
        finally:
            await producer.stop()
        seen: list[tuple[bytes, bytes]] = []

        def visit(topic_read: str, key: bytes, value: bytes) -> None:
            assert topic_read == topic
            seen.append((key, value))

        read = await runtime.scanner.scan_recent({topic: RAW_PARTITIONS}, now_ms - 6 * hour_ms, visit)
    assert read == len(recent)  # the records before the window are not even fetched
    assert sorted(seen) == sorted(recent)
