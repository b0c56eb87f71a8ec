"""A Faust app's worker as a subprocess (``python -m faust -A <module> worker``), for the integration tests."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ddeflow.harness.worker_process import REPO

STOP_TIMEOUT_S = 60.0


@dataclass
class FaustWorker:
    module: str
    env: dict[str, str]
    log_dir: Path
    name: str
    extra_args: tuple[str, ...] = ()
    """Options of the worker command."""
    datadir: Path | None = None
    """Where Faust keeps the app's files (``--datadir``); default ``<app id>-data`` in the checkout."""
    process: asyncio.subprocess.Process | None = field(default=None, init=False)

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    async def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        datadir = ["--datadir", str(self.datadir)] if self.datadir is not None else []
        args = [sys.executable, "-m", "faust", *datadir, "-A", self.module, "worker", "-l", "info", *self.extra_args]
        with self.log_path.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                *args, cwd=REPO, env=self.env, stdout=log, stderr=asyncio.subprocess.STDOUT
            )

    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def stop(self) -> None:
        """SIGTERM, Faust's graceful shutdown; SIGKILL if it has not ended in ``STOP_TIMEOUT_S``."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()

    def tail(self, chars: int = 3000) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return f"{self.name} log: {text[-chars:]!r}"
