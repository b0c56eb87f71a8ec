"""``ddeflow replay`` in the security tests: the command as a subprocess, and what it wrote read back as the
administrator (the loopback PLAINTEXT listener), for comparing with what the live worker wrote."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ddeflow.config import Settings, load_settings
from ddeflow.harness.derived import read_derived
from ddeflow.processors.replay import ReplayStats, run_replay
from ddeflow.processors.replay_range import Plan, Request, make_filters, parse_bound
from tests.security.conftest import SecureStack

REPO = Path(__file__).resolve().parents[2]
REPLAY_TIMEOUT_S = 240.0


@dataclass(frozen=True)
class Finished:
    code: int
    stdout: str
    stderr: str


async def replay_command(env: dict[str, str], args: list[str], log_dir: Path, *, verbose: bool = False) -> Finished:
    """``ddeflow [-v] replay ARGS`` in ``env``; its output is also kept under ``log_dir``."""
    argv = [sys.executable, "-m", "ddeflow.cli", *(["-v"] if verbose else []), "replay", *args]
    process = await asyncio.create_subprocess_exec(
        *argv, cwd=REPO, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), REPLAY_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    _keep(log_dir, out, err)
    assert process.returncode is not None
    return Finished(process.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


def _keep(log_dir: Path, out: bytes, err: bytes) -> None:
    log_dir.mkdir(parents=True, exist_ok=True)
    (log_dir / "replay.out").write_bytes(out)
    (log_dir / "replay.err").write_bytes(err)


async def derived_under(stack: SecureStack, prefix: str) -> Comparable:
    """Every derived topic under ``prefix``, per key, as ``Derived.comparable`` has it."""
    admin = load_settings(
        KAFKA_BOOTSTRAP_SERVERS=stack.plain_bootstrap,
        SCHEMA_REGISTRY_URL=stack.registry_url,
        DDEFLOW_TOPIC_PREFIX=prefix,
    )
    return (await read_derived(admin)).comparable()


Comparable = dict[str, dict[str | None, list[Any]]]


def of_fixture(derived: Comparable, fixture_id: str) -> Comparable:
    """One fixture's records, per topic and key: the keys (fixtureIds; actionIds, unique to a fixture) that have
    a record of the fixture, with every record of theirs.  Topics left with none are left out."""

    def ours(key: str | None, values: list[Any]) -> bool:
        return key == fixture_id or any(isinstance(v, dict) and v.get("fixtureId") == fixture_id for v in values)

    found = {name: {k: v for k, v in by_key.items() if ours(k, v)} for name, by_key in derived.items()}
    return {name: by_key for name, by_key in found.items() if by_key}


async def replay_in_process(
    settings: Settings, into: str, *, fixture: str | None = None, start: str | None = None, end: str | None = None
) -> tuple[Plan, ReplayStats]:
    """``run_replay`` as ``ddeflow replay --into INTO [--fixture F] [--from S] [--to E]`` runs it, to its end."""
    filters = make_filters([], None, [fixture] if fixture else [])
    request = Request(settings.topic_prefix, start, end, filters, False)
    bounds = [None if b is None else parse_bound(b, what="a bound") for b in (start, end)]
    done = await asyncio.wait_for(
        run_replay(
            settings,
            request,
            bounds[0],
            bounds[1],
            into=into,
            max_batch=1000,
            stop=asyncio.Event(),
            progress=lambda plan: lambda stats, passed: None,
            announce=lambda plan, resumed: None,
        ),
        REPLAY_TIMEOUT_S,
    )
    assert done is not None
    return done
