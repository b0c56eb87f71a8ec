"""Soak (a script, not a test): the whole pipeline at a steady packet rate for minutes.

    .venv/bin/python -m scripts.soak                       # 600 s at 1,000 packets/s (make soak)
    .venv/bin/python -m scripts.soak --duration-s 60       # a short run

``ddeflow simulate`` serves generated matches (cloned under new ids, actions streams), staggered so that the
feed serves ``--rate`` packets a second (``ddeflow.soak.plan``); ``ddeflow ingest live`` and ``ddeflow process``
run against it, each a real subprocess, on a private embedded broker and registry, as in the chaos suite.

Every ``--sample-s`` it samples the RSS and CPU of the simulator, ingest, the worker, the broker and the
registry, the processors' group lag and the records in the raw topics; a ``read_committed`` reader notes when
each derived record becomes visible, its delay from the raw record's receipt by ``ingest live``. Reported:
RSS at warm-up end and at the end of the steady part with the growth, max and final lag, delay percentiles, the
planned and the achieved input rate: a table, ``report.json`` and PNGs in ``--out``. Numbers, not pass/fail:
the exit code is 1 only when the pipeline did not run (a process exited on its own, nothing was derived).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import psutil
from rich.console import Console
from rich.table import Table

from ddeflow import topics
from ddeflow.avro import AvroCodec
from ddeflow.chaos.children import Child
from ddeflow.chaos.cluster import Cluster
from ddeflow.chaos.pipeline import Feed, Run, ready, run_settings, simulator_child, wait_listening
from ddeflow.chaos.probe import ProgressProbe
from ddeflow.dde.sports import Sport
from ddeflow.endpoints import resolve
from ddeflow.harness.clones import clone_fixture
from ddeflow.harness.infra import local_stack_settings
from ddeflow.harness.visibility import Seen, observe, received_at_field
from ddeflow.local.stack import LocalStack, StackInfo
from ddeflow.registry import SchemaRegistry
from ddeflow.signals import sigterm_as_interrupt
from ddeflow.simulator.generator import generate
from ddeflow.simulator.server.catalog import build_index, load_fixture
from ddeflow.simulator.server.routes import StreamKind
from ddeflow.soak.figures import Figures, Tick, figures, windowed_delays
from ddeflow.soak.plan import BaseMatch, FeedPlan, due_by, plan_feed
from ddeflow.soak.plots import DELAY_WINDOW_S, cpu_plot, delay_plot, lag_plot, rss_plot

PIPELINE = ("simulator", "ingest", "worker")
MACHINE = "whole machine (every user)"
READY_TIMEOUT_S = 180.0
CUT_AFTER_S = 30.0
"""How long after the planned end of the feed ``ingest live`` may go on reading late packets before it is stopped:
a pipeline that cannot keep up is reported as such, not given all the time it would need."""
DRAIN_TIMEOUT_S = 300.0
"""After the feed is over: how long the worker may take to commit the rest."""
MB = 1024 * 1024


# --- data ---------------------------------------------------------------------------------------


def base_matches(root: Path, per_sport: int, seed: int) -> list[BaseMatch]:
    """Generated matches, actions only, taken one sport after another, with their packets' times as the simulator
    paces them."""
    generate("all", per_sport, seed, root, statistics=False)
    by_sport = {s: sorted(p for p in (root / s.value).iterdir() if p.is_dir()) for s in Sport}
    return [
        BaseMatch(s, path, tuple(build_index(load_fixture(s, path), StreamKind.ACTIONS).rel_s))
        for i in range(per_sport)
        for s in Sport
        for path in by_sport[s][i : i + 1]
    ]


def clone_all(bases: list[BaseMatch], plan: FeedPlan, out: Path) -> dict[str, float]:
    """The plan's fixtures under ``out``; their go-live times by id."""
    go_live: dict[str, float] = {}
    for i in range(plan.fixtures):
        base = bases[i % len(bases)]
        new_id, _ = clone_fixture(base.path, out, base.sport, i + 1)
        go_live[new_id] = plan.go_live_s(i)
    return go_live


# --- sampling -----------------------------------------------------------------------------------


