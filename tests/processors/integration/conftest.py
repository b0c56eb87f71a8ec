"""Session fixtures of the end-to-end processor tests: generated matches, the feed plans, and two reference runs.

The reference runs (one over the plain plan, one over the plan with bad and odd frames)
are made once and shared: the truth tests read the first, the crash and two-worker tests
compare their own runs with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ddeflow.config import Settings
from ddeflow.dde.sports import Sport
from ddeflow.simulator.generator import generate
from tests.infra import Infra
from tests.processors.integration.kafka_io import (
    Derived,
    WorkerProcess,
    Written,
    feed,
    new_settings,
    read_derived,
    run_until_idle,
)
from tests.processors.integration.plan import (
    Delivery,
    Match,
    OddFixture,
    bad_deliveries,
    build_plan,
    load_matches,
    mix_in,
    odd_fixture,
)

GENERATOR_SEED = 11
PLAN_SEED = 2024
FIXTURES_PER_SPORT = 2
WORKER_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Run:
    """One worker run over a plan, and what it left in the derived topics."""

    settings: Settings
    plan: tuple[Delivery, ...]
    written: list[Written]
    derived: Derived
    workers: list[WorkerProcess]


@dataclass(frozen=True)
class Trouble:
    bad: tuple[Delivery, ...]
    odd: OddFixture
    plan: tuple[Delivery, ...]
    """The plain plan with ``bad`` and ``odd.deliveries`` mixed in."""


@pytest.fixture(scope="session")
def e2e_matches(tmp_path_factory: pytest.TempPathFactory) -> list[Match]:
    out = tmp_path_factory.mktemp("e2e-matches")
    generate("all", FIXTURES_PER_SPORT, GENERATOR_SEED, out, statistics=True)
    return load_matches(out)


@pytest.fixture(scope="session")
def e2e_plan(e2e_matches: list[Match]) -> tuple[Delivery, ...]:
    return build_plan(e2e_matches, seed=PLAN_SEED)


@pytest.fixture(scope="session")
def trouble(e2e_matches: list[Match], e2e_plan: tuple[Delivery, ...]) -> Trouble:
    basketball = next(m for m in e2e_matches if m.sport is Sport.BASKETBALL)
    snooker = next(m for m in e2e_matches if m.sport is Sport.SNOOKER)
    bad = bad_deliveries(basketball, snooker)
    odd = odd_fixture(basketball)
    return Trouble(bad, odd, mix_in(e2e_plan, (*bad, *odd.deliveries), seed=PLAN_SEED + 1))


@pytest.fixture(scope="session")
def e2e_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-worker-logs")


async def single_run(infra: Infra, home: Path, logs: Path, tag: str, plan: tuple[Delivery, ...]) -> Run:
    settings = new_settings(infra, home, tag)
    written = await feed(settings, plan)
    worker = await run_until_idle(settings, logs, f"{tag}-single", timeout_s=WORKER_TIMEOUT_S)
    return Run(settings, plan, written, await read_derived(settings), [worker])


@pytest.fixture(scope="session")
async def reference_run(
    infra: Infra, e2e_plan: tuple[Delivery, ...], e2e_logs: Path, tmp_path_factory: pytest.TempPathFactory
) -> Run:
    return await single_run(infra, tmp_path_factory.mktemp("ref-home"), e2e_logs, "ref", e2e_plan)


@pytest.fixture(scope="session")
async def trouble_run(infra: Infra, trouble: Trouble, e2e_logs: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return await single_run(infra, tmp_path_factory.mktemp("trouble-home"), e2e_logs, "bad", trouble.plan)
