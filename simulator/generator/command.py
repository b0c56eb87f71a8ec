"""``ddeflow generate``: deterministic matches for the simulator, from one fixture to a season."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ddeflow.progress_display import ProgressDisplay
from ddeflow.simulator.generator.match import SPORTS
from ddeflow.simulator.generator.writer import SportSummary, generate, resolve_sports


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def _print_summary(summary: SportSummary) -> None:
    print(
        f"{summary.sport}: {summary.fixtures} fixtures, {summary.packets} packets, "
        f"{summary.statistics} statistics, {summary.seconds:.2f} s, {summary.packets_per_s:,.0f} packets/s",
        flush=True,
    )


def run(args: argparse.Namespace) -> int:
    sports = args.sport or ["all"]
    total = args.fixtures * len(resolve_sports(sports))
    try:
        with ProgressDisplay("generate", "fixtures", total=total) as progress:
            report = generate(
                sports,
                args.fixtures,
                args.seed,
                args.out,
                workers=args.workers,
                statistics=not args.no_statistics,
                on_sport_done=_print_summary,
                on_fixture_done=lambda sport: progress.advance(detail=sport),
            )
    except OSError as exc:
        print(f"ddeflow generate: cannot write to {args.out}: {exc}", file=sys.stderr)
        return 2
    print(f"manifest: {report.manifest_path}", flush=True)
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="generate deterministic matches (action packets, statistics, truth)",
        description="Write OUT/<sport>/<fixtureId>/{fixture.json,actions.jsonl,statistics.jsonl,truth.json} "
        "and OUT/manifest.json. The same sports, fixture count and seed give byte-identical output.",
    )
    parser.add_argument(
        "--sport",
        action="append",
        choices=[*SPORTS, "all"],
        help="sport to generate; repeat for several, or 'all' (the default)",
    )
    parser.add_argument("--fixtures", type=_non_negative, default=10, help="fixtures per sport (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the season (default 0)")
    parser.add_argument("--out", type=Path, default=Path("generated"), help="output directory (default ./generated)")
    parser.add_argument("--workers", type=_positive, default=1, help="processes to generate with (default 1)")
    parser.add_argument(
        "--no-statistics",
        action="store_true",
        help="skip snooker statistics.jsonl (about 15 MB per fixture); actions and truth are unchanged",
    )
    parser.set_defaults(handler=lambda args, settings: run(args))
