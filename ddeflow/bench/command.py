"""``ddeflow bench``: every figure of the targets table beside its baseline, measured in one run.

1. Data: a generated season slice (the four sports, 5 % duplicates and 5 % stale re-sends), made once.
2. Throughput: the whole slice is appended once; the worker, the transactional pass-through and the plain
   pass-through each drain it in turn, each in a child process, as a consumer group of its own.
3. Delay at each offered load: on fresh topics, the baseline, then the worker (then the worker under each
   ``--variant``), with records appended at the load's rate and a read_committed reader here.
4. Fan-in: ``ingest live`` in a child process over the profile's concurrent simulated streams (1,000 in the
   full profile), each frame's receipt to its broker acknowledgement, against a bare producer's appends of the
   same frames at the same rate; then every packet is checked present in the raw topics.
5. ``report.json`` (stable keys), ``report.md`` (the table) and the PNGs in ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shlex
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ddeflow import topics
from ddeflow.admin import ensure_topics
from ddeflow.bench.children import plain_child, transactional_child, worker_child
from ddeflow.bench.feed import append, describe, season_slice
from ddeflow.bench.figures import Delays, Drain, LoadRun, markdown, report
from ddeflow.bench.machine import machine
from ddeflow.bench.phases import delays, drain
from ddeflow.bench.profile import FULL, PROFILES, QUICK, SMALLEST, Load, Profile
from ddeflow.config import Settings, load_settings
from ddeflow.errors import ConfigError
from ddeflow.harness.derived import options
from ddeflow.harness.infra import Infra, real_infra
from ddeflow.harness.plan import build_plan

KNOBS = ("DDEFLOW_FETCH_MAX_WAIT_MS", "DDEFLOW_LINGER_MS")


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "bench",
        help="measure latency, throughput and memory against a raw-client baseline run at the same time",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help=f"the ~2-minute profile ({QUICK.fixtures} fixtures)")
    parser.add_argument(
        "--profile",
        choices=[*PROFILES, SMALLEST.name],
        help=f"full: {FULL.fixtures} fixtures and loads of "
        + ", ".join(f"{load.rate_per_s:.0f}/s" for load in FULL.loads)
        + f"; quick: as --quick; {SMALLEST.name}: seconds of feeding, for the tests (default full)",
    )
    parser.add_argument("--out", type=Path, default=Path("bench-report"), help="report directory (bench-report/)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--load",
        action="append",
        default=[],
        metavar="RATE:SECONDS",
        help="an offered load for the delay phase instead of the profile's (repeat for several)",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="VAR=VALUE[,VAR=VALUE]",
        help=f"also run the worker with these settings in the delay phase ({', '.join(KNOBS)})",
    )
    parser.set_defaults(handler=_run)


def parse_variant(text: str) -> dict[str, str]:
    """``DDEFLOW_FETCH_MAX_WAIT_MS=10,DDEFLOW_LINGER_MS=0`` → the overrides; only the worker's knobs."""
    found: dict[str, str] = {}
    for part in text.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep or name not in KNOBS:
            raise ConfigError(f"--variant {text!r}: expected VAR=VALUE pairs with VAR one of {', '.join(KNOBS)}")
        found[name] = value
    load_settings(**found)  # a bad value fails here, not in a child
    return found


def parse_load(text: str) -> Load:
    rate, sep, seconds = text.partition(":")
    try:
        load = Load(float(rate), float(seconds))
    except ValueError:
        load = Load(0, 0)
    if not sep or load.rate_per_s <= 0 or load.seconds <= 0:
        raise ConfigError(f"--load {text!r}: expected RATE:SECONDS, both positive (e.g. 300:20)")
    return load


def _profile(args: argparse.Namespace) -> Profile:
    if args.quick:
        profile = QUICK
    elif args.profile == SMALLEST.name:
        profile = SMALLEST
    else:
        profile = PROFILES[args.profile or FULL.name]
    if args.load:
        profile = replace(profile, loads=tuple(parse_load(text) for text in args.load))
    return profile


def _fresh(settings: Settings, infra: Infra, home: Path, tag: str) -> Settings:
    return load_settings(
        KAFKA_BOOTSTRAP_SERVERS=infra.bootstrap_servers,
        SCHEMA_REGISTRY_URL=infra.registry_url,
        DDEFLOW_TOPIC_PREFIX=f"bench-{tag}-{time.time_ns() % 10**10}.",
        DDEFLOW_HOME=str(home),
        DDEFLOW_FETCH_MAX_WAIT_MS=settings.fetch_max_wait_ms,
        DDEFLOW_LINGER_MS=settings.linger_ms,
    )


