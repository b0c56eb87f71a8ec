"""``ingest live --metrics-port``: /metrics scraped while it streams from the simulator, against what the topics
and the simulator say happened."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from ddeflow.backoff import BackoffPolicy
from ddeflow.config import Settings
from ddeflow.dde.sports import Sport
from ddeflow.local.processes import free_port
from ddeflow.producers.live import LiveOptions, LiveSummary
from ddeflow.producers.raw_records import Source, Stream, raw_topic
from ddeflow.producers.stream_ingest import run_live
from ddeflow.producers.ws_stream import StreamOptions
from tests.metrics_scrape import Scrape, scrape
from tests.producers.support import feed_settings, make_matches, read_topic, simulator

SPORTS = (Sport.BASKETBALL, Sport.SNOOKER)


async def test_ingest_live_metrics_match_the_topics_and_the_feed(
    settings: Settings, tmp_path: Path, gen_cache: Path
) -> None:
    data = tmp_path / "data"
    matches = [
        match for sport in SPORTS for match in make_matches(data, gen_cache, sport=sport.value, count=2, keep=12)
    ]
    dropped = matches[0].fixture_id
    options = LiveOptions(
        sports=SPORTS,
        poll_interval_s=0.5,
        progress_interval_s=60.0,
        stream=StreamOptions(backoff=BackoffPolicy(initial_s=0.05, max_s=0.2), finish_grace_s=0.3),
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}/metrics"
    expected = {
        raw_topic(settings.topic_prefix, sport, Stream.ACTIONS): sum(
            len(m.actions()) for m in matches if m.sport is sport
        )
        for sport in SPORTS
    }
    stop = asyncio.Event()
    async with simulator(
        data,
        time_scale=0.001,
        go_live_s={m.fixture_id: 0.5 + 0.3 * i for i, m in enumerate(matches)},
        heartbeat_s=0.2,
        rate_limit_per_s=2.0,
        rate_limit_burst=1.0,
        faults=((dropped, {"drop_after_packets": 5}),),
    ) as sim:
        live = asyncio.ensure_future(
            run_live(feed_settings(settings, sim), options, stop, max_requests_per_s=10, metrics_port=port)
        )
        seen: list[Scrape] = []
        try:
            async with httpx.AsyncClient() as client:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and not live.done():
                    await asyncio.sleep(0.2)
                    current = await scrape(client, url)
                    if current is None:
                        continue
                    seen.append(current)
                    frames = {topic: current.value("ddeflow_frames_total", topic=topic) for topic in expected}
                    if frames == expected and current.value("ddeflow_ws_connections") == 0:
                        break
                final = seen[-1]
                sim_stats = (await client.get(f"{sim.url}/_sim/stats")).json()
                throttled = await _settled_429s(client, url, sim.url)
        finally:
            stop.set()
            summary: LiveSummary = await asyncio.wait_for(live, 30)

    assert summary.fixtures_failed == 0
    for topic, count in expected.items():
        records = await read_topic(settings, topic)
        from_ws = [r for r in records if r.headers.source is Source.WS]
        assert final.value("ddeflow_frames_total", topic=topic) == len(from_ws) == count, topic
    assert max(s.value("ddeflow_ws_connections") for s in seen) >= 1
    assert final.value("ddeflow_ws_connections") == 0
    assert final.value("ddeflow_ws_reconnects_total") >= 1  # the dropped stream
    assert final.value("ddeflow_ws_reconnects_total") == summary.reconnects
    assert 0 < final.value("ddeflow_ws_heartbeats_total") <= sim_stats["heartbeats"]
    assert throttled[0] > 0
    assert throttled[0] == throttled[1], "REST 429s: (the feed answered, /metrics says)"


async def _settled_429s(client: httpx.AsyncClient, url: str, sim_url: str) -> tuple[int, int]:
    """The 429s the simulator answered and those /metrics counts, at a moment when neither moves (the polls go on)."""
    pair = (0, -1)
    for _ in range(25):
        before = await scrape(client, url)
        answered = (await client.get(f"{sim_url}/_sim/stats")).json()["rest"]["rate_limited"]
        after = await scrape(client, url)
        assert before is not None and after is not None
        counted = int(after.value("ddeflow_rest_throttled_total"))
        pair = (answered, counted)
        if int(before.value("ddeflow_rest_throttled_total")) == counted == answered:
            break
        await asyncio.sleep(0.2)
    return pair
