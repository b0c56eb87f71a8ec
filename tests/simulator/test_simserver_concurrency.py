"""Hundreds of concurrent streams from one simulator process, each getting exactly its fixture's frames."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import pytest

from tests.simulator.simserver_support import (
    TOKEN,
    FixtureData,
    fixture_id,
    open_stream,
    receive_all,
    simulator,
    texts,
    write_fixture,
)

pytestmark = pytest.mark.timeout(120)

FIXTURES = 100
SPORTS = ("basketball", "soccer", "volleyball", "snooker")


async def test_three_hundred_concurrent_fast_streams(tmp_path: Path) -> None:
    fixtures: list[FixtureData] = [
        write_fixture(
            tmp_path,
            SPORTS[n % 4],
            fixture_id(n),
            packets=15 + n % 10,
            statistics=12 if SPORTS[n % 4] == "snooker" else 0,
        )
        for n in range(FIXTURES)
    ]
    # Three clients per fixture: the whole actions stream, a resume from event 7, and the statistics
    # stream (snooker) or the media actions stream (others).
    plans: list[tuple[str, str, list[str]]] = []
    for data in fixtures:
        plans.append((data.stream_path(), "?speed=fast", texts(data.actions)))
        plans.append((data.stream_path(), "?speed=fast&startPosition=7", texts(data.actions[7:])))
        if data.statistics:
            plans.append((data.stream_path("statistics"), "?speed=fast", texts(data.statistics)))
        else:
            plans.append((data.stream_path(media=True), "?speed=fast", texts(data.actions)))

    async with simulator(tmp_path, heartbeat_s=1.0) as sim:
        all_connected = asyncio.Event()
        connected = 0

        async def client(path: str, query: str) -> tuple[list[str], int | None]:
            nonlocal connected
            ws = await open_stream(sim, path, query=query, token=None)
            connected += 1
            if connected == len(plans):
                all_connected.set()
            # The server streams only after the auth message: hold it back until every client is
            # connected, so that all the streams run at the same time.
            await all_connected.wait()
            await ws.send(json.dumps({"authToken": TOKEN}))
            got = await receive_all(ws, timeout_s=60)
            return got.frames, got.close_code

        began = time.monotonic()
        results = await asyncio.gather(*(client(path, query) for path, query, _ in plans))
        elapsed_s = time.monotonic() - began

        for (path, query, expected), (frames, code) in zip(plans, results, strict=True):
            assert frames == expected, f"{path}{query}"
            assert code == 1000
        stats = (await httpx.AsyncClient().get(f"{sim.url}/_sim/stats")).json()
        assert stats["connections"]["total"] == len(plans)
        assert stats["connections"]["open_peak"] == len(plans)
        assert stats["frames_served_total"] == sum(len(expected) for _, _, expected in plans)
        print(
            f"\n{len(plans)} concurrent streams, {stats['frames_served_total']} frames, "
            f"connect + stream in {elapsed_s:.2f} s"
        )
    assert len(plans) >= 200
