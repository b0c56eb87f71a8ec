"""The faults of the chaos suite, one per scenario, each timed as a fraction of the longest match.

A continuous fault (the simulator's) has no moment to recover from; the others mark when they
struck and when their cause was gone, for the recovery times.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from ddeflow.admin import partition_leader
from ddeflow.chaos.data import busiest_fixture
from ddeflow.chaos.pipeline import Fault, Run
from ddeflow.errors import InfrastructureError
from ddeflow.harness.derived import options
from ddeflow.partitioning import partition_for
from ddeflow.producers.raw_records import Stream, raw_topic
from ddeflow.topics import RAW_PARTITIONS

WORKER_KILLS = 5
INGEST_KILLS = 2
BROKER_DOWN_S = 30.0
INGEST_DOWN_AFTER_FINISH_S = 2.0
LEADER_DOWN_S = 10.0


@dataclass(frozen=True)
class Scenario:
    number: int
    name: str
    title: str
    fault: Fault | None = None
    simulator_faults: tuple[str, ...] = ()
    workers: int = 1
    needs_stack: bool = False
    """Breaks the broker or registry: only with the embedded stack this process started."""
    gap: str | None = None
    """Why the scenario cannot run yet (reported as a gap, never as a pass)."""
    brokers: int = 1
    """Runs on an embedded stack of this many brokers (the suite starts one for it)."""

    @property
    def continuous(self) -> bool:
        """The fault lasts the whole run (the simulator's), so there is no moment to recover from."""
        return bool(self.simulator_faults)


async def _kill_worker_repeatedly(run: Run) -> None:
    for n in range(WORKER_KILLS):
        await run.until(run.feed.at(0.1 + 0.15 * n))
        fault = run.mark(f"worker SIGKILL {n + 1}/{WORKER_KILLS}")
        await run.kill_worker(0)
        await run.start_worker()
        run.repaired(fault)


async def _kill_broker(run: Run) -> None:
    control = run.cluster.control()
    await run.until(run.feed.at(0.3))
    fault = run.mark("broker SIGKILL, then restarted")
    await control.kill("kafka")
    await control.up()
    run.repaired(fault)


async def _broker_down(run: Run) -> None:
    control = run.cluster.control()
    await run.until(run.feed.at(0.2))
    fault = run.mark(f"broker stopped for {BROKER_DOWN_S:.0f} s")
    await control.stop("kafka")
    await asyncio.sleep(BROKER_DOWN_S)
    await control.up()
    run.repaired(fault)


async def _restart_registry(run: Run) -> None:
    control = run.cluster.control()
    await run.until(run.feed.at(0.3))
    fault = run.mark("registry stopped and started")
    await control.stop("registry")
    await control.up()
    run.repaired(fault)


async def _kill_ingest_repeatedly(run: Run) -> None:
    """Each restart comes while every match is still live, so the restarted process finds them all."""
    for n, fraction in enumerate((0.15, 0.4)[:INGEST_KILLS]):
        await run.until(run.feed.while_all_live(fraction))
        fault = run.mark(f"ingest live SIGKILL {n + 1}/{INGEST_KILLS}, restarted")
        await run.restart_ingest()
        run.repaired(fault)


async def _ingest_down_over_a_final_whistle(run: Run) -> None:
    """Down from shortly before the shortest match ends until shortly after: the restarted process must still
    get that match's last packets (from the feed's replay or from REST)."""
    await run.until(run.feed.while_all_live(0.9))
    fault = run.mark("ingest live SIGKILL, restarted once the shortest match is over")
    await run.kill_ingest()
    await run.until(run.feed.while_all_live(1.0) + INGEST_DOWN_AFTER_FINISH_S)
    await run.start_ingest()
    run.repaired(fault)


async def _kill_one_of_two_workers(run: Run) -> None:
    await run.until(run.feed.at(0.35))
    fault = run.mark("one of two workers SIGKILL", workers_after=1)
    await run.kill_worker(0)
    run.repaired(fault)


async def _kill_busy_leader(run: Run) -> None:
    """SIGKILL the broker leading the raw partition of the match with the most packets; start it again 10 s on."""
    stack = run.cluster.control().stack
    sport, fixture_id = busiest_fixture(run.feed.data_dir)
    topic = raw_topic(run.settings.topic_prefix, sport, Stream.ACTIONS)
    partition = partition_for(fixture_id.encode(), RAW_PARTITIONS)
    await run.until(run.feed.at(0.3))
    leader = await partition_leader(options(run.settings), topic, partition)
    if leader is None:
        raise InfrastructureError(f"{topic}[{partition}] has no leader to kill")
    fault = run.mark(
        f"broker {leader}, leader of {topic.removeprefix(run.settings.topic_prefix)}[{partition}], SIGKILL"
    )
    await asyncio.to_thread(stack.kill_broker, leader)
    await asyncio.sleep(LEADER_DOWN_S)
    await asyncio.to_thread(stack.start_broker, leader)
    run.repaired(fault)


CONTROL = Scenario(0, "control", "no fault: a second uninterrupted run")
SCENARIOS: tuple[Scenario, ...] = (
    Scenario(1, "worker-kill", f"the worker SIGKILLed {WORKER_KILLS} times", _kill_worker_repeatedly),
    Scenario(2, "broker-kill", "the broker SIGKILLed and restarted mid-stream", _kill_broker, needs_stack=True),
    Scenario(
        3,
        "broker-down",
        f"the broker down {BROKER_DOWN_S:.0f} s, ingest and worker running",
        _broker_down,
        needs_stack=True,
    ),
    Scenario(4, "registry-restart", "the registry restarted mid-stream", _restart_registry, needs_stack=True),
    Scenario(5, "ws-cuts", "websockets cut every 40 frames", simulator_faults=("drop_after_packets=40",)),
    Scenario(
        6,
        "duplicate-storm",
        "every frame delivered 3 times",
        simulator_faults=("duplicate_probability=1,duplicate_copies=2",),
    ),
    Scenario(7, "ingest-kill", f"ingest live SIGKILLed {INGEST_KILLS} times", _kill_ingest_repeatedly),
    Scenario(
        8, "worker-takeover", "two workers, one SIGKILLed: the survivor takes over", _kill_one_of_two_workers, workers=2
    ),
    Scenario(
        9,
        "leader-kill",
        "three brokers, the leader of the busiest partition SIGKILLed",
        _kill_busy_leader,
        needs_stack=True,
        brokers=3,
    ),
    Scenario(
        10,
        "ingest-down-at-finish",
        "ingest live down while a match finishes, restarted after",
        _ingest_down_over_a_final_whistle,
    ),
)
CI_PROFILE = (1, 6)
"""Within CI's time budget (``make test-faults``), the two faults the processors' exactly-once must absorb end to
end: a worker SIGKILLed mid-transaction and every frame delivered three times.  5 and 8 are left to ``make chaos``
for time only (the suite covers resumed websockets and two workers in tests of their own).  Not 2-4 (a broker or
registry restart takes minutes on a busy machine), nor 9 (a three-broker stack of its own is too slow to start for
CI), nor 7 and 10, for time only: each adds a full run with ``ingest live`` restarts, and both come out clean since
a restarted ``ingest live`` resumes and reconciles the matches that ended while it was down."""


def by_number(numbers: tuple[int, ...]) -> list[Scenario]:
    known = {s.number: s for s in (CONTROL, *SCENARIOS)}
    unknown = [n for n in numbers if n not in known]
    if unknown:
        raise ValueError(f"no chaos scenario {unknown}; known: {sorted(known)}")
    return [known[n] for n in numbers]
