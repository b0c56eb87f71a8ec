"""Benchmark (a script, not a test): ``ddeflow ingest live`` over hundreds of generated fixtures.

    .venv/bin/python -m scripts.bench_ingest_live --per-sport 50 --time-scale 0.004 --stagger-s 0.2

The simulator runs in this process; ``ddeflow ingest live --until-finished`` runs as a child
process against it and against Kafka: ``KAFKA_BOOTSTRAP_SERVERS`` / ``SCHEMA_REGISTRY_URL``
when set, else a private local stack (jars, free loopback ports, like the test suite's).
Matches are generated (``--base`` per sport) and cloned under new fixture ids to reach
``--per-sport`` per sport, at full length unless ``--keep`` thins them; actions streams only.
Fixture *i* goes live at ``i * --stagger-s``; ``--time-scale 0`` makes every packet due at
go-live, so each stream downloads its whole match at once (a capacity test).

Reported, from the child's summary: frames written per second (over the whole run and
while streams were open), receipt-to-broker-ack delay p50/p99/max, the child's peak RSS
(its own ``getrusage`` and, as a cross-check, ``RUSAGE_CHILDREN`` here), reconnects, REST
reconciliation. Then every fixture is checked complete in the raw topics.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ddeflow.config import Settings, load_settings
from ddeflow.dde.sports import Sport
from ddeflow.harness.clones import clone_fixture
from ddeflow.harness.derived import read_topic
from ddeflow.harness.infra import real_infra
from ddeflow.producers.frames import action_seq
from ddeflow.producers.raw_records import Stream, raw_topic
from ddeflow.simulator.generator import generate
from ddeflow.simulator.server import SimulatorConfig, run_simulator
from ddeflow.topics import RAW_PARTITIONS

TOKEN = "bench-token-5d1e"


@contextmanager
def kafka(home: Path) -> Iterator[tuple[str, str]]:
    """The test suite's choice of real infrastructure: the environment's, Docker's or a private local stack."""
    with real_infra(home) as infra:
        yield infra.bootstrap_servers, infra.registry_url


def build_data(root: Path, per_sport: int, base: int, keep: int | None, seed: int) -> dict[str, tuple[Sport, Path]]:
    """``per_sport`` fixtures of each sport: ``base`` generated matches cloned under new ids."""
    fixtures: dict[str, tuple[Sport, Path]] = {}
    generated = root / "generated"
    generate("all", base, seed, generated, statistics=False)  # no worker processes: RUSAGE_CHILDREN stays ours
    number = 0
    for sport in Sport:
        sources = sorted(p for p in (generated / sport.value).iterdir() if p.is_dir())
        for i in range(per_sport):
            number += 1
            new_id, target = clone_fixture(sources[i % len(sources)], root / "data", sport, number, keep)
            fixtures[new_id] = (sport, target)
    return fixtures


async def run(args: argparse.Namespace, root: Path, bootstrap: str, registry: str) -> dict[str, Any]:
    started = time.perf_counter()
    fixtures = build_data(root, args.per_sport, args.base, args.keep, args.seed)
    frames_total = sum(len((d / "actions.jsonl").read_bytes().splitlines()) for _, d in fixtures.values())
    print(f"data: {len(fixtures)} fixtures, {frames_total} action packets ({time.perf_counter() - started:.1f} s)")
    order = sorted(fixtures, key=lambda fixture_id: fixture_id[::-1])
    config = SimulatorConfig(
        root / "data",
        token=TOKEN,
        time_scale=args.time_scale,
        go_live_s={fixture_id: 2.0 + i * args.stagger_s for i, fixture_id in enumerate(order)},
        heartbeat_s=5.0,
        seed=1,
        faults=((None, {"drop_probability": args.drop_probability}),) if args.drop_probability else (),
    )
    prefix = f"bench{int(time.time())}."
    async with run_simulator(config) as sim:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DDE_", "DDEFLOW_"))}
        env.update(
            KAFKA_BOOTSTRAP_SERVERS=bootstrap,
            SCHEMA_REGISTRY_URL=registry,
            DDEFLOW_TOPIC_PREFIX=prefix,
            DDEFLOW_HOME=str(root / "home"),
            DDE_AUTH_TOKEN=TOKEN,
            DDE_STREAMS_URL=sim.ws_url,
            DDE_API_URL=sim.url,
        )
        summary_path = root / "summary.json"
        command = [
            sys.executable, "-m", "ddeflow.cli", "ingest", "live",
            *[arg for sport in Sport for arg in ("--sport", sport.value)],
            "--until-finished", "--poll-interval-s", str(args.poll_interval_s),
            "--progress-interval-s", "10", "--summary-json", str(summary_path),
            "--max-connects-per-s", str(args.max_connects_per_s),
            "--max-requests-per-s", str(args.max_requests_per_s),
        ]  # fmt: skip
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        child = await asyncio.create_subprocess_exec(*command, env=env)
        await child.wait()
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        stats = sim.stats_json()
    if child.returncode != 0:
        raise SystemExit(f"ingest live exited with {child.returncode}")
    summary: dict[str, Any] = json.loads(summary_path.read_text())
    complete = await check_complete(bootstrap, registry, prefix, fixtures)
    return {
        "fixtures": len(fixtures),
        "action_packets": frames_total,
        "time_scale": args.time_scale,
        "stagger_s": args.stagger_s,
        "summary": summary,
        # The largest child waited for so far: the ingest process, unless an earlier child (the local
        # stack's start-up tools) was larger, in which case the child's own report is the figure.
        "child_maxrss_mb": children_after / 1024 if children_after > children_before else None,
        "simulator": {"frames_served": stats["frames_served_total"], "faults": stats["faults"]},
        "complete_fixtures": complete,
    }