class Meter:
    """RSS and CPU of named processes, by pid, through psutil."""

    def __init__(self) -> None:
        self._processes: dict[str, psutil.Process] = {}
        psutil.cpu_percent(None)

    def watch(self, name: str, pid: int | None) -> None:
        if pid is None:
            return
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(pid)
            process.cpu_percent(None)  # the first call only starts the count
            self._processes[name] = process

    def read(self) -> tuple[dict[str, float], dict[str, float]]:
        rss: dict[str, float] = {}
        cpu: dict[str, float] = {}
        for name, process in list(self._processes.items()):
            try:
                with process.oneshot():
                    rss[name] = process.memory_info().rss / MB
                    cpu[name] = process.cpu_percent(None)
            except psutil.Error:
                del self._processes[name]
        # Everything on the machine, other users' processes too, on the same scale (percent of one core).
        cpu[MACHINE] = psutil.cpu_percent(None) * (psutil.cpu_count() or 1)
        return rss, cpu


async def sample(run: Run, meter: Meter, probe: ProgressProbe, every_s: float, out: list[Tick]) -> None:
    while True:
        progress = await probe.sample(run.now())
        rss, cpu = meter.read()
        out.append(Tick(run.now(), rss, cpu, progress.lag, progress.raw))
        await asyncio.sleep(every_s)


# --- the run ------------------------------------------------------------------------------------


def ingest_args(plan: FeedPlan) -> tuple[str, ...]:
    """Actions streams only (the matches have no statistics); open a stream shortly before its match goes live,
    and allow the connections a second the stagger needs."""
    connects = max(5, int(3 / plan.stagger_s) + 1)
    return ("--stream", "actions", "--lead-s", "5", "--horizon-min", "1", "--max-connects-per-s", str(connects))


async def soak(
    args: argparse.Namespace, plan: FeedPlan, go_live: Mapping[str, float], work: Path, stack: StackInfo
) -> tuple[list[Tick], Seen, float, list[str], list[str]]:
    cluster = Cluster(stack.bootstrap_servers, stack.registry_url)
    grace_s = args.state_grace_s or plan.state_grace_s
    settings = run_settings(cluster, work / "home", "run", kind="soak", DDEFLOW_STATE_GRACE_S=str(round(grace_s)))
    log_dir = work / "logs"
    feed = Feed(work / "data", plan.time_scale, live_s=plan.play_s, shortest_s=plan.play_s)
    simulator, port = simulator_child(feed, settings, log_dir, (), go_live)
    run = Run(settings, cluster, feed, log_dir, simulator, Child("ingest", (), {}, log_dir), [])
    run.ingest_args = ingest_args(plan)
    meter = Meter()
    for node, pid in stack.broker_pids.items():
        meter.watch("kafka" if len(stack.broker_pids) == 1 else f"kafka-{node}", pid)
    meter.watch("registry", stack.registry_pid)
    probe = ProgressProbe(settings)
    registry = SchemaRegistry(resolve(settings).registry_url)
    ticks: list[Tick] = []
    seen = Seen()
    problems: list[str] = []
    notes: list[str] = []
    stop_observing = asyncio.Event()
    tasks: list[asyncio.Task[Any]] = []
    try:
        worker = await run.start_worker()
        await run.start_ingest()
        if not await ready(run, READY_TIMEOUT_S):
            problems.append(f"the worker or ingest live were not up within {READY_TIMEOUT_S:.0f} s")
        await simulator.start()
        await wait_listening(simulator, port)
        run.started = time.monotonic()
        for name, child in (
            ("simulator", simulator.process),
            ("ingest", run.ingest.process),
            ("worker", worker.process),
        ):
            meter.watch(name, None if child is None else child.pid)
        names = [s.name for s in topics.derived_topics(settings.topic_prefix) if not s.name.endswith(topics.DLQ)]
        tasks.append(
            asyncio.create_task(observe(settings, names, received_at_field(AvroCodec(registry)), stop_observing, seen))
        )
        tasks.append(asyncio.create_task(sample(run, meter, probe, args.sample_s, ticks)))
        feed_end_s = plan.steady_end_s + plan.play_s
        cut_at = run.started + feed_end_s + max(CUT_AFTER_S, plan.play_s)
        print(f"the feed runs until about {feed_end_s:.0f} s; sampling every {args.sample_s} s")
        next_line = 0.0
        while time.monotonic() < cut_at:
            if run.ingest.returncode is not None:
                if run.ingest.returncode != 0:
                    problems.append(f"ingest live exited {run.ingest.returncode}: {run.ingest.tail(400)!r}")
                break
            if worker.process is not None and worker.process.returncode is not None:
                problems.append(f"the worker exited {worker.process.returncode}: {worker.tail(400)}")
                break
            if not simulator.running:
                problems.append(f"the simulator exited {simulator.returncode}: {simulator.tail(400)!r}")
                break
            if ticks and run.now() >= next_line:
                t = ticks[-1]
                rss = ", ".join(f"{name} {t.rss_mb[name]:.0f}" for name in PIPELINE if name in t.rss_mb)
                print(f"  {t.at_s:5.0f} s: raw {t.raw}, lag {t.lag}, RSS MB {rss}", flush=True)
                next_line = run.now() + 30
            await asyncio.sleep(0.5)
        else:
            notes.append(
                f"the feed was cut at {run.now():.0f} s: ingest live had not read every match to its end, "
                f"{ticks[-1].raw if ticks else 0} of {plan.packets} planned packets were in Kafka"
            )
            await run.ingest.stop()
            await simulator.stop()
        for _ in range(int(DRAIN_TIMEOUT_S)):
            if problems or (ticks and ticks[-1].lag == 0):
                break
            await asyncio.sleep(1.0)
        if ticks and ticks[-1].lag != 0:
            problems.append(f"the worker had not caught up at the end (lag {ticks[-1].lag})")
        ended_s = run.now()
        await asyncio.sleep(args.sample_s)  # one more sample after the drain
    finally:
        stop_observing.set()
        for task in tasks[1:]:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)
        await probe.close()
        await registry.close()
        for w in run.every_worker:
            if w.process is not None and w.process.returncode is None:
                w.process.terminate()
                with contextlib.suppress(AssertionError):
                    await w.wait(60)
        await run.ingest.stop()
        await simulator.stop()
    origin_us = (time.time() - (time.monotonic() - run.started)) * 1e6
    seen.seen_us[:] = [int(at - origin_us) for at in seen.seen_us]  # µs since the simulator started
    return ticks, seen, ended_s, problems, notes


