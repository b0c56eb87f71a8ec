"""Benchmark (a script, not a test): ``ddeflow ingest live`` over many concurrent generated fixtures, alone.

    .venv/bin/python -m scripts.bench_ingest_live --fixtures 200 --time-scale 0.004 --stagger-s 0.2

The fan-in phase of ``ddeflow bench`` (``ddeflow.bench.ingest``) with its knobs on the command line: the
simulator runs in this process, ``ddeflow ingest live --until-finished`` as a child against it and Kafka
(``KAFKA_BOOTSTRAP_SERVERS`` / ``SCHEMA_REGISTRY_URL`` when set, else a private local stack).  Fixture *i* goes
live at ``i * --stagger-s``; ``--time-scale 0`` makes every packet due at go-live, so each stream downloads its
whole match at once (a capacity test).

Reported: frames written per second, receipt-to-broker-ack delay p50/p99/max beside a bare producer's appends of
the same frames at the same rate, the child's peak RSS, reconnects, REST reconciliation, and whether every
fixture is complete in the raw topics.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from dataclasses import asdict
from pathlib import Path

from ddeflow.bench.ingest import fan_in
from ddeflow.bench.profile import FanIn
from ddeflow.harness.infra import real_infra


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixtures", type=int, default=200, help="concurrent streams (default 200)")
    parser.add_argument("--keep", type=int, help="thin each match to about this many packets (default: full)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--time-scale", type=float, default=0.004, help="simulator time scale (default 0.004)")
    parser.add_argument("--stagger-s", type=float, default=0.2, help="go-live spacing (default 0.2)")
    parser.add_argument("--max-connects-per-s", type=int, default=5)
    parser.add_argument("--max-requests-per-s", type=int, default=4)
    parser.add_argument("--baseline-s", type=float, default=20.0, help="how long the baseline appends")
    parser.add_argument("--drop-probability", type=float, default=0.0, help="simulator drop fault per frame")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    plan = FanIn(
        args.fixtures,
        keep=args.keep,
        time_scale=args.time_scale,
        stagger_s=args.stagger_s,
        connects_per_s=args.max_connects_per_s,
        requests_per_s=args.max_requests_per_s,
        baseline_s=args.baseline_s,
        drop_probability=args.drop_probability,
    )
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp, real_infra(Path(tmp) / "stack") as infra:
        found = asyncio.run(fan_in(infra.bootstrap_servers, infra.registry_url, Path(tmp), plan, seed=args.seed))
    s, base = found.summary, found.baseline
    print(
        f"\n{found.fixtures} fixtures, {found.frames} packets; "
        f"{s['frames']} frames in {s['elapsed_s']:.1f} s = {s['packets_per_s']:.0f} packets/s overall\n"
        f"receipt-to-ack delay p50 {s['delay_p50_ms']:.1f} ms, p99 {s['delay_p99_ms']:.1f} ms, "
        f"max {s['delay_max_ms']:.1f} ms\n"
        f"baseline (a bare producer, {base.count} appends at {found.baseline_per_s:.0f}/s): send-to-ack p50 "
        f"{base.p50_ms:.1f} ms, p99 {base.p99_ms:.1f} ms, max {base.max_ms:.1f} ms "
        f"(the simulator served {found.served_per_s:.0f}/s)\n"
        f"peak RSS of the ingest process {s['peak_rss_mb']:.0f} MB; peak {s['peak_streams']} streams at once\n"
        f"{s['reconnects']} reconnects, {s['gaps_healed']} gaps healed by REST, {s['rest_requests']} REST requests "
        f"({s['rest_rate_limited']} rate limited); complete fixtures {found.complete_fixtures}/{found.fixtures}"
    )
    if args.json:
        results = {**asdict(found), "summary": dict(found.summary)}
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
