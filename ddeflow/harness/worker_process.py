"""``ddeflow process`` as a subprocess (which a test or a chaos scenario may SIGKILL), and the processors' group
progress over the raw topics."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from ddeflow import topics
from ddeflow.config import Settings
from ddeflow.harness.derived import options

REPO = Path(__file__).resolve().parents[2]
GROUP = "ddeflow-processors"

_COUNTER = re.compile(r"([a-z][a-z0-9_.-]*)=(\d+)")  # processor names hold digits and dashes
_RECORDS_IN = re.compile(r"(\d+) raw records in")


def worker_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DDE_", "KAFKA_", "DDEFLOW_", "SCHEMA_"))}
    env.update(
        KAFKA_BOOTSTRAP_SERVERS=str(settings.kafka_bootstrap_servers),
        SCHEMA_REGISTRY_URL=str(settings.schema_registry_url),
        DDEFLOW_TOPIC_PREFIX=settings.topic_prefix,
        DDEFLOW_HOME=str(settings.home),
        DDEFLOW_STATE_GRACE_S=str(settings.state_grace_s),
    )
    return env


@dataclass
class WorkerProcess:
    """``ddeflow process`` in a subprocess; its output goes to files under ``log_dir``."""

    settings: Settings
    log_dir: Path
    name: str
    until_idle_s: float | None = None
    extra_args: tuple[str, ...] = ()
    process: asyncio.subprocess.Process | None = field(default=None, init=False)
    started_at: float = field(default=0.0, init=False)

    @property
    def stdout_path(self) -> Path:
        return self.log_dir / f"{self.name}.out"

    @property
    def stderr_path(self) -> Path:
        return self.log_dir / f"{self.name}.err"

    async def start(self) -> None:
        args = [sys.executable, "-m", "ddeflow.cli", "process"]
        if self.until_idle_s is not None:
            args += ["--until-idle", str(self.until_idle_s)]
        args += list(self.extra_args)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = await asyncio.create_subprocess_exec(
                *args, cwd=REPO, env=worker_env(self.settings), stdout=out, stderr=err
            )
        self.started_at = time.monotonic()

    async def wait(self, timeout_s: float) -> int:
        assert self.process is not None
        try:
            return await asyncio.wait_for(self.process.wait(), timeout_s)
        except TimeoutError:
            self.kill()
            await self.process.wait()
            raise AssertionError(f"worker {self.name} still running after {timeout_s} s; {self.tail()}") from None

    def kill(self) -> None:
        """SIGKILL: no chance to flush, commit or leave the group."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()

    def freeze(self) -> None:
        """SIGSTOP: the worker sends nothing more until thawed (what it already wrote to a socket still goes)."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGCONT)

    async def killed(self) -> None:
        self.kill()
        if self.process is not None:
            await self.process.wait()

    def tail(self, chars: int = 3000) -> str:
        err = self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""
        out = self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""
        return f"stdout: {out[-chars:]!r}\nstderr: {err[-chars:]!r}"

    def output(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def counters(self) -> dict[str, int]:
        """The counters of the summary line the worker prints when it ends (``... records/s; name=n, ...``)."""
        lines = [line for line in self.output().splitlines() if "raw records in" in line]
        if not lines:
            return {}
        _, _, listed = lines[-1].partition("; ")
        return {name: int(value) for name, value in _COUNTER.findall(listed)}

    def records_in(self) -> int:
        found = _RECORDS_IN.findall(self.output())
        return int(found[-1]) if found else 0


@dataclass(frozen=True, slots=True)
class GroupProgress:
    committed: int
    """Sum of the processors' group's committed offsets over the raw topics."""
    lag: int
    """Raw records appended but not yet committed by the group."""


async def group_progress(settings: Settings, group: str | None = None) -> GroupProgress:
    """Progress of ``group`` (default: the processors' group under the settings' prefix) over the raw topics."""
    admin = AIOKafkaAdminClient(**options(settings))
    consumer = AIOKafkaConsumer(**options(settings), group_id=None)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group or settings.topic(GROUP))
        tps = [
            TopicPartition(spec.name, p)
            for spec in topics.raw_topics(settings.topic_prefix)
            for p in range(spec.partitions)
        ]
        ends = await consumer.end_offsets(tps)
        done = {tp: committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0 for tp in tps}
        return GroupProgress(sum(done.values()), sum(max(0, ends[tp] - done[tp]) for tp in tps))
    finally:
        await consumer.stop()
        await admin.close()


async def group_state(settings: Settings, group: str | None = None) -> tuple[str, int]:
    """The group's state (``Empty``, ``PreparingRebalance``, ``Stable``...) and how many members it has."""
    admin = AIOKafkaAdminClient(**options(settings))
    await admin.start()
    try:
        responses = await admin.describe_consumer_groups([group or settings.topic(GROUP)])
        # DescribeGroups v2 rows: (error_code, group_id, state, protocol_type, protocol, members, ...)
        rows = [row for response in responses for row in response.groups]
        return (rows[0][2] if rows else "Dead"), sum(len(row[5]) for row in rows)
    finally:
        await admin.close()


async def group_members(settings: Settings, group: str | None = None) -> int:
    return (await group_state(settings, group))[1]