# --- the report ---------------------------------------------------------------------------------


def print_report(
    plan: FeedPlan, found: Figures, ticks: list[Tick], ended_s: float, problems: list[str], notes: list[str]
) -> None:
    console = Console()
    table = Table(title=f"soak: {plan.duration_s:.0f} s planned at {plan.rate_per_s:.0f} packets/s")
    table.add_column("figure")
    table.add_column("value", justify="right")
    achieved = found.achieved_rate_per_s
    table.add_row(
        "input rate, steady part",
        f"{achieved:.0f} /s of {plan.rate_per_s:.0f} planned" if achieved is not None else "n/a",
    )
    for m in found.memory:
        table.add_row(
            f"RSS {m.process}",
            f"{m.warm_mb:.0f} → {m.end_mb:.0f} MB ({m.growth_pct:+.1f} %), peak {m.peak_mb:.0f} MB",
        )
    for name, pct in found.cpu_mean_pct.items():
        per_packet = found.cpu_ms_per_packet(name)
        cost = f", {per_packet:.2f} ms per packet" if per_packet is not None and name != MACHINE else ""
        table.add_row(f"CPU {name}, steady mean", f"{pct:.0f} % of a core{cost}")
    ours = [name for name in found.cpu_mean_pct if name != MACHINE]
    cores = found.cores_at_planned_rate(ours)
    if cores is not None:
        table.add_row(f"cores {plan.rate_per_s:.0f}/s would take", f"{cores:.2f} ({', '.join(ours)})")
    raw = next((t.raw for t in reversed(ticks) if t.raw is not None), None)
    table.add_row("packets in Kafka / planned", f"{raw} / {plan.packets}")
    table.add_row("feed backlog max / at steady end", f"{found.backlog_max} / {found.backlog_at_steady_end} packets")
    table.add_row("lag max / at steady end / final", f"{found.lag_max} / {found.lag_at_steady_end} / {found.lag_final}")
    d = found.delays
    table.add_row(
        "delay p50 / p95 / p99 / max",
        f"{d.p50_ms:.0f} / {d.p95_ms:.0f} / {d.p99_ms:.0f} / {d.max_ms:.0f} ms ({d.count} derived records)",
    )
    table.add_row("run", f"{ended_s:.0f} s from the simulator's start to drained")
    console.print(table)
    for note in notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    for problem in problems:
        console.print(f"[red]problem:[/red] {problem}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration-s", type=float, default=600.0, help="steady feed time, ramp-up included (600)")
    parser.add_argument("--rate", type=float, default=1000.0, help="packets per second the feed serves (1000)")
    parser.add_argument(
        "--warmup-s",
        type=float,
        help="memory growth is measured from here (default: when the worker's state levels off, "
        "play + grace + 60 s; at most duration/3)",
    )
    parser.add_argument("--play-s", type=float, help="how long one match plays (default: 30, at most duration/6)")
    parser.add_argument("--sample-s", type=float, default=2.0, help="seconds between samples (2)")
    parser.add_argument("--base", type=int, default=3, help="generated matches per sport to clone (3)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--state-grace-s", type=float, help="the worker's state grace (default: 6 h at the matches' time scale)"
    )
    parser.add_argument("--out", type=Path, default=Path("soak-report"), help="report directory (soak-report/)")
    parser.add_argument("--work-dir", type=Path, help="keep data and logs here (default: a temporary directory)")
    args = parser.parse_args()
    sigterm_as_interrupt()
    play_s = args.play_s if args.play_s is not None else min(30.0, args.duration_s / 6)
    logging.basicConfig(level=logging.ERROR)
    print("command:", shlex.join([Path(sys.executable).name, "-m", "scripts.soak", *sys.argv[1:]]))
    print("cpus:", os.cpu_count(), "| load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ddeflow-soak-") as tmp:
        work = args.work_dir or Path(tmp)
        bases = base_matches(work / "generated", args.base, args.seed)
        plan = plan_feed(bases, rate_per_s=args.rate, duration_s=args.duration_s, play_s=play_s)
        go_live = clone_all(bases, plan, work / "data")
        print(
            f"feed: {plan.fixtures} matches ({plan.mean_packets:.0f} packets each on average, {plan.packets} in all), "
            f"one going live every {plan.stagger_s:.3f} s, each playing about {plan.play_s:.0f} s "
            f"(time scale {plan.time_scale:.5f}), so about {plan.concurrent:.0f} live at once; "
            f"worker state grace {args.state_grace_s or plan.state_grace_s:.0f} s"
        )
        # The worker keeps a finished match's state for the grace period: its memory levels off once the first
        # matches have played and been removed, about play + grace in, and memory growth is measured from there.
        settle_s = play_s + (args.state_grace_s or plan.state_grace_s) + 60.0
        warmup_s = args.warmup_s if args.warmup_s is not None else min(settle_s, args.duration_s / 3)
        stack = LocalStack(local_stack_settings(work / "stack"))
        try:
            info = stack.up()
            ticks, seen, ended_s, problems, notes = asyncio.run(soak(args, plan, go_live, work, info))
        finally:
            stack.down()
    due = due_by(plan, bases, [t.at_s for t in ticks])
    ticks = [replace(t, due=d) for t, d in zip(ticks, due, strict=True)]
    processes = [*PIPELINE, *sorted({name for t in ticks for name in t.rss_mb} - set(PIPELINE))]
    found = figures(
        ticks,
        seen.delays_ms,
        processes=[*processes, MACHINE],
        warmup_s=warmup_s,
        steady_end_s=plan.steady_end_s,
        planned_rate_per_s=plan.rate_per_s,
    )
    if found.delays.count == 0:
        problems.append("no derived record was seen")
    seen_s = [at / 1e6 for at in seen.seen_us]
    pngs = [
        rss_plot(ticks, PIPELINE, found, args.out / "rss.png"),
        lag_plot(ticks, found, args.out / "lag.png"),
        delay_plot(seen_s, seen.delays_ms, found, args.out / "delay.png"),
        cpu_plot(ticks, processes, MACHINE, found, args.out / "cpu.png"),
    ]
    report = {
        "command": sys.argv[1:],
        "plan": {**asdict(plan), "fixtures": plan.fixtures, "stagger_s": plan.stagger_s, "time_scale": plan.time_scale},
        "figures": asdict(found),
        "cpu_ms_per_packet": {name: found.cpu_ms_per_packet(name) for name in found.cpu_mean_pct if name != MACHINE},
        "ended_s": ended_s,
        "problems": problems,
        "notes": notes,
        "samples": [asdict(t) for t in ticks],
        "delay_windows": [
            {"at_s": at, **asdict(d)} for at, d in windowed_delays(seen_s, seen.delays_ms, DELAY_WINDOW_S)
        ],
    }
    (args.out / "report.json").write_text(json.dumps(report, indent=1, default=str) + "\n", encoding="utf-8")
    print_report(plan, found, ticks, ended_s, problems, notes)
    print("report:", args.out / "report.json", "| plots:", " ".join(str(p) for p in pngs))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
