"""``ingest live`` over 200 fixtures of the four sports in one process, with faults; every fixture ends complete."""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

import httpx
import pytest

from ddeflow.backoff import BackoffPolicy
from ddeflow.config import Settings
from ddeflow.dde.sports import Sport
from ddeflow.producers.frames import action_seq
from ddeflow.producers.live import LiveOptions
from ddeflow.producers.raw_records import Source, Stream, raw_topic
from ddeflow.producers.stream_ingest import run_live
from ddeflow.producers.ws_stream import StreamOptions
from tests.producers.support import Match, feed_settings, make_matches, read_topic, simulator, until_live

PER_SPORT = 50
BASE_MATCHES = 4


def _clone(match: Match, root: Path, number: int) -> Match:
    """The match again under a new fixture id (the id replaced in its bytes)."""
    new_id = f"{number:08x}-c10e-4000-8000-{number:012x}"
    target = root / match.sport.value / new_id
    target.mkdir(parents=True)
    for name in ("fixture.json", "actions.jsonl"):
        data = (match.directory / name).read_bytes()
        (target / name).write_bytes(data.replace(match.fixture_id.encode(), new_id.encode()))
    return Match(match.sport, new_id, target)


def _fault(index: int) -> dict[str, object] | None:
    if index % 5 == 0:
        return {"drop_after_packets": 6}
    if index % 7 == 0:
        return {"malformed_at": 3}
    if index % 11 == 0:
        return {"drop_probability": 0.15, "reorder_window": 4}
    if index % 13 == 0:
        return {"duplicate_probability": 0.3}
    return None


async def test_live_streams_200_fixtures_concurrently_and_heals_every_gap(
    settings: Settings, tmp_path: Path, gen_cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ddeflow.producers")
    data = tmp_path / "data"
    matches: list[Match] = []
    for sport in Sport:
        base = make_matches(tmp_path / "base" / sport.value, gen_cache, sport=sport.value, count=BASE_MATCHES, keep=20)
        matches += [_clone(base[i % BASE_MATCHES], data, len(matches) + i + 1) for i in range(PER_SPORT)]
    shutil.rmtree(tmp_path / "base")
    order = sorted(matches, key=lambda m: m.fixture_id[::-1])  # sports interleaved in go-live order
    go_live = {m.fixture_id: 1.0 + i * 0.05 for i, m in enumerate(order)}
    faults = tuple((m.fixture_id, f) for i, m in enumerate(order) if (f := _fault(i)) is not None)
    options = LiveOptions(
        sports=tuple(Sport),
        poll_interval_s=1.0,
        progress_interval_s=5.0,
        until_finished=True,
        stream=StreamOptions(backoff=BackoffPolicy(initial_s=0.05, max_s=0.5), silence_timeout_s=15.0),
    )
    async with simulator(
        data,
        time_scale=0.0015,
        go_live_s=go_live,
        heartbeat_s=2.0,
        seed=3,
        rate_limit_per_s=50.0,
        rate_limit_burst=50.0,
        faults=faults,
    ) as sim:
        await until_live(sim, order[0].fixture_id)
        summary = await asyncio.wait_for(
            run_live(
                feed_settings(settings, sim), options, asyncio.Event(), max_connects_per_s=25, max_requests_per_s=25
            ),
            timeout=150,
        )
        async with httpx.AsyncClient() as client:
            stats = (await client.get(f"{sim.url}/_sim/stats")).json()

    assert summary.fixtures_done == len(matches) == 4 * PER_SPORT
    assert summary.fixtures_failed == 0
    assert summary.peak_streams >= 100  # hundreds of streams at once in one process
    assert summary.reconnects >= len([f for f in faults if "drop_after_packets" in f[1]])
    assert summary.gaps_healed >= len([f for f in faults if "malformed_at" in f[1]])
    assert stats["faults"]["drop"] > 0 and stats["faults"]["malformed"] > 0 and stats["faults"]["duplicate"] > 0
    assert any("packets/s" in r.getMessage() and "gaps healed" in r.getMessage() for r in caplog.records)

    faulted = {fixture_id for fixture_id, _ in faults}
    for sport in Sport:
        records = await read_topic(settings, raw_topic(settings.topic_prefix, sport, Stream.ACTIONS))
        by_fixture: dict[bytes, list[bytes]] = {}
        sources: dict[bytes, list[Source]] = {}
        for record in records:
            assert record.key is not None
            by_fixture.setdefault(record.key, []).append(record.value)
            sources.setdefault(record.key, []).append(record.headers.source)
        for match in (m for m in matches if m.sport is sport):
            held = by_fixture.get(match.fixture_id.encode(), [])
            expected = match.actions()
            # Complete: every packet of the match is in the topic, byte for byte.
            assert set(expected) <= set(held), f"{sport} {match.fixture_id} is missing packets"
            assert {action_seq(line) for line in expected} <= {action_seq(value) for value in held}
            if match.fixture_id not in faulted:
                assert held == expected
                assert set(sources[match.fixture_id.encode()]) == {Source.WS}
