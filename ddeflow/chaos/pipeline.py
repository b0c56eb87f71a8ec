"""One chaos run: the simulator, ``ingest live`` and ``ddeflow process`` as subprocesses under a topic prefix of
their own, a fault injected while they work, then everything the worker committed read back.

The run ends when ``ingest live --until-finished`` has ended (every match over and healed by REST), the
fault is done, and the processors' group has no lag with all the workers the run expects; then the workers
are stopped with SIGTERM and the derived topics are read with ``read_committed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ddeflow.chaos.children import Child
from ddeflow.chaos.cluster import Cluster
from ddeflow.chaos.probe import ProgressProbe, sample_until
from ddeflow.chaos.records import Comparable, comparable
from ddeflow.chaos.recovery import Sample
from ddeflow.config import Settings, load_settings
from ddeflow.dde.sports import Sport
from ddeflow.harness.derived import read_derived
from ddeflow.harness.worker_process import WorkerProcess, worker_env
from ddeflow.local.processes import free_port, port_in_use

SIMULATOR_START_TIMEOUT_S = 30.0
READY_TIMEOUT_S = 120.0
RESTART_DELAYS_S = (0.5, 1.0, 2.0, 4.0, 8.0)
"""Waits before restarting a process that exited on its own, longer each time it exits again soon."""
STABLE_S = 10.0
"""A process that ran this long before exiting is restarted after the shortest wait again."""
CATCH_UP_TIMEOUT_S = 180.0
WORKER_STOP_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class Feed:
    """The matches every run of a suite streams, and how the simulator plays them."""

    data_dir: Path
    time_scale: float
    live_s: float
    """How long the longest match plays, at this time scale."""
    shortest_s: float
    """How long the shortest match plays."""
    go_live_s: float = 3.0
    seed: int = 7

    def at(self, fraction: float) -> float:
        """Seconds after the simulator started at which ``fraction`` of the longest match has played."""
        return self.go_live_s + fraction * self.live_s

    def while_all_live(self, fraction: float) -> float:
        """Seconds after the simulator started at which ``fraction`` of the shortest match has played."""
        return self.go_live_s + fraction * self.shortest_s


@dataclass
class FaultMark:
    """One fault of a run: when it struck and when its cause was gone (seconds since the simulator started)."""

    what: str
    at_s: float
    repaired_at_s: float | None = None
    workers_after: int = 1


@dataclass
class Run:
    """A run in progress, as a scenario's fault sees it."""

    settings: Settings
    cluster: Cluster
    feed: Feed
    log_dir: Path
    simulator: Child
    ingest: Child
    workers: list[WorkerProcess]
    """The workers running now."""
    started: float = 0.0
    every_worker: list[WorkerProcess] = field(default_factory=list)
    faults: list[FaultMark] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Unplanned trouble: a process that exited on its own, a run that never caught up."""
    restarts: int = 0
    """Processes that exited on their own and were started again (as ``restart: on-failure`` would)."""
    killed: set[int] = field(default_factory=set)
    """Pids the fault killed on purpose."""
    ingest_args: tuple[str, ...] = ()
    """Options given to every ``ingest live`` of the run, over the defaults of ``ingest_child``."""
    _incarnations: int = 0

    def now(self) -> float:
        return time.monotonic() - self.started

    async def until(self, at_s: float) -> None:
        """Sleep until ``at_s`` seconds after the simulator started."""
        await asyncio.sleep(max(0.0, at_s - self.now()))

    def mark(self, what: str, *, workers_after: int | None = None) -> FaultMark:
        fault = FaultMark(what, self.now(), workers_after=len(self.workers) if workers_after is None else workers_after)
        self.faults.append(fault)
        return fault

    def repaired(self, fault: FaultMark) -> None:
        fault.repaired_at_s = self.now()

    async def start_worker(self) -> WorkerProcess:
        self._incarnations += 1
        worker = WorkerProcess(self.settings, self.log_dir, f"worker-{self._incarnations}")
        await worker.start()
        self.workers.append(worker)
        self.every_worker.append(worker)
        return worker

    async def kill_worker(self, index: int = 0) -> None:
        worker = self.workers.pop(index)
        await worker.killed()

    async def kill_ingest(self) -> None:
        if self.ingest.process is not None:
            self.killed.add(self.ingest.process.pid)
        await self.ingest.kill()

    async def restart_ingest(self) -> None:
        """SIGKILL ``ingest live`` and start it again."""
        await self.kill_ingest()
        await self.start_ingest()

    async def start_ingest(self) -> None:
        self.ingest = ingest_child(
            self.settings, self.simulator, self.log_dir, self.ingest_token, self._next_name(), self.ingest_args
        )
        await self.ingest.start()

    def unplanned(self, what: str) -> None:
        self.problems.append(f"at {self.now():.1f} s: {what}")
        self.restarts += 1

    def _next_name(self) -> str:
        self._incarnations += 1
        return f"ingest-{self._incarnations}"

    @property
    def ingest_token(self) -> str:
        return self.simulator.env["DDE_AUTH_TOKEN"]


Fault = Callable[[Run], Awaitable[None]]


@dataclass(frozen=True)
class RunResult:
    prefix: str
    derived: Comparable
    samples: tuple[Sample, ...]
    faults: tuple[FaultMark, ...]
    problems: tuple[str, ...]
    duration_s: float
    worker_logs: tuple[Path, ...]
    raw_records: int
    """Records in the raw topics at the end."""
    ingest: dict[str, int]
    """``ingest live``'s counters (frames, duplicates, reconnects...), summed over its runs that ended."""
    restarts: int
    """Processes that exited on their own and were restarted."""


