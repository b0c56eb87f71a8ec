"""A chaos suite: one golden run, then each scenario's run compared with it and timed to recovery."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path

from ddeflow.chaos.cluster import Cluster
from ddeflow.chaos.compare import Counts, TopicDiff, compare_runs, total
from ddeflow.chaos.pipeline import FaultMark, Feed, RunResult, run_pipeline
from ddeflow.chaos.records import record_counts
from ddeflow.chaos.recovery import recovery_s
from ddeflow.chaos.scenarios import Scenario
from ddeflow.errors import DdeflowError

log = logging.getLogger(__name__)


class ChaosError(DdeflowError):
    """The golden run itself failed, so there is nothing to compare with."""


@dataclass(frozen=True, slots=True)
class FaultOutcome:
    what: str
    at_s: float
    repaired_at_s: float | None
    recovered_after_s: float | None
    """Fault to caught-up-again; None if the run never caught up."""


@dataclass(frozen=True)
class ScenarioOutcome:
    scenario: Scenario
    status: str
    """``clean`` (0 everywhere), ``differs``, ``error`` (the run broke), ``gap`` or ``skipped`` (not run)."""
    totals: Counts | None
    topics: tuple[TopicDiff, ...]
    faults: tuple[FaultOutcome, ...]
    problems: tuple[str, ...]
    duration_s: float
    note: str = ""
    raw_records: int | None = None
    ingest: Mapping[str, int] = field(default_factory=dict)
    restarts: int = 0
    """Processes that exited on their own (each one also listed in ``problems``)."""

    @property
    def recovery_max_s(self) -> float | None:
        times = [f.recovered_after_s for f in self.faults]
        return None if not times or None in times else max(t for t in times if t is not None)


@dataclass(frozen=True)
class SuiteOutcome:
    golden: RunResult
    scenarios: tuple[ScenarioOutcome, ...]
    duration_s: float
    feed: Feed

    @property
    def passed(self) -> bool:
        return all(s.status in ("clean", "gap", "skipped") for s in self.scenarios)


def _faults(result: RunResult, golden: RunResult) -> tuple[FaultOutcome, ...]:
    return tuple(
        FaultOutcome(mark.what, mark.at_s, mark.repaired_at_s, _recovery(mark, result, golden))
        for mark in result.faults
    )


def _recovery(mark: FaultMark, result: RunResult, golden: RunResult) -> float | None:
    if mark.repaired_at_s is None:
        return None
    return recovery_s(
        result.samples,
        golden.samples,
        fault_at_s=mark.at_s,
        repaired_at_s=mark.repaired_at_s,
        workers=mark.workers_after,
    )


def judge(scenario: Scenario, result: RunResult, golden: RunResult) -> ScenarioOutcome:
    diffs = tuple(compare_runs(golden.derived, result.derived))
    totals = total(diffs)
    status = "error" if result.problems else ("clean" if totals.clean else "differs")
    return ScenarioOutcome(
        scenario,
        status,
        totals,
        diffs,
        _faults(result, golden),
        result.problems,
        result.duration_s,
        raw_records=result.raw_records,
        ingest=result.ingest,
        restarts=result.restarts,
    )


def not_run(scenario: Scenario, status: str, note: str, duration_s: float = 0.0) -> ScenarioOutcome:
    return ScenarioOutcome(scenario, status, None, (), (), (), duration_s, note)


MultiBroker = Callable[[], AbstractAsyncContextManager[Cluster]]
"""Starts (and at the end stops) an embedded stack of three brokers, for the scenarios that need one."""


async def run_suite(
    cluster: Cluster,
    feed: Feed,
    scenarios: Sequence[Scenario],
    work_dir: Path,
    *,
    timeout_s: float = 600.0,
    multi_broker: MultiBroker | None = None,
) -> SuiteOutcome:
    began = time.monotonic()
    log.info("golden run: %s", feed)
    golden = await run_pipeline(cluster, feed, work_dir / "golden", "golden", timeout_s=timeout_s)
    if golden.problems:
        raise ChaosError("the golden run did not complete: " + "; ".join(golden.problems))
    log.info("golden run: %.0f s, %s", golden.duration_s, record_counts(golden.derived))
    outcomes: list[ScenarioOutcome] = []
    for scenario in scenarios:
        if scenario.gap is not None:
            outcomes.append(not_run(scenario, "gap", scenario.gap))
            continue
        if scenario.needs_stack and cluster.stack is None:
            outcomes.append(not_run(scenario, "skipped", "needs the embedded stack the chaos suite starts itself"))
            continue
        if scenario.brokers > 1 and multi_broker is None:
            outcomes.append(not_run(scenario, "skipped", f"needs an embedded stack of {scenario.brokers} brokers"))
            continue
        log.info("scenario %d: %s", scenario.number, scenario.title)
        started = time.monotonic()
        try:
            if cluster.stack is not None:  # a failed fault may have left a service down: start whatever is
                await asyncio.to_thread(cluster.stack.up)
            async with contextlib.AsyncExitStack() as stack:
                on = cluster
                if scenario.brokers > 1 and multi_broker is not None:
                    on = await stack.enter_async_context(multi_broker())
                result = await run_pipeline(
                    on,
                    feed,
                    work_dir / f"s{scenario.number}-{scenario.name}",
                    f"s{scenario.number}",
                    simulator_faults=scenario.simulator_faults,
                    workers=scenario.workers,
                    fault=scenario.fault,
                    timeout_s=timeout_s,
                )
        except Exception as exc:  # the harness itself broke on this scenario: say so, go on with the next
            log.exception("scenario %d could not be run", scenario.number)
            outcomes.append(not_run(scenario, "error", f"the run broke: {exc!r}", time.monotonic() - started))
            continue
        outcome = judge(scenario, result, golden)
        log.info("scenario %d: %s %s in %.0f s", scenario.number, outcome.status, outcome.totals, result.duration_s)
        outcomes.append(outcome)
    return SuiteOutcome(golden, tuple(outcomes), time.monotonic() - began, feed)
