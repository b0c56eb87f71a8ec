"""``ddeflow replay``: re-derive a range of the raw topics into another prefix, or rebuild the live ones."""

from __future__ import annotations

import argparse
import asyncio
import atexit
import sys
from typing import Any

from ddeflow.config import Settings
from ddeflow.endpoints import kafka_options, resolve
from ddeflow.errors import ConfigError
from ddeflow.processors.rebuild import run_rebuild, what_it_does
from ddeflow.processors.replay import Progress, ReplayStats, fixed_plan, into_target, resolve_plan, run_replay
from ddeflow.processors.replay_range import Plan, Request, describe, make_filters, parse_bound
from ddeflow.progress_display import ProgressDisplay
from ddeflow.signals import stop_on_signals

EPILOG = """\
range:
  --from is inclusive, --to exclusive, for offsets and timestamps alike:
    --from 100 --to 200                    offsets 100..199 of every partition
    --from p0=100,p3=40 --to p0=200        partitions 0 and 3 only (3 up to its end)
    --from 2026-12-01T18:00:00Z --to 2026-12-01T20:00:00Z
                                           records with 18:00 <= timestamp < 20:00 (per partition,
                                           resolved once with offsets_for_times)
    --from 1764612000000                   epoch milliseconds (a bare number of 12 digits or more)
  Without --from: each partition's earliest kept offset; without --to: its last stable offset now.
  The plan is fixed at the first start and stored with the output: a restart with the same arguments
  continues it (exactly once); other arguments into the same prefix are refused.

examples:
  ddeflow replay --dry-run --from 2026-12-01T18:00:00Z --sport soccer
  ddeflow replay --into analysis.dispute42. --fixture 123456 --warm-up
  ddeflow replay --into rebuilt. --from 0
  ddeflow replay --rebuild --dry-run           what a rebuild would delete, and its plan
  ddeflow replay --rebuild --yes               with every `ddeflow process` stopped
"""


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "replay",
        help="re-derive a range of the raw topics into another prefix, exactly once, as the live worker would",
        description=(
            "Reads a fixed range of the raw topics (under DDEFLOW_TOPIC_PREFIX) and processes it with the live "
            "worker's own engine into the derived topics under --into, in Kafka transactions, then stops."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--from", dest="start", metavar="BOUND", help="first offset or timestamp (inclusive)")
    parser.add_argument("--to", dest="end", metavar="BOUND", help="end offset or timestamp (exclusive)")
    parser.add_argument("--sport", action="append", default=[], metavar="S", help="only this sport (repeatable)")
    parser.add_argument("--stream", choices=("actions", "statistics"), help="only this stream")
    parser.add_argument("--fixture", action="append", default=[], metavar="ID", help="only this fixture (repeatable)")
    parser.add_argument(
        "--into",
        metavar="PREFIX",
        help="write derived topics under this topic prefix (e.g. 'replay1.'), with state built from the range",
    )
    parser.add_argument(
        "--warm-up",
        action="store_true",
        help="first rebuild state from each partition's earlier raw records, without emitting",
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="regenerate the main derived topics and the live worker's state from the earliest raw offsets "
        "(refused while the worker group has members; says what it deletes and asks for --yes)",
    )
    parser.add_argument("--yes", action="store_true", help="confirm what --rebuild deletes")
    parser.add_argument("--dry-run", action="store_true", help="print the per-partition plan; touch nothing")
    parser.add_argument(
        "--max-batch", type=int, default=5000, metavar="N", help="records per poll and transaction (default 5000)"
    )
    parser.set_defaults(handler=_run)


def _request(args: argparse.Namespace, settings: Settings) -> Request:
    filters = make_filters(args.sport, args.stream, args.fixture)
    return Request(settings.topic_prefix, args.start, args.end, filters, args.warm_up)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    request = _request(args, settings)
    start = parse_bound(args.start, what="--from") if args.start is not None else None
    end = parse_bound(args.end, what="--to") if args.end is not None else None
    if args.rebuild:
        _check_rebuild(args)
    if args.dry_run:
        return asyncio.run(_dry_run(settings, request, start, end, args.into, rebuild=args.rebuild))
    if args.rebuild:
        return _rebuild(args, settings, request)
    if args.into is None:
        raise ConfigError("say where to write: --into PREFIX, or --rebuild (or --dry-run to see the plan)")

    async def main() -> int:
        with stop_on_signals() as stop:
            done = await run_replay(
                settings,
                request,
                start,
                end,
                into=args.into,
                max_batch=args.max_batch,
                stop=stop,
                progress=_progress,
                announce=_announce,
            )
        if done is None:
            print("replay stopped before its end; run the same command again to continue", file=sys.stderr)
            return 1
        plan, stats = done
        print(stats.summary(plan))
        return 0

    return asyncio.run(main())


def _check_rebuild(args: argparse.Namespace) -> None:
    given = [
        flag
        for flag, value in (
            ("--into", args.into),
            ("--from", args.start),
            ("--to", args.end),
            ("--sport", args.sport),
            ("--stream", args.stream),
            ("--fixture", args.fixture),
            ("--warm-up", args.warm_up),
        )
        if value
    ]
    if given:
        raise ConfigError(f"--rebuild regenerates everything from the earliest raw offsets; drop {', '.join(given)}")


def _rebuild(args: argparse.Namespace, settings: Settings, request: Request) -> int:
    async def main() -> int:
        with stop_on_signals() as stop:
            done = await run_rebuild(
                settings,
                request,
                yes=args.yes,
                max_batch=args.max_batch,
                stop=stop,
                progress=_progress,
                say=lambda line: print(line, file=sys.stderr),
            )
        if done is None:
            if args.yes:
                print("rebuild stopped before its end; run the same command again to start it over", file=sys.stderr)
            return 1
        plan, stats = done
        print(stats.summary(plan))
        print("rebuild done: start `ddeflow process`; it resumes where the rebuild ended")
        return 0

    return asyncio.run(main())


async def _dry_run(
    settings: Settings, request: Request, start: Any, end: Any, into: str | None, *, rebuild: bool
) -> int:
    options = kafka_options(settings, resolve(settings))
    if rebuild:
        for line in what_it_does(settings):
            print(line)
    if into is not None:
        plan, resumed = await fixed_plan(options, into_target(into), request, start, end)
    else:
        plan, resumed = await resolve_plan(options, request, start, end), False
    if resumed:
        print(f"a replay into {into!r} has stored this plan; running the command continues it")
    for line in describe(plan):
        print(line)
    print("dry run: nothing was written")
    return 0


def _announce(plan: Plan, resumed: bool) -> None:
    print(("continuing the stored plan:" if resumed else "plan:"), file=sys.stderr)
    for line in describe(plan):
        print("  " + line, file=sys.stderr)


def _progress(plan: Plan) -> Progress:
    total = plan.reads
    display = ProgressDisplay("replay", "offsets", total=total)
    atexit.register(display.close)  # also when the plan was already done and nothing was polled

    def show(stats: ReplayStats, passed: int) -> None:
        display.update(passed, detail=f"{stats.records_in} records in, {stats.records_out} out")
        if passed >= total:
            display.close()

    return show
