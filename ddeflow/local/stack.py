"""The embedded default: one KRaft Kafka node (or a cluster of three) and Apicurio Registry on loopback, run
from Maven Central jars.

``up`` is idempotent (a running stack is reused), ``down`` stops only the pids
``up`` recorded in ``stack.json`` (and only if their command line still carries
our marker), and ``status`` asks the services themselves rather than trusting
the file.  For failure tests, one broker of a cluster can be stopped (gracefully
or with SIGKILL) and started again by node id.
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
from ddeflow.errors import ConfigError, InfrastructureError, ServiceStartError
from ddeflow.local import artifacts, processes, readiness, secure_setup
from ddeflow.local.layout import (
    SECURE_HOST,
    Ports,
    SecureFiles,
    StackLayout,
    formatted_cluster_id,
    kafka_command,
    kafka_log4j,
    kafka_properties,
    new_cluster_id,
    recorded_pid,
    recorded_ports,
    registry_command,
    stack_ports,
    storage_format_command,
)

START_STALLED_S = 120.0
"""A starting broker or registry is given up on once its log has not grown for this long..."""
START_LIMIT_S = 600.0
"""... or once this long has passed, however busy its log."""
FORMAT_TIMEOUT_S = 120.0


@dataclass(frozen=True, slots=True)
class ServiceState:
    name: str
    pid: int | None
    running: bool
    answering: bool
    address: str


@dataclass(frozen=True, slots=True)
class SecureInfo:
    """How clients reach the secure stack: the listeners (by the name in the broker's certificate) and the files."""

    ssl_bootstrap: str
    sasl_ssl_bootstrap: str
    files: SecureFiles


@dataclass(frozen=True, slots=True)
class StackInfo:
    bootstrap_servers: str
    registry_url: str
    broker_pids: dict[int, int]
    registry_pid: int | None  # None when started without the registry
    reused: bool
    secure: SecureInfo | None = None


def registry_url_for(port: int) -> str:
    return f"http://127.0.0.1:{port}/apis/ccompat/v7"


class LocalStack:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.layout = StackLayout(settings.home)
        # What this object started: whether a child runs is known for sure from its exit status,
        # while /proc/<pid>/cmdline reads empty around a process's start and exit.
        self._children: dict[int, subprocess.Popen[bytes]] = {}

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

    def _ports(self, state: dict[str, object], brokers: int | None = None, *, secure: bool | None = None) -> Ports:
        """The recorded ports when they are for ``brokers`` (None: whatever was recorded) and, unless ``secure`` is
        None, as secure as asked; else the settings'."""
        recorded = recorded_ports(state)
        if (
            recorded is not None
            and brokers in (None, recorded.brokers)
            and secure in (None, recorded.secure is not None)
        ):
            return recorded
        settings = self._settings
        return stack_ports(
            settings.local_kafka_port,
            settings.local_controller_port,
            settings.local_registry_port,
            settings.local_registry_management_port,
            brokers or 1,
            secure=bool(secure),
            secure_port=settings.local_secure_port,
        )

    def _running(self, state: dict[str, object], service: str) -> int | None:
        """The recorded pid of ``service`` if that process is still ours and alive."""
        pid = recorded_pid(state, service)
        return pid if processes.is_ours(pid, self.layout.marker(service)) else None

    # --- status ---------------------------------------------------------------------

    def status(self) -> list[ServiceState]:
        """One line per broker, then the registry."""
        state = self._read_state()
        ports = self._ports(state)
        services: list[ServiceState] = []
        for node in ports.node_ids:
            service = ports.service(node)
            pid = recorded_pid(state, service)
            running = self._running(state, service) is not None
            address = ports.broker_address(node)
            answering = running and asyncio.run(readiness.kafka_answers(address, node_id=node))
            services.append(ServiceState(service, pid, running, answering, address))
        registry = registry_url_for(ports.registry)
        registry_running = self._running(state, "registry") is not None
        services.append(
            ServiceState(
                "registry",
                recorded_pid(state, "registry"),
                registry_running,
                registry_running and readiness.registry_answers(registry),
                registry,
            )
        )
        return services

    # --- fetch ----------------------------------------------------------------------

    def fetch(self) -> list[str]:
        """Fetch both artifacts into the cache; returns where they are."""
        java = artifacts.find_java(self._settings.java)
        cache, settings = self._settings.jar_cache, self._settings
        lib = artifacts.ensure_kafka(cache, settings.kafka_version, java)
        runner = artifacts.ensure_registry(cache, settings.apicurio_version, java)
        tools = artifacts.ensure_kafka_tools(cache, settings.kafka_version, java)
        return [
            f"kafka {settings.kafka_version}: {lib}",
            f"kafka tools {settings.kafka_version} (for --secure): {tools}",
            f"registry {settings.apicurio_version}: {runner}",
            f"java: {java}",
        ]

    # --- up -------------------------------------------------------------------------

    def up(self, brokers: int | None = None, *, registry: bool = True, secure: bool = False) -> StackInfo:
        """Start what is not running.  ``brokers`` (1 or 3) defaults to the stack's recorded size, else 1;
        ``registry=False`` starts (or keeps) Kafka alone: failure tests that need no schemas skip the slowest start.
        ``secure`` adds the SSL and SASL_SSL listeners, SCRAM users and the ACLs of every stage for the settings'
        topic prefix (see ``secure_setup``)."""
        with self._locked():
            state = self._read_state()
            ports = self._ports(state, brokers, secure=secure or None)
            self._refuse_other_running_size(state, ports)
            if ports.secure is not None:
                secure_setup.prepare(self.layout, self._formatted(ports))
            running = {node: self._running(state, ports.service(node)) for node in ports.node_ids}
            registry_pid = self._running(state, "registry")
            if registry_pid is not None and not any(running.values()):
                # The registry journals into Kafka; restart it with the brokers.
                processes.stop(registry_pid, self.layout.marker("registry"))
                registry_pid = None
            reused = (registry_pid is not None or not registry) and all(running.values())

            java = artifacts.find_java(self._settings.java)
            bootstrap = ports.bootstrap
            registry_url = registry_url_for(ports.registry)
            state.update(ports=asdict(ports), bootstrap_servers=bootstrap)
            self._write_state(state)

            missing = [node for node, pid in running.items() if pid is None]
            if missing:
                lib = artifacts.ensure_kafka(self._settings.jar_cache, self._settings.kafka_version, java)
                self._check_ports_free(*[p for node in missing for p in self._broker_ports(ports, node)])
                running.update(self._spawn_brokers(java, lib, ports, missing, state))
            # Spawned all before waiting on any: a cluster member cannot finish starting without a quorum.
            broker_pids = {node: pid for node, pid in running.items() if pid is not None}
            for node, pid in broker_pids.items():
                self._wait_broker(ports, node, pid)

            secure_info = self._secure_info(ports)
            if secure_info is not None and self._settings.topic_prefix not in _applied(state):
                secure_setup.apply_acls(java, self._settings, bootstrap, self._settings.topic_prefix)
                state["acls_applied"] = sorted({*_applied(state), self._settings.topic_prefix})
                self._write_state(state)
            if not registry:
                return StackInfo(bootstrap, registry_url, broker_pids, registry_pid, reused, secure_info)
            if registry_pid is None:
                runner = artifacts.ensure_registry(self._settings.jar_cache, self._settings.apicurio_version, java)
                self._check_ports_free(ports.registry, ports.registry_management)
                registry_pid = self._start_registry(java, runner, ports, registry_url, state)
            else:
                self._wait_registry(registry_pid, registry_url)
            state.update(registry_pid=registry_pid, registry_url=registry_url, started_at=time.time())
            self._write_state(state)
            return StackInfo(bootstrap, registry_url, broker_pids, registry_pid, reused, secure_info)

    def _secure_info(self, ports: Ports) -> SecureInfo | None:
        if ports.ssl_port is None or ports.sasl_ssl_port is None:
            return None
        return SecureInfo(
            f"{SECURE_HOST}:{ports.ssl_port}", f"{SECURE_HOST}:{ports.sasl_ssl_port}", self.layout.secure_files
        )

    def apply_acls(self, topic_prefix: str) -> None:
        """Grant every stage's ACLs for the deployment under ``topic_prefix`` on the running secure stack."""
        with self._locked():
            state = self._read_state()
            ports = recorded_ports(state)
            if ports is None or ports.secure is None:
                raise ConfigError("no secure local stack here: start it with `ddeflow local up --secure`")
            java = artifacts.find_java(self._settings.java)
            secure_setup.apply_acls(java, self._settings, ports.bootstrap, topic_prefix)
            state["acls_applied"] = sorted({*_applied(state), topic_prefix})
            self._write_state(state)

    def _formatted(self, ports: Ports) -> bool:
        return any((self.layout.broker_data(ports.service(n)) / "meta.properties").is_file() for n in ports.node_ids)

    def _refuse_other_running_size(self, state: dict[str, object], ports: Ports) -> None:
        recorded = recorded_ports(state)
        if recorded is None or recorded.brokers == ports.brokers:
            return
        if any(self._running(state, recorded.service(node)) is not None for node in recorded.node_ids):
            raise ConfigError(
                f"a {recorded.brokers}-broker local stack is running; "
                f"`ddeflow local down` before starting it with {ports.brokers}"
            )

    @staticmethod
    def _broker_ports(ports: Ports, node: int) -> tuple[int, int]:
        return ports.kafka_port(node), ports.controller_port(node)

    def _check_ports_free(self, *ports: int) -> None:
        for port in ports:
            if processes.port_in_use(port):
                raise InfrastructureError(
                    f"port {port} on 127.0.0.1 is already taken by a process this stack did not start; "
                    "stop it, or choose other ports with DDEFLOW_LOCAL_KAFKA_PORT / DDEFLOW_LOCAL_REGISTRY_PORT"
                )

    def _spawn(self, command: list[str], log: Path) -> subprocess.Popen[bytes]:
        proc = processes.spawn(command, log)
        self._children[proc.pid] = proc
        return proc

    def _spawned(self, state: dict[str, object], service: str, pid: int) -> None:
        """Record a pid the moment it exists, so `down` can stop it even if `up` dies while waiting."""
        state[f"{service}_pid"] = pid
        self._write_state(state)

    def _spawn_brokers(
        self, java: Path, lib: Path, ports: Ports, nodes: list[int], state: dict[str, object]
    ) -> dict[int, int]:
        """Write each node's configuration, format the storage of those new (all at once), start them."""
        layout = self.layout
        unformatted: list[str] = []
        for node in nodes:
            service = ports.service(node)
            data = layout.broker_data(service)
            data.mkdir(parents=True, exist_ok=True)
            secure = layout.secure_files if ports.secure is not None else None
            layout.broker_properties(service).write_text(kafka_properties(ports, node, data, secure), encoding="utf-8")
            layout.broker_log4j(service).write_text(kafka_log4j(layout.log(service)), encoding="utf-8")
            if not (data / "meta.properties").is_file():
                unformatted.append(service)
        if unformatted:
            users = secure_setup.passwords(layout.secure_files) if ports.secure is not None else {}
            self._format_storage(java, lib, unformatted, self._cluster_id(ports), users)
        pids: dict[int, int] = {}
        for node in nodes:
            service = ports.service(node)
            proc = self._spawn(kafka_command(java, lib, layout, ports, node), layout.log(service))
            self._spawned(state, service, proc.pid)
            pids[node] = proc.pid
        return pids

    def _cluster_id(self, ports: Ports) -> str:
        """The id the cluster's formatted nodes share, or a new one when none is formatted yet."""
        for node in ports.node_ids:
            with contextlib.suppress(OSError):
                meta = self.layout.broker_data(ports.service(node)) / "meta.properties"
                found = formatted_cluster_id(meta.read_text(encoding="utf-8"))
                if found:
                    return found
        return new_cluster_id()

    def _format_storage(
        self, java: Path, lib: Path, services: list[str], cluster_id: str, scram_users: dict[str, str]
    ) -> None:
        """Format the storage of each service, in parallel (each is a short-lived JVM)."""
        running: dict[str, subprocess.Popen[str]] = {}
        try:
            for service in services:
                command = storage_format_command(java, lib, self.layout, service, cluster_id, scram_users)
                running[service] = subprocess.Popen(
                    command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
                )
            for service, proc in running.items():
                output, _ = proc.communicate(timeout=FORMAT_TIMEOUT_S)
                if proc.returncode != 0:
                    raise ServiceStartError(
                        f"formatting the Kafka storage in {self.layout.broker_data(service)} failed: "
                        f"{secure_setup.redact(output, scram_users.values()).strip()[-500:]}"
                    )
        except subprocess.TimeoutExpired:
            raise ServiceStartError(f"formatting the Kafka storage took over {FORMAT_TIMEOUT_S:.0f} s") from None
        except OSError as exc:
            raise ServiceStartError(f"formatting the Kafka storage failed: {exc.strerror}") from None
        finally:
            for proc in running.values():
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()

    def _wait_broker(self, ports: Ports, node: int, pid: int) -> None:
        address = ports.broker_address(node)
        self._wait(
            ports.service(node),
            pid,
            lambda: asyncio.run(readiness.kafka_answers(address, node_id=node)),
        )

    def _wait(self, service: str, pid: int, check: Callable[[], bool]) -> None:
        """Wait until ``check`` passes, while the process lives and its log grows; stop it when it stalls; say why
        it failed, with its log."""
        marker = self.layout.marker(service)
        log = self.layout.log(service)

        def alive() -> bool:
            child = self._children.get(pid)
            return child.poll() is None if child is not None else processes.is_ours(pid, marker)

        def log_size() -> int:
            try:
                return log.stat().st_size
            except OSError:
                return -1

        outcome = readiness.wait_until(
            check, alive, stalled_s=START_STALLED_S, limit_s=START_LIMIT_S, progress=log_size
        )
        if outcome == "ready":
            return
        if outcome != "died":
            processes.stop(pid, marker)
        name = "the schema registry" if service == "registry" else f"the Kafka broker {service}"
        what = {
            "died": "exited",
            "stalled": f"did not answer, its log still for {START_STALLED_S:.0f} s",
            "timeout": f"did not answer within {START_LIMIT_S:.0f} s",
        }[outcome]
        raise ServiceStartError(f"{name} {what}; last lines of {log}:\n{processes.tail(log)}")

    def _start_registry(self, java: Path, runner: Path, ports: Ports, url: str, state: dict[str, object]) -> int:
        proc = self._spawn(registry_command(java, runner, self.layout, ports), self.layout.registry_log)
        self._spawned(state, "registry", proc.pid)
        self._wait_registry(proc.pid, url)
        return proc.pid

    def _wait_registry(self, pid: int, url: str) -> None:
        self._wait("registry", pid, lambda: readiness.registry_answers(url))

    # --- one broker at a time, for failure tests -------------------------------------

    def stop_broker(self, node_id: int, *, graceful: bool = True) -> None:
        """Stop one broker of the running stack: SIGTERM and a controlled shutdown, or (``graceful=False``)
        SIGKILL, as a crash.  Its data stays; ``start_broker`` brings it back."""
        with self._locked():
            state = self._read_state()
            service = self._broker_service(state, node_id)
            pid = self._running(state, service)
            if pid is not None:
                marker = self.layout.marker(service)
                stopped = processes.stop(pid, marker) if graceful else processes.kill(pid, marker)
                if not stopped:
                    raise InfrastructureError(f"{service} (pid {pid}) did not stop")
            state.pop(f"{service}_pid", None)
            self._write_state(state)

    def kill_broker(self, node_id: int) -> None:
        """SIGKILL one broker: no controlled shutdown, as if its machine had died."""
        self.stop_broker(node_id, graceful=False)

    def start_broker(self, node_id: int) -> int:
        """Start one stopped broker of the stack on its ports and data, and wait until the cluster lists it;
        returns its pid (the running one's, if it runs)."""
        with self._locked():
            state = self._read_state()
            ports = self._ports(state)
            service = self._broker_service(state, node_id)
            pid = self._running(state, service)
            if pid is None:
                java = artifacts.find_java(self._settings.java)
                lib = artifacts.ensure_kafka(self._settings.jar_cache, self._settings.kafka_version, java)
                self._check_ports_free(*self._broker_ports(ports, node_id))
                pid = self._spawn_brokers(java, lib, ports, [node_id], state)[node_id]
            self._wait_broker(ports, node_id, pid)
            return pid

    def _broker_service(self, state: dict[str, object], node_id: int) -> str:
        ports = recorded_ports(state)
        if ports is None:
            raise InfrastructureError(f"no local stack in {self.layout.root}: run `ddeflow local up` first")
        if node_id not in ports.node_ids:
            raise ConfigError(f"the local stack has brokers {list(ports.node_ids)}, not node {node_id}")
        return ports.service(node_id)

    # --- down -----------------------------------------------------------------------

    def down(self) -> list[str]:
        """Stop what ``up`` started, registry first, then the brokers together; returns one line per service."""
        report: list[str] = []
        with self._locked():
            state = self._read_state()
            ports = self._ports(state)
            brokers = [ports.service(node) for node in ports.node_ids]
            # Together: a cluster member stopped after the others have gone waits in vain for a quorum.
            for group in (["registry"], brokers):
                running = {name: pid for name in group if (pid := self._running(state, name)) is not None}
                stopped = processes.stop_all({pid: self.layout.marker(name) for name, pid in running.items()})
                for name in group:
                    pid = running.get(name)
                    if pid is None:
                        report.append(f"{name}: not running")
                    elif pid in stopped:
                        report.append(f"{name}: stopped (pid {pid})")
                    else:
                        raise InfrastructureError(f"{name} (pid {pid}) did not stop, even after SIGKILL")
                    state.pop(f"{name}_pid", None)
            self._write_state(state)
        return report


def _applied(state: dict[str, object]) -> list[str]:
    """The topic prefixes whose ACLs the secure stack has granted."""
    value = state.get("acls_applied")
    return [p for p in value if isinstance(p, str)] if isinstance(value, list) else []
