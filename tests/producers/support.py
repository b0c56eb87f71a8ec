"""Helpers for the producer tests: small generated matches, reading raw topics back, a recording client."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import SecretStr
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from ddeflow.config import Settings
from ddeflow.dde.sports import Sport
from ddeflow.endpoints import kafka_options, resolve
from ddeflow.harness.worker_process import worker_env
from ddeflow.producers.raw_records import RawHeaders, read_raw_headers
from ddeflow.simulator.generator import generate
from ddeflow.simulator.server import Simulator, SimulatorConfig, run_simulator
from ddeflow.simulator.server.access import DDE_MEDIA_TYPE
from ddeflow.topics import RAW_PARTITIONS

TOKEN = "sim-token-Zq8rW3xK"  # the simulators' token in these tests; distinctive so logs can be searched for it
_GENERATED: dict[tuple[str, int, int, bool], Path] = {}


@dataclass(frozen=True)
class Match:
    sport: Sport
    fixture_id: str
    directory: Path

    def actions(self) -> list[bytes]:
        return _lines(self.directory / "actions.jsonl")

    def statistics(self) -> list[bytes]:
        return _lines(self.directory / "statistics.jsonl")


def _lines(path: Path) -> list[bytes]:
    return [line for line in path.read_bytes().split(b"\n") if line.strip()]


def _generated(cache: Path, sport: str, count: int, seed: int, statistics: bool) -> Path:
    key = (sport, count, seed, statistics)
    if key not in _GENERATED:
        out = cache / f"gen-{sport}-{count}-{seed}-{int(statistics)}"
        if not out.exists():
            generate(sport, count, seed, out, statistics=statistics)
        _GENERATED[key] = out
    return _GENERATED[key]


def make_matches(
    root: Path,
    cache: Path,
    *,
    sport: str,
    count: int,
    seed: int = 7,
    keep: int | None = None,
    statistics: int | None = None,
) -> list[Match]:
    """``count`` generated matches of ``sport`` copied under ``root``.

    ``keep`` thins each match to about that many action packets, evenly spread over the
    match and always ending with its finished packet; ``statistics`` keeps that many
    statistics packets (snooker; the last one is the finished snapshot), None drops them.
    """
    source = _generated(cache, sport, count, seed, statistics is not None)
    matches = []
    for fixture_dir in sorted(p for p in (source / sport).iterdir() if p.is_dir()):
        target = root / sport / fixture_dir.name
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(fixture_dir / "fixture.json", target / "fixture.json")
        shutil.copy(fixture_dir / "truth.json", target / "truth.json")
        actions = _lines(fixture_dir / "actions.jsonl")
        (target / "actions.jsonl").write_bytes(b"\n".join(_thin(actions, keep)) + b"\n")
        stats_file = fixture_dir / "statistics.jsonl"
        if statistics is not None and stats_file.exists():
            stats = _lines(stats_file)
            (target / "statistics.jsonl").write_bytes(b"\n".join(_thin(stats, statistics)) + b"\n")
        matches.append(Match(Sport(sport), fixture_dir.name, target))
    return matches


def _thin(lines: list[bytes], keep: int | None) -> list[bytes]:
    if keep is None or len(lines) <= keep:
        return lines
    step = len(lines) / (keep - 1)
    picked = sorted({min(len(lines) - 1, int(i * step)) for i in range(keep - 1)} | {len(lines) - 1})
    return [lines[i] for i in picked]


def sim_config(data: Path, **overrides: Any) -> SimulatorConfig:
    values: dict[str, Any] = {"token": TOKEN, "heartbeat_s": 0.5, "time_scale": 0.0, "rate_limit_per_s": 0.0}
    values.update(overrides)
    return SimulatorConfig(data, **values)


@asynccontextmanager
async def simulator(data: Path, **overrides: Any) -> AsyncIterator[Simulator]:
    async with run_simulator(sim_config(data, **overrides)) as sim:
        yield sim


async def until_live(sim: Simulator, fixture_id: str) -> None:
    """Wait until the simulator's clock has reached the fixture's go-live.  ``ingest live`` polling before then
    finds it neither live nor scheduled soon (its start date is the generator's), and with ``until_finished`` it
    ends at once with nothing done."""
    await asyncio.sleep(max(0.0, sim.go_live_s.get(fixture_id, 0.0) - sim.now_s()))


def feed_settings(settings: Settings, sim: Simulator, token: str = TOKEN) -> Settings:
    """The test's settings, pointed at the simulator, with a token."""
    return settings.model_copy(
        update={
            "dde_streams_url": sim.ws_url,
            "dde_api_url": sim.url,
            "dde_auth_token": SecretStr(token),
        }
    )


def subprocess_env(settings: Settings, sim: Simulator, token: str = TOKEN) -> dict[str, str]:
    env = worker_env(settings)
    env.update(
        DDE_AUTH_TOKEN=token,
        DDE_STREAMS_URL=sim.ws_url,
        DDE_API_URL=sim.url,
    )
    return env


@dataclass(frozen=True)
class Record:
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: RawHeaders
    raw_headers: tuple[tuple[str, bytes], ...]


async def read_topic(settings: Settings, topic: str, partitions: int = RAW_PARTITIONS) -> list[Record]:
    """Every record of ``topic`` (of ``partitions`` partitions) up to its end, per partition in offset order."""
    consumer = AIOKafkaConsumer(
        **kafka_options(settings, resolve(settings)),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=50,
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: list[Record] = []
        remaining = {tp for tp in tps if ends[tp] > 0}
        async with asyncio.timeout(60):
            while remaining:
                batch = await consumer.getmany(*remaining, timeout_ms=200)
                for tp, items in batch.items():
                    for m in items:
                        if m.offset < ends[tp]:
                            records.append(
                                Record(
                                    m.partition, m.offset, m.key, m.value, read_raw_headers(m.headers), tuple(m.headers)
                                )
                            )
                for tp in list(remaining):
                    if await consumer.position(tp) >= ends[tp]:
                        remaining.discard(tp)
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        await consumer.stop()


def of_fixture(records: list[Record], fixture_id: str) -> list[Record]:
    key = fixture_id.encode()
    return [r for r in records if r.key == key]


async def record_served(sim: Simulator, path: str, *, start_position: int = 0) -> list[bytes]:
    """A plain client: every data frame the simulator serves on one connection, until it closes."""
    frames: list[bytes] = []
    async with connect(
        f"{sim.ws_url}{path}?startPosition={start_position}",
        additional_headers={"Accept": DDE_MEDIA_TYPE},
        compression=None,
    ) as ws:
        await ws.send(json.dumps({"authToken": TOKEN}))
        try:
            async with asyncio.timeout(60):
                while True:
                    data = await ws.recv(decode=False)
                    obj: Any = None
                    with suppress(ValueError):
                        obj = json.loads(data)
                    if isinstance(obj, dict) and obj.get("heartbeat") is True:
                        continue
                    frames.append(data)
        except ConnectionClosed:
            pass
    return frames
