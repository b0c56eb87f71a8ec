"""Benchmark of the match generator: a season written to disk, then the pure core in memory.

    .venv/bin/python scripts/bench_generate.py                      # 600 fixtures per sport, 2 workers
    .venv/bin/python scripts/bench_generate.py --fixtures 100 --workers 1 --statistics

Phase 1 writes a season with ``ddeflow.simulator.generator.generate`` into a temporary directory
(removed afterwards unless ``--keep DIR``) and reports fixtures, packets, seconds and
packets/s per sport and in total.  Snooker statistics (about 15 MB per fixture) are left
out unless ``--statistics``; phase 2 measures them in memory on a few fixtures instead.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from ddeflow.simulator.generator import SPORTS, generate, generate_match
from ddeflow.simulator.generator.writer import SportSummary


def _print(summary: SportSummary) -> None:
    print(
        f"  {summary.sport:<11} {summary.fixtures:>6} fixtures {summary.packets:>10,} packets "
        f"{summary.statistics:>9,} statistics {summary.seconds:>8.2f} s {summary.packets_per_s:>10,.0f} packets/s",
        flush=True,
    )


def _dir_size_mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6


def season(args: argparse.Namespace) -> None:
    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-generate-"))
    sports = args.sport or ["all"]
    print(
        f"season: {args.fixtures} fixtures per sport, sports {','.join(sports)}, seed {args.seed}, "
        f"workers {args.workers}, statistics {'on' if args.statistics else 'off'}, into {out}"
    )
    try:
        started = time.perf_counter()
        report = generate(
            sports,
            args.fixtures,
            args.seed,
            out,
            workers=args.workers,
            statistics=args.statistics,
            on_sport_done=_print,
        )
        elapsed = time.perf_counter() - started
        fixtures = sum(s.fixtures for s in report.sports)
        print(
            f"  {'total':<11} {fixtures:>6} fixtures {report.packets:>10,} packets "
            f"{sum(s.statistics for s in report.sports):>9,} statistics {elapsed:>8.2f} s "
            f"{report.packets / elapsed:>10,.0f} packets/s  ({_dir_size_mb(out):,.0f} MB on disk)",
            flush=True,
        )
    finally:
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)


def core(args: argparse.Namespace) -> None:
    print(f"pure core, in memory, one process: {args.core_fixtures} fixtures per sport")
    for sport in SPORTS:
        started = time.perf_counter()
        packets = snapshots = snapshot_bytes = 0
        for index in range(args.core_fixtures):
            match = generate_match(sport, args.seed, index)
            packets += len(match.actions)
            snapshots += len(match.statistics)
            snapshot_bytes += sum(len(line) for line in match.statistics)
        elapsed = time.perf_counter() - started
        line = f"  {sport:<11} {packets:>8,} packets {elapsed:>6.2f} s {packets / elapsed:>10,.0f} packets/s"
        if snapshots:
            line += (
                f"; statistics {snapshots:,} snapshots, {snapshot_bytes / 1e6:,.0f} MB, "
                f"{snapshots / elapsed:,.0f} snapshots/s"
            )
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sport", action="append", choices=[*SPORTS, "all"])
    parser.add_argument("--fixtures", type=int, default=600, help="season fixtures per sport (default 600)")
    parser.add_argument("--workers", type=int, default=2, help="processes for the season (default 2)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--statistics", action="store_true", help="write snooker statistics in the season run")
    parser.add_argument("--keep", metavar="DIR", help="write the season into DIR and keep it")
    parser.add_argument("--core-fixtures", type=int, default=20, help="fixtures per sport for phase 2 (default 20)")
    args = parser.parse_args()
    season(args)
    core(args)


if __name__ == "__main__":
    main()
