"""The simulator and ``ingest live`` as subprocesses of a chaos run, with their output in log files."""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ddeflow.harness.worker_process import REPO


@dataclass
class Child:
    """``python -m ddeflow.cli <args>`` with its own environment; stdout and stderr go to ``log_dir/<name>.*``."""

    name: str
    args: tuple[str, ...]
    env: dict[str, str]
    log_dir: Path
    process: asyncio.subprocess.Process | None = field(default=None, init=False)
    started_at: float = field(default=0.0, init=False)

    @property
    def log(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    async def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "ddeflow.cli", *self.args, cwd=REPO, env=self.env, stdout=out, stderr=out
            )
        self.started_at = time.monotonic()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.returncode

    async def kill(self) -> None:
        """SIGKILL, and wait until it is gone."""
        if self.process is not None:
            if self.process.returncode is None:
                self.process.kill()
            await self.process.wait()

    async def stop(self, timeout_s: float = 30.0) -> int | None:
        """SIGTERM; SIGKILL if it is still there after ``timeout_s``."""
        if self.process is None:
            return None
        if self.process.returncode is None:
            self.process.terminate()
        try:
            return await asyncio.wait_for(self.process.wait(), timeout_s)
        except TimeoutError:
            await self.kill()
            return self.process.returncode

    async def wait(self, timeout_s: float) -> int | None:
        """The exit code, or None if it is still running after ``timeout_s``."""
        if self.process is None:
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(self.process.wait()), timeout_s)
        except TimeoutError:
            return None

    def tail(self, chars: int = 1500) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""
