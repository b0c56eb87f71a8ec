"""Load check for the simulator (a script, not a test): many concurrent streams in one process.

    .venv/bin/python -m scripts.bench_simulator_streams --fixtures 200 --streams 1000 --packets 400

Writes ``--fixtures`` synthetic fixtures (about 1.5 KB per packet) to a temporary directory,
then runs two phases, the clients in the same process as the simulator:

- fast: ``--streams`` clients spread over the fixtures, all connected before any
  authenticates, each reading a finished fixture with ``speed=fast``;
- live: the same clients on fixtures that go live together and spread their
  packets over ``--live-s`` seconds; reports how late frames arrive against
  their due time.

Every client checks it received exactly its fixture's frames.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import tempfile
import time
from pathlib import Path

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

SPORTS = ("basketball", "soccer", "volleyball", "snooker")


def pad(data: FixtureData) -> None:
    """Grow each packet to a realistic size (a fixtureSummary with periods) in place, on disk too."""
    periods = [
        {"id": i, "label": f"Period {i}", "type": "Regular", "start": "2026-05-06T17:02:12", "end": None,
         "homeTeamScore": 10 * i, "awayTeamScore": 9 * i, "homeTeamPeriodScore": 10, "awayTeamPeriodScore": 9}
        for i in range(1, 5)
    ]  # fmt: skip
    lines = []
    for line in data.actions:
        packet = json.loads(line)
        packet["fixtureSummary"]["periods"] = periods
        packet["traceId"] = "9be874e8975f44394dc809cd7f929fa8"
        lines.append(json.dumps(packet, separators=(",", ":")).encode())
    data.actions = lines


def write(root: Path, fixtures: int, packets: int, gap_s: float) -> list[FixtureData]:
    written = []
    for n in range(fixtures):
        data = write_fixture(root, SPORTS[n % 4], fixture_id(n), packets=packets, gap_s=gap_s)
        pad(data)
        path = root / data.sport / data.fixture_id / "actions.jsonl"
        path.write_bytes(b"".join(line + b"\n" for line in data.actions))
        written.append(data)
    return written


async def phase(
    root: Path,
    fixtures: list[FixtureData],
    streams: int,
    *,
    go_live_at_s: float | None = None,
    gap_s: float = 0.0,
    **config: object,
) -> dict[str, float]:
    async with simulator(root, **config) as sim:
        sim_zero = time.monotonic() - sim.now_s()
        connected = 0
        all_connected = asyncio.Event()

        async def client(data: FixtureData) -> tuple[bool, list[float], int]:
            nonlocal connected
            ws = await open_stream(sim, data.stream_path(), query="?speed=fast", token=None)
            connected += 1
            if connected == streams:
                all_connected.set()
            await all_connected.wait()
            await ws.send(json.dumps({"authToken": TOKEN}))
            got = await receive_all(ws, timeout_s=600)
            return got.frames == texts(data.actions), got.times, sum(len(f) for f in got.frames)

        began = time.monotonic()
        cpu_began = time.process_time()
        results = await asyncio.gather(*(client(fixtures[i % len(fixtures)]) for i in range(streams)))
        elapsed = time.monotonic() - began
        cpu = time.process_time() - cpu_began
        stats = sim.stats_json()
    frames = stats["frames_served_total"]
    lateness: dict[str, float] = {}
    if go_live_at_s is not None:
        late = sorted(
            at - (sim_zero + go_live_at_s + i * gap_s) for _, times, _ in results for i, at in enumerate(times)
        )
        lateness = {
            "late_p50_ms": round(1000 * late[len(late) // 2], 1),
            "late_p99_ms": round(1000 * late[int(len(late) * 0.99)], 1),
            "late_max_ms": round(1000 * late[-1], 1),
        }
    return lateness | {
        "streams": streams,
        "all_exact": float(all(ok for ok, _, _ in results)),
        "open_peak": stats["connections"]["open_peak"],
        "frames": frames,
        "elapsed_s": round(elapsed, 2),
        "frames_per_s": round(frames / elapsed),
        "mb_per_s": round(sum(size for _, _, size in results) / elapsed / 1e6, 1),
        "cpu_s": round(cpu, 2),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixtures", type=int, default=200)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--packets", type=int, default=400)
    parser.add_argument("--live-s", type=float, default=20.0, help="how long the live phase's matches last")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        began = time.monotonic()
        fixtures = write(root, args.fixtures, args.packets, gap_s=10.0)
        size_mb = sum(len(line) + 1 for data in fixtures for line in data.actions) / 1e6
        print(f"wrote {args.fixtures} fixtures, {size_mb:.1f} MB, in {time.monotonic() - began:.1f} s")
        fast = await phase(root, fixtures, args.streams, time_scale=0.0, heartbeat_s=5.0)
        print("fast:", fast)
        scale = args.live_s / ((args.packets - 1) * 10.0)
        live = await phase(
            root, fixtures, args.streams, time_scale=scale, heartbeat_s=5.0,
            go_live_s={f.fixture_id: 3.0 for f in fixtures}, go_live_at_s=3.0, gap_s=10.0 * scale,
        )  # fmt: skip
        print("live:", live, f"(matches last {args.live_s} s)")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (clients included)")


if __name__ == "__main__":
    asyncio.run(main())