def run_settings(cluster: Cluster, home: Path, tag: str, *, kind: str = "chaos", **overrides: str) -> Settings:
    """Settings for one run on ``cluster``, under a topic prefix of its own; ``overrides`` are further settings."""
    return load_settings(
        KAFKA_BOOTSTRAP_SERVERS=cluster.bootstrap_servers,
        SCHEMA_REGISTRY_URL=cluster.registry_url,
        DDEFLOW_TOPIC_PREFIX=f"{kind}-{tag}-{uuid.uuid4().hex[:8]}.",
        DDEFLOW_HOME=str(home),
        **overrides,
    )


def simulator_child(
    feed: Feed,
    settings: Settings,
    log_dir: Path,
    faults: tuple[str, ...],
    go_live_s: Mapping[str, float] | None = None,
) -> tuple[Child, int]:
    """The simulator serving ``feed``; every match goes live at ``feed.go_live_s`` unless ``go_live_s`` gives
    each fixture its own time."""
    port = free_port()
    schedule = log_dir / "schedule.json"
    if go_live_s is None:
        fixtures = sorted(p.name for sport in Sport for p in (feed.data_dir / sport.value).glob("*") if p.is_dir())
        go_live_s = dict.fromkeys(fixtures, feed.go_live_s)
    log_dir.mkdir(parents=True, exist_ok=True)
    schedule.write_text(json.dumps(go_live_s), encoding="utf-8")
    env = worker_env(settings)
    env["DDE_AUTH_TOKEN"] = secrets.token_urlsafe(18)
    args = [
        "simulate", "--data", str(feed.data_dir), "--port", str(port), "--time-scale", str(feed.time_scale),
        "--schedule", str(schedule), "--seed", str(feed.seed), "--heartbeat-s", "1", "--rate-limit", "0",
    ]  # fmt: skip
    for fault in faults:
        args += ["--fault", fault]
    return Child("simulator", tuple(args), env, log_dir), port


def summary_path(log_dir: Path, ingest_name: str) -> Path:
    return log_dir / f"{ingest_name}.summary.json"


INGEST_COUNTERS = ("frames", "duplicates", "reconnects", "gaps_healed", "dead_letters")


def ingest_totals(log_dir: Path) -> dict[str, int]:
    """The counters of every ``ingest live`` of a run that ended on its own (a killed one writes no summary)."""
    totals = dict.fromkeys(INGEST_COUNTERS, 0)
    for path in sorted(log_dir.glob("*.summary.json")):
        summary = json.loads(path.read_text(encoding="utf-8"))
        for name in INGEST_COUNTERS:
            totals[name] += int(summary.get(name, 0))
    return totals


