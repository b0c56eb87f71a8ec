"""The worker and the baseline, each in a child process of its own (spawned, so the measuring side does not share
its interpreter), and their resident memory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import psutil

from ddeflow.config import Settings, load_settings

MB = 1024 * 1024
RESULT_TIMEOUT_S = 1800.0

Child = Callable[[dict[str, str], float, Connection], None]


def _quiet() -> None:
    # aiokafka logs every retried produce at WARNING; only failures matter here.
    logging.basicConfig(level=logging.ERROR)


def worker_child(overrides: dict[str, str], until_idle_s: float, conn: Connection) -> None:
    from ddeflow.processors.worker import run_worker

    _quiet()
    stats = asyncio.run(run_worker(load_settings(**overrides), until_idle_s=until_idle_s))
    conn.send({"summary": stats.summary(), "records_in": stats.records_in})


def _baseline(overrides: dict[str, str], until_idle_s: float, conn: Connection, *, transactional: bool) -> None:
    from ddeflow.bench.baseline import passthrough

    _quiet()
    moved = asyncio.run(passthrough(load_settings(**overrides), until_idle_s, transactional=transactional))
    conn.send({"summary": f"{moved} records moved", "records_in": moved})


def transactional_child(overrides: dict[str, str], until_idle_s: float, conn: Connection) -> None:
    _baseline(overrides, until_idle_s, conn, transactional=True)


def plain_child(overrides: dict[str, str], until_idle_s: float, conn: Connection) -> None:
    _baseline(overrides, until_idle_s, conn, transactional=False)


@dataclass
class ChildRun:
    process: multiprocessing.process.BaseProcess
    conn: Connection

    @property
    def name(self) -> str:
        return self.process.name or "child"

    def rss_mb(self) -> float | None:
        pid = self.process.pid
        if pid is None:
            return None
        with contextlib.suppress(psutil.Error):
            return psutil.Process(pid).memory_info().rss / MB
        return None

    async def result(self, timeout_s: float = RESULT_TIMEOUT_S) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while not self.conn.poll():
            if not self.process.is_alive() and not self.conn.poll():
                raise RuntimeError(f"{self.name} died with exit code {self.process.exitcode}")
            if time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError(f"{self.name} still running after {timeout_s:.0f} s")
            await asyncio.sleep(0.1)
        found: dict[str, Any] = self.conn.recv()
        self.process.join(30)
        return found

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
            self.process.join(10)


def child_env(settings: Settings, extra: Mapping[str, str] = {}) -> dict[str, str]:
    """The settings a child needs, as the variables it loads them from; ``extra`` wins."""
    return {
        "KAFKA_BOOTSTRAP_SERVERS": str(settings.kafka_bootstrap_servers),
        "SCHEMA_REGISTRY_URL": str(settings.schema_registry_url),
        "DDEFLOW_TOPIC_PREFIX": settings.topic_prefix,
        "DDEFLOW_HOME": str(settings.home),
        "DDEFLOW_FETCH_MAX_WAIT_MS": str(settings.fetch_max_wait_ms),
        "DDEFLOW_LINGER_MS": str(settings.linger_ms),
        **extra,
    }


def start_child(target: Child, settings: Settings, until_idle_s: float, extra: Mapping[str, str] = {}) -> ChildRun:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(
        target=target, args=(child_env(settings, extra), until_idle_s, child), name=target.__name__
    )
    process.start()
    child.close()
    return ChildRun(process, parent)