def _knobs(settings: Settings) -> dict[str, int]:
    return {"fetch_max_wait_ms": settings.fetch_max_wait_ms, "linger_ms": settings.linger_ms}


def _say(line: str) -> None:
    print(line, flush=True)


async def bench(
    settings: Settings,
    profile: Profile,
    infra: Infra,
    work: Path,
    *,
    seed: int,
    variants: Mapping[str, Mapping[str, str]],
    command: str,
) -> tuple[dict[str, Any], list[Drain], list[LoadRun]]:
    found_machine = machine(infra)
    _say("machine: " + ", ".join(f"{k} {v}" for k, v in found_machine.items()))
    matches = season_slice(work / "data", profile.fixtures, profile.snooker_statistics, seed)
    plan = build_plan(matches, seed=seed, duplicate_rate=profile.duplicate_rate, stale_rate=profile.stale_rate)
    feed = describe(matches, plan)
    _say(f"data: {feed.fixtures} fixtures, {feed.packets} packets ({feed.duplicates} duplicates, {feed.stale} stale)")

    backlog = _fresh(settings, infra, work / "home", "backlog")
    await ensure_topics(options(backlog), topics.raw_topics(backlog.topic_prefix))
    appended_s = await append(backlog, plan)
    _say(f"throughput: {len(plan)} packets appended in {appended_s:.1f} s")
    drains: list[Drain] = []
    for label, target in (
        ("worker", worker_child),
        ("transactional pass-through", transactional_child),
        ("plain pass-through", plain_child),
    ):
        drains.append(await drain(backlog, target, label, len(plan), profile.idle_s))
        _say(f"  {label}: {drains[-1].per_s:,.0f} packets/s ({drains[-1].seconds:.1f} s)")

    runs: list[LoadRun] = []
    for load in profile.loads:
        live = plan[: load.records]
        _say(f"delay at {load.rate_per_s:,.0f} packets/s for {load.seconds:.0f} s ({len(live)} packets)")

        found: list[Delays] = []
        for target, label, extra in (
            (transactional_child, "baseline", {}),
            (worker_child, "worker", {}),
            *((worker_child, name, extra) for name, extra in variants.items()),
        ):
            fresh = _fresh(settings, infra, work / "home", label.split("=")[0].lower().replace("_", "-"))
            found.append(await delays(fresh, live, load, target, label, extra))
            _say(f"  {label}: {len(found[-1].delays_ms)} records seen, fed at {found[-1].achieved_per_s:,.0f}/s")
        runs.append(LoadRun(found[1], found[0], tuple(found[2:])))

    fan_in_run = None
    if profile.fan_in is not None:
        from ddeflow.bench.ingest import fan_in  # the simulator's server: only a bench run needs it

        fan_in_run = await fan_in(
            infra.bootstrap_servers, infra.registry_url, work / "fan-in", profile.fan_in, seed=seed, say=_say
        )

    result = report(
        command=command,
        profile=profile.name,
        machine=found_machine,
        knobs=_knobs(settings),
        feed=feed,
        worker=drains[0],
        transactional=drains[1],
        plain=drains[2],
        loads=runs,
        fan_in=fan_in_run,
    )
    return result, drains, runs


def write(out: Path, found: Mapping[str, Any], drains: list[Drain], runs: list[LoadRun]) -> list[Path]:
    # Imported here: every ddeflow command imports this module to build its parser, and matplotlib with numpy
    # would add about 50 MB to the RSS of each worker and producer.
    from ddeflow.bench.plots import latency_cdf_plot, rss_plot, throughput_plot

    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(found, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (out / "report.md").write_text(markdown(found), encoding="utf-8")
    return [
        out / "report.json",
        out / "report.md",
        latency_cdf_plot([[r.worker, r.baseline, *r.variants] for r in runs], out / "latency-cdf.png"),
        throughput_plot(drains, out / "throughput.png"),
        rss_plot(drains, out / "rss.png"),
    ]


def _run(args: argparse.Namespace, settings: Settings) -> int:
    # aiokafka logs every retried produce (a new topic's leader not known yet) at WARNING; failures raise.
    logging.getLogger("aiokafka").setLevel(logging.ERROR)
    profile = _profile(args)
    variants = {name: parse_variant(name) for name in args.variant}
    command = shlex.join(["ddeflow", *sys.argv[1:]])
    with tempfile.TemporaryDirectory(prefix="ddeflow-bench-") as tmp, real_infra(Path(tmp) / "stack") as infra:
        found, drains, runs = asyncio.run(
            bench(settings, profile, infra, Path(tmp), seed=args.seed, variants=variants, command=command)
        )
    written = write(args.out, found, drains, runs)
    print(markdown(found))
    print("written: " + ", ".join(str(p) for p in written))
    return 0
