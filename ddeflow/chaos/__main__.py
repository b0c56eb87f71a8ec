"""``python -m ddeflow.chaos``: start a private embedded stack, run the golden run and the scenarios, report.

Exit 0 when every scenario that ran matched the golden run exactly (gaps are reported, not failed),
1 when one differed or broke, 2 when the suite could not run at all.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from ddeflow.chaos.cluster import Cluster
from ddeflow.chaos.data import make_feed
from ddeflow.chaos.report import print_report, write_json
from ddeflow.chaos.scenarios import CI_PROFILE, CONTROL, SCENARIOS, by_number
from ddeflow.chaos.suite import SuiteOutcome, run_suite
from ddeflow.errors import DdeflowError
from ddeflow.harness.infra import local_stack_settings
from ddeflow.local.stack import LocalStack
from ddeflow.signals import sigterm_as_interrupt

FULL_PROFILE = (CONTROL.number, *(s.number for s in SCENARIOS))


def _numbers(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ddeflow.chaos", description=__doc__)
    parser.add_argument("--profile", choices=("full", "ci"), default="full", help="full: 0-10; ci: 1,5,6,8")
    parser.add_argument("--scenarios", type=_numbers, help="comma-separated scenario numbers (overrides --profile)")
    parser.add_argument("--per-sport", type=int, default=1, help="generated matches per sport (default 1)")
    parser.add_argument("--seed", type=int, default=5, help="generator seed (default 5)")
    parser.add_argument("--time-scale", type=float, default=0.004, help="simulator time scale (default 0.004)")
    parser.add_argument("--json", type=Path, default=Path("chaos-report.json"), help="report file")
    parser.add_argument("--work-dir", type=Path, help="keep data and logs here (default: a temporary directory)")
    return parser.parse_args(argv)


@asynccontextmanager
async def _three_brokers(home: Path) -> AsyncIterator[Cluster]:
    stack = LocalStack(local_stack_settings(home, brokers=3))
    try:
        info = await asyncio.to_thread(stack.up, 3)
        yield Cluster(info.bootstrap_servers, info.registry_url, stack)
    finally:
        await asyncio.to_thread(stack.down)


async def _suite(args: argparse.Namespace, work: Path, cluster: Cluster) -> SuiteOutcome:
    numbers = args.scenarios or (FULL_PROFILE if args.profile == "full" else CI_PROFILE)
    feed = make_feed(work / "data", per_sport=args.per_sport, seed=args.seed, time_scale=args.time_scale)
    return await run_suite(
        cluster, feed, by_number(numbers), work, multi_broker=lambda: _three_brokers(work / "stack3")
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sigterm_as_interrupt()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # retries while a broker is down are expected here
    logging.getLogger("httpx").setLevel(logging.WARNING)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ddeflow-chaos-") as tmp:
        work = args.work_dir or Path(tmp)
        stack = LocalStack(local_stack_settings(work / "stack"))
        try:
            info = stack.up()
            suite = asyncio.run(_suite(args, work, Cluster(info.bootstrap_servers, info.registry_url, stack)))
        except DdeflowError as exc:
            print(f"chaos: {exc}", file=sys.stderr)
            return 2
        finally:
            stack.down()
    write_json(suite, args.json)
    print_report(suite)
    print(f"report: {args.json}; make chaos took {time.monotonic() - began:.0f} s")
    return 0 if suite.passed else 1


if __name__ == "__main__":
    sys.exit(main())