def ingest_child(
    settings: Settings,
    simulator: Child,
    log_dir: Path,
    token: str,
    name: str,
    extra_args: tuple[str, ...] = (),
) -> Child:
    """``ingest live`` of every sport against the simulator, until every match is finished; ``extra_args``
    override the options it is given here."""
    port = simulator.args[simulator.args.index("--port") + 1]
    env = worker_env(settings)
    env.update(
        DDE_AUTH_TOKEN=token,
        DDE_STREAMS_URL=f"ws://127.0.0.1:{port}",
        DDE_API_URL=f"http://127.0.0.1:{port}",
    )
    args = [
        "ingest", "live", *[arg for sport in Sport for arg in ("--sport", sport.value)], "--stream", "both",
        "--until-finished", "--poll-interval-s", "1", "--lead-s", "30", "--progress-interval-s", "5",
        "--max-requests-per-s", "20", "--backoff-max-s", "2", "--summary-json", str(summary_path(log_dir, name)),
        *extra_args,
    ]  # fmt: skip
    return Child(name, tuple(args), env, log_dir)


INGEST_UP = ("retrying in", "polling fixtures failed", "fixtures live")
"""What ``ingest live`` logs once it polls (the simulator not answering yet)."""
WORKER_UP = "owning partitions"


async def ready(run: Run, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ingest = run.ingest.log.read_text(errors="replace") if run.ingest.log.exists() else ""
        workers = [w.stderr_path.read_text(errors="replace") if w.stderr_path.exists() else "" for w in run.workers]
        if any(mark in ingest for mark in INGEST_UP) and all(WORKER_UP in text for text in workers):
            return True
        await asyncio.sleep(0.2)
    return False


async def wait_listening(simulator: Child, port: int) -> None:
    deadline = time.monotonic() + SIMULATOR_START_TIMEOUT_S
    while not await asyncio.to_thread(port_in_use, port):
        if not simulator.running or time.monotonic() > deadline:
            raise RuntimeError(f"the simulator did not start: {simulator.tail()}")
        await asyncio.sleep(0.1)


async def _supervise(run: Run, done: asyncio.Event) -> None:
    """Restart ``ingest live`` and workers that exit on their own, with a growing wait (as ``restart: on-failure``
    does), and say so in the run's problems."""
    quick_exits = {"ingest": 0, "worker": 0}

    async def wait_before_restart(kind: str, started_at: float) -> None:
        quick_exits[kind] = 0 if time.monotonic() - started_at >= STABLE_S else quick_exits[kind] + 1
        await asyncio.sleep(RESTART_DELAYS_S[min(quick_exits[kind], len(RESTART_DELAYS_S) - 1)])

    while not done.is_set():
        ingest = run.ingest
        code = ingest.returncode
        if code not in (None, 0) and ingest.process is not None and ingest.process.pid not in run.killed:
            last = ingest.tail(400).strip().splitlines()[-1:] or [""]
            run.unplanned(f"{ingest.name} exited {code} on its own ({last[0]}); restarted")
            await wait_before_restart("ingest", ingest.started_at)
            await run.start_ingest()
        for worker in list(run.workers):
            if worker.process is not None and worker.process.returncode is not None:
                run.workers.remove(worker)
                last = worker.stderr_path.read_text(errors="replace").strip().splitlines()[-1:] or [""]
                run.unplanned(f"{worker.name} exited {worker.process.returncode} on its own ({last[0]}); restarted")
                await wait_before_restart("worker", worker.started_at)
                await run.start_worker()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), 0.2)


async def _injected(run: Run, fault: Fault) -> None:
    try:
        await fault(run)
    except Exception as exc:  # the fault itself failed (e.g. the broker did not come back)
        run.problems.append(f"the fault failed at {run.now():.1f} s: {exc!r}")
        if run.cluster.stack is None:
            return
        try:  # once more: the run, and the scenarios after it, need the stack whole
            await asyncio.to_thread(run.cluster.stack.up)
        except Exception as again:
            run.problems.append(f"the stack could not be brought back: {again!r}")
            raise