async def check_complete(bootstrap: str, registry: str, prefix: str, fixtures: dict[str, tuple[Sport, Path]]) -> int:
    settings: Settings = load_settings(
        KAFKA_BOOTSTRAP_SERVERS=bootstrap, SCHEMA_REGISTRY_URL=registry, DDEFLOW_TOPIC_PREFIX=prefix
    )
    held: dict[bytes, set[int | None]] = {}
    for sport in Sport:
        for record in await read_topic(
            settings, raw_topic(prefix, sport, Stream.ACTIONS), partitions=RAW_PARTITIONS, timeout_s=300
        ):
            assert record.key is not None
            held.setdefault(record.key, set()).add(action_seq(record.value))
    complete = 0
    for fixture_id, (_, directory) in fixtures.items():
        lines = [line for line in (directory / "actions.jsonl").read_bytes().split(b"\n") if line.strip()]
        if {action_seq(line) for line in lines} <= held.get(fixture_id.encode(), set()):
            complete += 1
    return complete


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-sport", type=int, default=50, help="fixtures per sport (default 50: 200 in all)")
    parser.add_argument("--base", type=int, default=4, help="generated matches per sport to clone (default 4)")
    parser.add_argument("--keep", type=int, help="thin each match to about this many packets (default: full)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--time-scale", type=float, default=0.004, help="simulator time scale (default 0.004)")
    parser.add_argument("--stagger-s", type=float, default=0.2, help="go-live spacing (default 0.2)")
    parser.add_argument("--poll-interval-s", type=float, default=5.0)
    parser.add_argument("--max-connects-per-s", type=int, default=5)
    parser.add_argument("--max-requests-per-s", type=int, default=4)
    parser.add_argument("--drop-probability", type=float, default=0.0, help="simulator drop fault per frame")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp, kafka(Path(tmp) / "stack") as endpoints:
        results = asyncio.run(run(args, Path(tmp), *endpoints))
    s = results["summary"]
    print(
        f"\n{results['fixtures']} fixtures, {results['action_packets']} packets; "
        f"{s['frames']} frames in {s['elapsed_s']:.1f} s = {s['packets_per_s']:.0f} packets/s overall\n"
        f"receipt-to-ack delay p50 {s['delay_p50_ms']:.1f} ms, p99 {s['delay_p99_ms']:.1f} ms, "
        f"max {s['delay_max_ms']:.1f} ms\n"
        f"peak RSS of the ingest process {s['peak_rss_mb']:.0f} MB (its own getrusage; "
        f"RUSAGE_CHILDREN here: {results['child_maxrss_mb'] or 'masked by a larger earlier child'}); "
        f"peak {s['peak_streams']} streams at once\n"
        f"{s['reconnects']} reconnects, {s['gaps_healed']} gaps healed by REST, {s['rest_requests']} REST requests "
        f"({s['rest_rate_limited']} rate limited); "
        f"complete fixtures {results['complete_fixtures']}/{results['fixtures']}"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
