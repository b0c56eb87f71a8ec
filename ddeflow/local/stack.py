"""The embedded default: one KRaft Kafka node and Apicurio Registry on loopback, run from Maven Central jars.

``up`` is idempotent (a running pair is reused), ``down`` stops only the pids
``up`` recorded in ``stack.json`` (and only if their command line still carries
our marker), and ``status`` asks the services themselves rather than trusting
the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from ddeflow.config import Settings
from ddeflow.errors import InfrastructureError, ServiceStartError
from ddeflow.local import artifacts, processes, readiness
from ddeflow.local.layout import (
    Ports,
    StackLayout,
    kafka_command,
    kafka_log4j,
    kafka_properties,
    new_cluster_id,
    registry_command,
    storage_format_command,
)

KAFKA_START_TIMEOUT_S = 90.0
REGISTRY_START_TIMEOUT_S = 120.0
FORMAT_TIMEOUT_S = 120.0


@dataclass(frozen=True, slots=True)
class ServiceState:
    name: str
    pid: int | None
    running: bool
    answering: bool
    address: str


@dataclass(frozen=True, slots=True)
class StackInfo:
    bootstrap_servers: str
    registry_url: str
    kafka_pid: int
    registry_pid: int
    reused: bool


def registry_url_for(port: int) -> str:
    return f"http://127.0.0.1:{port}/apis/ccompat/v7"


class LocalStack:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.layout = StackLayout(settings.home)

    # --- state file -----------------------------------------------------------------

    def _read_state(self) -> dict[str, object]:
        try:
            data = json.loads(self.layout.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write_state(self, state: dict[str, object]) -> None:
        tmp = self.layout.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
        tmp.replace(self.layout.state_file)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.layout.root.mkdir(parents=True, exist_ok=True)
        with self.layout.lock_file.open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _ports(self, state: dict[str, object]) -> Ports:
        recorded = state.get("ports")
        if isinstance(recorded, dict):
            with contextlib.suppress(TypeError, ValueError):
                return Ports(**{k: int(v) for k, v in recorded.items()})
        kafka = self._settings.local_kafka_port
        registry = self._settings.local_registry_port
        return Ports(
            kafka=kafka,
            controller=self._settings.local_controller_port or kafka + 1,
            registry=registry,
            registry_management=self._settings.local_registry_management_port or registry + 1,
        )

    @staticmethod
    def _pid(state: dict[str, object], key: str) -> int | None:
        value = state.get(key)
        return value if isinstance(value, int) else None

    # --- status ---------------------------------------------------------------------

    def status(self) -> list[ServiceState]:
        state = self._read_state()
        ports = self._ports(state)
        bootstrap = f"127.0.0.1:{ports.kafka}"
        registry = registry_url_for(ports.registry)
        kafka_pid = self._pid(state, "kafka_pid")
        registry_pid = self._pid(state, "registry_pid")
        kafka_running = processes.is_ours(kafka_pid, self.layout.marker("kafka"))
        registry_running = processes.is_ours(registry_pid, self.layout.marker("registry"))
        return [
            ServiceState(
                "kafka",
                kafka_pid,
                kafka_running,
                kafka_running and asyncio.run(readiness.kafka_answers(bootstrap)),
                bootstrap,
            ),
            ServiceState(
                "registry",
                registry_pid,
                registry_running,
                registry_running and readiness.registry_answers(registry),
                registry,
            ),
        ]

    # --- fetch ----------------------------------------------------------------------

    def fetch(self) -> list[str]:
        """Fetch both artifacts into the cache; returns where they are."""
        java = artifacts.find_java(self._settings.java)
        cache, settings = self._settings.jar_cache, self._settings
        lib = artifacts.ensure_kafka(cache, settings.kafka_version, java)
        runner = artifacts.ensure_registry(cache, settings.apicurio_version, java)
        return [
            f"kafka {settings.kafka_version}: {lib}",
            f"registry {settings.apicurio_version}: {runner}",
            f"java: {java}",
        ]

    # --- up -------------------------------------------------------------------------

    def up(self) -> StackInfo:
        with self._locked():
            state = self._read_state()
            ports = self._ports(state)
            kafka_pid = self._pid(state, "kafka_pid")
            registry_pid = self._pid(state, "registry_pid")
            kafka_alive = processes.is_ours(kafka_pid, self.layout.marker("kafka"))
            registry_alive = processes.is_ours(registry_pid, self.layout.marker("registry"))
            if not kafka_alive and registry_alive and registry_pid is not None:
                # The registry journals into Kafka; restart it with the broker.
                processes.stop(registry_pid, self.layout.marker("registry"))
                registry_alive = False
            reused = kafka_alive and registry_alive

            java = artifacts.find_java(self._settings.java)
            bootstrap = f"127.0.0.1:{ports.kafka}"
            registry_url = registry_url_for(ports.registry)

            if not kafka_alive:
                lib = artifacts.ensure_kafka(self._settings.jar_cache, self._settings.kafka_version, java)
                self._check_ports_free(ports.kafka, ports.controller)
                state.update(ports=asdict(ports), bootstrap_servers=bootstrap)
                kafka_pid = self._start_kafka(java, lib, ports, bootstrap, state)
            elif kafka_pid is not None:
                self._wait_kafka(kafka_pid, bootstrap)
            assert kafka_pid is not None
            state.update(ports=asdict(ports), kafka_pid=kafka_pid, bootstrap_servers=bootstrap)
            self._write_state(state)

            if not registry_alive:
                runner = artifacts.ensure_registry(self._settings.jar_cache, self._settings.apicurio_version, java)
                self._check_ports_free(ports.registry, ports.registry_management)
                registry_pid = self._start_registry(java, runner, ports, registry_url, state)
            elif registry_pid is not None:
                self._wait_registry(registry_pid, registry_url)
            assert registry_pid is not None
            state.update(registry_pid=registry_pid, registry_url=registry_url, started_at=time.time())
            self._write_state(state)
            return StackInfo(bootstrap, registry_url, kafka_pid, registry_pid, reused)

    def _check_ports_free(self, *ports: int) -> None:
        for port in ports:
            if processes.port_in_use(port):
                raise InfrastructureError(
                    f"port {port} on 127.0.0.1 is already taken by a process this stack did not start; "
                    "stop it, or choose other ports with DDEFLOW_LOCAL_KAFKA_PORT / DDEFLOW_LOCAL_REGISTRY_PORT"
                )

    def _spawned(self, state: dict[str, object], service: str, pid: int) -> None:
        """Record a pid the moment it exists, so `down` can stop it even if `up` dies while waiting."""
        state[f"{service}_pid"] = pid
        self._write_state(state)

    def _start_kafka(self, java: Path, lib: Path, ports: Ports, bootstrap: str, state: dict[str, object]) -> int:
        layout = self.layout
        layout.kafka_data.mkdir(parents=True, exist_ok=True)
        layout.kafka_properties.write_text(kafka_properties(ports, layout.kafka_data), encoding="utf-8")
        layout.kafka_log4j.write_text(kafka_log4j(layout.kafka_log), encoding="utf-8")
        if not (layout.kafka_data / "meta.properties").is_file():
            self._format_storage(java, lib)
        proc = processes.spawn(kafka_command(java, lib, layout), layout.kafka_log)
        self._spawned(state, "kafka", proc.pid)
        self._wait_kafka(proc.pid, bootstrap, alive=lambda: proc.poll() is None)
        return proc.pid

    def _format_storage(self, java: Path, lib: Path) -> None:
        command = storage_format_command(java, lib, self.layout, new_cluster_id())
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=FORMAT_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ServiceStartError(f"formatting the Kafka storage failed: {exc}") from None
        if done.returncode != 0:
            raise ServiceStartError(
                f"formatting the Kafka storage in {self.layout.kafka_data} failed: "
                f"{(done.stderr or done.stdout).strip()[-500:]}"
            )

    def _wait_kafka(self, pid: int, bootstrap: str, alive: Callable[[], bool] | None = None) -> None:
        self._wait("kafka", pid, lambda: asyncio.run(readiness.kafka_answers(bootstrap)), alive, KAFKA_START_TIMEOUT_S)

    def _wait(
        self,
        service: str,
        pid: int,
        check: Callable[[], bool],
        alive: Callable[[], bool] | None,
        timeout_s: float,
    ) -> None:
        """Wait until ``check`` passes; stop the process on a timeout; say why it failed, with its log."""
        marker = self.layout.marker(service)
        outcome = readiness.wait_until(check, alive or (lambda: processes.is_ours(pid, marker)), timeout_s)
        if outcome == "ready":
            return
        if outcome == "timeout":
            processes.stop(pid, marker)
        name, log = {
            "kafka": ("the Kafka broker", self.layout.kafka_log),
            "registry": ("the schema registry", self.layout.registry_log),
        }[service]
        what = "exited" if outcome == "died" else f"did not answer within {timeout_s:.0f} s"
        raise ServiceStartError(f"{name} {what}; last lines of {log}:\n{processes.tail(log)}")

    def _start_registry(self, java: Path, runner: Path, ports: Ports, url: str, state: dict[str, object]) -> int:
        proc = processes.spawn(registry_command(java, runner, self.layout, ports), self.layout.registry_log)
        self._spawned(state, "registry", proc.pid)
        self._wait_registry(proc.pid, url, alive=lambda: proc.poll() is None)
        return proc.pid

    def _wait_registry(self, pid: int, url: str, alive: Callable[[], bool] | None = None) -> None:
        self._wait("registry", pid, lambda: readiness.registry_answers(url), alive, REGISTRY_START_TIMEOUT_S)

    # --- down -----------------------------------------------------------------------

    def down(self) -> list[str]:
        """Stop what ``up`` started, registry first; returns one line per service."""
        report: list[str] = []
        with self._locked():
            state = self._read_state()
            for name in ("registry", "kafka"):
                pid = self._pid(state, f"{name}_pid")
                marker = self.layout.marker(name)
                if pid is None or not processes.is_ours(pid, marker):
                    report.append(f"{name}: not running")
                elif processes.stop(pid, marker):
                    report.append(f"{name}: stopped (pid {pid})")
                else:
                    raise InfrastructureError(f"{name} (pid {pid}) did not stop, even after SIGKILL")
                state.pop(f"{name}_pid", None)
            self._write_state(state)
        return report