async def _ingest_finished(run: Run, fault: asyncio.Task[None] | None, timeout_s: float) -> bool:
    """Wait until the fault is over and the current ``ingest live`` ended with 0 (every match over and healed)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if fault is not None and fault.done() and fault.exception() is not None:
            return False  # the stack is broken: nothing will finish
        if (fault is None or fault.done()) and run.ingest.returncode == 0:
            return True
        await asyncio.sleep(0.2)
    return False


async def _catch_up(run: Run, probe: ProgressProbe, timeout_s: float) -> bool:
    """Wait until the group has every running worker and no lag, twice in a row."""
    deadline = time.monotonic() + timeout_s
    streak = 0
    while time.monotonic() < deadline:
        sample = await probe.sample(run.now())
        streak = streak + 1 if sample.lag == 0 and sample.members == len(run.workers) else 0
        if streak >= 2:
            return True
        await asyncio.sleep(0.5)
    return False


async def run_pipeline(
    cluster: Cluster,
    feed: Feed,
    work_dir: Path,
    tag: str,
    *,
    simulator_faults: tuple[str, ...] = (),
    workers: int = 1,
    fault: Fault | None = None,
    timeout_s: float = 600.0,
) -> RunResult:
    began = time.monotonic()
    log_dir = work_dir / "logs"
    settings = run_settings(cluster, work_dir / "home", tag)
    simulator, port = simulator_child(feed, settings, log_dir, simulator_faults)
    run = Run(settings, cluster, feed, log_dir, simulator, Child("ingest", (), {}, log_dir), [])
    probe = ProgressProbe(settings)
    samples: list[Sample] = []
    sampling_done = asyncio.Event()
    sampler: asyncio.Task[None] | None = None
    supervisor: asyncio.Task[None] | None = None
    injected: asyncio.Task[None] | None = None
    supervised = asyncio.Event()
    try:
        # Workers and ingest first, the simulator (whose clock starts the matches) once they are up: on a busy
        # machine a Python process can take many seconds to start, and a match over before ``ingest live``'s
        # first poll would never be ingested at all.
        for _ in range(workers):
            await run.start_worker()
        await run.start_ingest()
        if not await ready(run, READY_TIMEOUT_S):
            run.problems.append(f"the workers or ingest live were not up within {READY_TIMEOUT_S:.0f} s")
        await simulator.start()
        await wait_listening(simulator, port)
        run.started = time.monotonic()
        sampler = asyncio.create_task(sample_until(probe, run.started, samples, sampling_done))
        supervisor = asyncio.create_task(_supervise(run, supervised))
        injected = asyncio.create_task(_injected(run, fault)) if fault is not None else None
        if not await _ingest_finished(run, injected, timeout_s - (time.monotonic() - began)):
            run.problems.append(f"ingest live did not finish within {timeout_s:.0f} s: {run.ingest.tail(600)!r}")
        broken = injected is not None and injected.done() and injected.exception() is not None
        if not broken and not await _catch_up(run, probe, CATCH_UP_TIMEOUT_S):
            run.problems.append(f"the processors did not catch up within {CATCH_UP_TIMEOUT_S:.0f} s after ingest ended")
        supervised.set()
        await supervisor
        sampling_done.set()
        await sampler
        for worker in run.workers:
            if worker.process is not None and worker.process.returncode is None:
                worker.process.terminate()
                try:
                    stopped = await worker.wait(WORKER_STOP_TIMEOUT_S)
                except AssertionError as exc:
                    run.problems.append(str(exc))
                else:
                    if stopped != 0:
                        run.problems.append(f"{worker.name} exited {stopped} on SIGTERM: {worker.tail(600)}")
        derived = comparable(await read_derived(settings))
        final = await probe.sample(run.now())
    finally:
        sampling_done.set()
        supervised.set()
        for task in (sampler, supervisor, injected):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await probe.close()
        for worker in run.every_worker:
            await worker.killed()
        await run.ingest.kill()
        await simulator.stop()
    return RunResult(
        settings.topic_prefix,
        derived,
        tuple(samples),
        tuple(run.faults),
        tuple(run.problems),
        time.monotonic() - began,
        tuple(w.stdout_path for w in run.every_worker),
        final.raw or 0,
        ingest_totals(log_dir),
        run.restarts,
    )
