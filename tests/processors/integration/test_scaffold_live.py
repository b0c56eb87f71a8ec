"""A scaffolded processor, installed as its own package, in a live pipeline: exactly once under a SIGKILL.

``ddeflow new-processor`` writes the package (its own test passing unchanged is checked in
``tests/processors/kit/test_scaffold_and_list.py``); one line is edited (it also takes basketball); it is installed
with pip into a folder of its own, put on the worker's ``PYTHONPATH`` (so this environment's entry points stay as
they are for the other tests), and found through its ``ddeflow.processors`` entry point.  A worker committing
small transactions is killed with SIGKILL once it has committed some, a second one finishes: the processor's
topic holds each fixture's count 1, 2, ... n once, n being the fixture's applied packets, duplicates and stale
re-sends in the input notwithstanding.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ddeflow.avro import AvroCodec
from ddeflow.dde import Sport
from ddeflow.endpoints import resolve
from ddeflow.processors.scaffold import scaffold
from ddeflow.registry import SchemaRegistry
from ddeflow.simulator.generator import generate_match
from tests.infra import Infra
from tests.processors.integration.kafka_io import (
    WorkerProcess,
    feed,
    group_progress,
    new_settings,
    plain,
    read_topic,
    run_until_idle,
)
from tests.processors.integration.plan import Kind, Match, build_plan

pytestmark = [pytest.mark.timeout(300), pytest.mark.separate]  # about a minute: `make test-scaffold`

NAME = "e2e-counted"


def _install(tmp_path: Path) -> Path:
    made = scaffold(NAME, Sport.SOCCER)
    package = tmp_path / "package"
    for path, text in made.files.items():
        (package / path).parent.mkdir(parents=True, exist_ok=True)
        (package / path).write_text(text, encoding="utf-8")
    module = package / made.module / "__init__.py"
    code = module.read_text(encoding="utf-8")
    edited = code.replace("sports=frozenset({Sport.SOCCER}),", "sports=frozenset({Sport.SOCCER, Sport.BASKETBALL}),")
    assert edited != code and len(edited.splitlines()) == len(code.splitlines())
    module.write_text(edited, encoding="utf-8")
    site = tmp_path / "site"
    # pip builds it as a user would (setuptools in an isolated build environment, from the pip cache or PyPI).
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(package)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return site


def _matches() -> list[Match]:
    out = []
    for sport, seed in ((Sport.BASKETBALL, 3), (Sport.SOCCER, 4), (Sport.VOLLEYBALL, 5)):
        generated = generate_match(sport.value, seed, 0)
        lines = tuple(line.encode() for line in generated.actions)
        out.append(Match(sport, generated.fixture_id, lines, (), generated.truth))
    return out


async def test_a_scaffolded_processor_runs_live_exactly_once_under_sigkill(
    infra: Infra, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _install(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(site))
    settings = new_settings(infra, tmp_path, "scaffold")
    matches = _matches()
    plan = build_plan(matches, seed=3)
    await feed(settings, plan)

    first = WorkerProcess(settings, tmp_path / "logs", "first", extra_args=("--max-batch", "20"))
    await first.start()
    started = await group_progress(settings)
    deadline = time.monotonic() + 90
    while (await group_progress(settings)).committed <= started.committed + 100:
        assert first.process is not None and first.process.returncode is None, first.tail()
        assert time.monotonic() < deadline, f"the first worker committed too little; {first.tail()}"
        await asyncio.sleep(0.05)
    await first.killed()
    finisher = await run_until_idle(settings, tmp_path / "logs", "finisher")
    assert "processor.e2e-counted.errors" not in finisher.output()

    topic = settings.topic(f"dde.{NAME}")
    async with SchemaRegistry(resolve(settings).registry_url) as registry:
        codec = AvroCodec(registry)
        values = [plain(await codec.decode(m.value)) for m in await read_topic(settings, topic)]
    by_fixture: dict[str, list[int]] = {}
    for value in values:
        by_fixture.setdefault(value["fixtureId"], []).append(value["count"])
    originals = {
        m.fixture_id: sum(1 for d in plan if d.fixture_id == m.fixture_id and d.kind is Kind.ORIGINAL)
        for m in matches
        if m.sport in (Sport.SOCCER, Sport.BASKETBALL)
    }
    assert {f: len(c) for f, c in by_fixture.items()} == originals
    for fixture_id, counts in by_fixture.items():
        assert counts == list(range(1, len(counts) + 1)), fixture_id
