"""Tiny simulator data sets written in the generator's layout, and client helpers for the tests."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from ddeflow.simulator.server import Simulator, SimulatorConfig, run_simulator
from ddeflow.simulator.server.access import DDE_MEDIA_TYPE

TOKEN = "test-token-7f3a"  # the simulator's own expected token, local to these tests
FEED_PATHS = {
    "basketball": "basketball",
    "soccer": "soccer",
    "volleyball": "v2/volleyball",
    "snooker": "snooker",
}
START = datetime(2026, 5, 6, 17, 0, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class FixtureData:
    sport: str
    fixture_id: str
    actions: list[bytes]
    statistics: list[bytes] = field(default_factory=list)

    @property
    def feed(self) -> str:
        return FEED_PATHS[self.sport]

    def stream_path(self, kind: str = "actions", *, media: bool = False) -> str:
        prefix = "/media" if media else ""
        return f"{prefix}/{self.feed}/fixtures/{self.fixture_id}/{kind}"


def action_packet(fixture_id: str, seq: int, at: datetime, *, finished: bool, status: str) -> bytes:
    packet: dict[str, Any] = {
        "version": 3,
        "finished": finished,
        "fixtureAction": {
            "actionId": f"{fixture_id[:8]}-action-{seq}",
            "fixtureId": fixture_id,
            "fixtureSeqNum": seq,
            "timestamp": iso(at),
            "sendType": "Confirmed",
            "sendTypeId": 5,
            "fixtureActionType": "Stéal" if seq % 2 else "Block",  # non-ASCII on purpose
            "fixtureActionTypeId": 222 if seq % 2 else 223,
        },
        "fixtureSummary": {
            "currentStatus": status,
            "collectionStatus": "PostMatchChecked" if finished else "CollectingLive",
            "homeTeamScore": seq,
            "awayTeamScore": 0,
            "finished": finished,
        },
    }
    # Alternate separators so that a server re-serialising JSON would be caught.
    if seq % 3 == 0:
        return json.dumps(packet, ensure_ascii=False).encode("utf-8")
    return json.dumps(packet, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def statistics_packet(fixture_id: str, seq: int, at: datetime, *, finished: bool) -> bytes:
    packet = {
        "seqNum": seq,
        "version": 2,
        "finished": finished,
        "fixtureId": fixture_id,
        "timestamp": at.strftime("%Y-%m-%dT%H:%M:%S.%f") + "400Z",
        "teamActionAggregates": [],
    }
    return json.dumps(packet, separators=(",", ":")).encode("utf-8")


def write_fixture(
    root: Path,
    sport: str,
    fixture_id: str,
    *,
    packets: int = 10,
    gap_s: float = 1.0,
    statistics: int = 0,
    finished: bool = True,
    start: datetime = START,
    fixture_type: str = "Official",
    final_status: str = "Completed",
) -> FixtureData:
    """Write one fixture: ``packets`` action packets ``gap_s`` apart, the last one finished."""
    directory = root / sport / fixture_id
    directory.mkdir(parents=True)
    fixture = {
        "id": fixture_id,
        "name": f"Home {fixture_id[:4]} v Away",
        "status": "Scheduled",
        "collectionStatus": "CollectionScheduled",
        "type": fixture_type,
        "coverageLevel": "Full",
        "startDateUTC": start.strftime("%Y-%m-%dT%H:%M:%S"),
        "teams": [{"id": "t-home", "name": "Home"}, {"id": "t-away", "name": "Away"}],
        "competition": {"id": "c-1", "name": "Test League"},
        "venue": {"id": "v-1", "name": "Test Arena"},
    }
    (directory / "fixture.json").write_text(json.dumps(fixture), encoding="utf-8")
    actions = []
    for i in range(packets):
        last = finished and i == packets - 1
        actions.append(
            action_packet(
                fixture_id,
                i + 1,
                start + timedelta(seconds=i * gap_s),
                finished=last,
                status=final_status if last else "Live",
            )
        )
    (directory / "actions.jsonl").write_bytes(b"".join(line + b"\n" for line in actions))
    stats = [
        statistics_packet(
            fixture_id, i + 1, start + timedelta(seconds=i * gap_s), finished=finished and i == statistics - 1
        )
        for i in range(statistics)
    ]
    if stats:
        (directory / "statistics.jsonl").write_bytes(b"".join(line + b"\n" for line in stats))
    return FixtureData(sport, fixture_id, actions, stats)


def fixture_id(n: int) -> str:
    return f"{n:08x}-0000-4000-8000-{n:012x}"


def config(data: Path, **overrides: Any) -> SimulatorConfig:
    values: dict[str, Any] = {"token": TOKEN, "heartbeat_s": 0.05, "time_scale": 0.0, "rate_limit_per_s": 0.0}
    values.update(overrides)
    return SimulatorConfig(data, **values)


@asynccontextmanager
async def simulator(data: Path, **overrides: Any) -> AsyncIterator[Simulator]:
    async with run_simulator(config(data, **overrides)) as sim:
        yield sim


async def open_stream(
    sim: Simulator, path: str, *, token: str | None = TOKEN, accept: bool = True, query: str = ""
) -> ClientConnection:
    headers = {"Accept": DDE_MEDIA_TYPE} if accept else {}
    ws = await connect(f"{sim.ws_url}{path}{query}", additional_headers=headers, open_timeout=10)
    if token is not None:
        await ws.send(json.dumps({"authToken": token}))
    return ws


def is_heartbeat(frame: str | bytes) -> bool:
    try:
        data = json.loads(frame)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("heartbeat") is True


@dataclass
class Received:
    frames: list[str]
    heartbeats: int
    close_code: int | None
    times: list[float]


async def receive_all(ws: ClientConnection, *, timeout_s: float = 10.0) -> Received:
    """Data frames (heartbeats counted apart) until the server closes, with arrival times."""
    frames: list[str] = []
    times: list[float] = []
    heartbeats = 0
    async with asyncio.timeout(timeout_s):
        try:
            while True:
                message = await ws.recv()
                if is_heartbeat(message):
                    heartbeats += 1
                    continue
                frames.append(message if isinstance(message, str) else message.decode("utf-8"))
                times.append(time.monotonic())
        except ConnectionClosed:
            pass
    code = ws.close_code
    return Received(frames, heartbeats, code, times)


def texts(lines: list[bytes]) -> list[str]:
    return [line.decode("utf-8") for line in lines]


def rest_client(sim: Simulator, *, token: str | None = TOKEN, accept: bool = True) -> httpx.AsyncClient:
    headers = {"Content-Type": "application/json"}
    if accept:
        headers["Accept"] = DDE_MEDIA_TYPE
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.AsyncClient(base_url=sim.url, headers=headers, timeout=10)


async def eventually(check: Callable[[], Awaitable[bool]], *, timeout_s: float = 5.0, every_s: float = 0.02) -> None:
    """Poll ``check`` until it holds; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(every_s)
