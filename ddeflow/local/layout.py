"""What the local stack looks like on disk and on the command line.  Pure: no processes, no sockets.

Under ``<home>/local/``::

    stack.json          pids, ports and addresses of what ``up`` started (the only truth ``down`` acts on)
    .lock               held while up/down run, so two of them never race
    kafka/data/         the one-node stack's KRaft log directory (formatted once, reused)
    kafka/server.properties, kafka/log4j2.properties
    kafka.log, registry.log
    kafka-1/ ... kafka-3/, kafka-1.log ...   the same per node of the three-broker stack

Each broker is a *service* (``kafka``, or ``kafka-<node id>`` in a cluster): its directory, log,
pid key in ``stack.json`` and process marker are all named after it.  The one-node and the
three-node stacks thus keep separate data, and switching between them loses neither.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ddeflow.errors import ConfigError

KAFKA_MAIN = "kafka.Kafka"
STORAGE_TOOL_MAIN = "kafka.tools.StorageTool"
HEAP = "-Xmx512m"
# Three JVMs share the machine with other stacks: an idle cluster node was measured at 160-180 MB live after a
# full GC, so 384 MB leaves about twice that for load.
CLUSTER_BROKER_HEAP = "-Xmx384m"
# Apicurio keeps its schemas in this topic, so they survive `down`/`up` like the data topics do.
REGISTRY_TOPIC = "_ddeflow_registry_journal"
# One node, or the smallest cluster that keeps RF 3 / min ISR 2 writable (and a controller quorum) with
# one node down.  More would not add a failure mode, and each JVM costs memory and CPU on a small machine.
BROKER_COUNTS = (1, 3)


@dataclass(frozen=True, slots=True)
class Ports:
    """Every port of one local stack.  Node ``n`` (from 1) listens on ``kafka + n - 1`` for clients and on
    ``controller + n - 1`` for the KRaft quorum."""

    kafka: int
    controller: int
    registry: int
    # Quarkus fixes at build time that the registry has a management interface; only its port can move.
    registry_management: int
    brokers: int = 1

    @property
    def node_ids(self) -> tuple[int, ...]:
        return tuple(range(1, self.brokers + 1))

    def kafka_port(self, node_id: int) -> int:
        return self.kafka + node_id - 1

    def controller_port(self, node_id: int) -> int:
        return self.controller + node_id - 1

    def service(self, node_id: int) -> str:
        """The broker's name on disk, in ``stack.json`` and in its marker; ``kafka`` for the one-node stack."""
        return "kafka" if self.brokers == 1 else f"kafka-{node_id}"

    def broker_address(self, node_id: int) -> str:
        return f"127.0.0.1:{self.kafka_port(node_id)}"

    @property
    def bootstrap(self) -> str:
        return ",".join(self.broker_address(node) for node in self.node_ids)

    @property
    def voters(self) -> str:
        return ",".join(f"{node}@127.0.0.1:{self.controller_port(node)}" for node in self.node_ids)

    def all_ports(self) -> list[int]:
        brokers = [port for node in self.node_ids for port in (self.kafka_port(node), self.controller_port(node))]
        return [*brokers, self.registry, self.registry_management]


def stack_ports(
    kafka: int, controller: int | None, registry: int, registry_management: int | None, brokers: int
) -> Ports:
    """The ports from the settings: controllers default to right after the brokers, management after the registry."""
    if brokers not in BROKER_COUNTS:
        raise ConfigError(f"the local stack runs {' or '.join(map(str, BROKER_COUNTS))} brokers, not {brokers}")
    ports = Ports(
        kafka=kafka,
        controller=controller if controller is not None else kafka + brokers,
        registry=registry,
        registry_management=registry_management if registry_management is not None else registry + 1,
        brokers=brokers,
    )
    taken = ports.all_ports()
    if len(set(taken)) != len(taken):
        raise ConfigError(
            f"the local stack's ports overlap ({', '.join(map(str, taken))}): {brokers} brokers take "
            f"DDEFLOW_LOCAL_KAFKA_PORT and the {brokers - 1} after it, and as many controller ports from "
            "DDEFLOW_LOCAL_CONTROLLER_PORT"
        )
    return ports


def recorded_ports(state: Mapping[str, object]) -> Ports | None:
    """The ports ``up`` recorded in ``stack.json`` (a file from before clusters has no ``brokers``: one)."""
    recorded = state.get("ports")
    if not isinstance(recorded, dict):
        return None
    try:
        return Ports(**{key: int(value) for key, value in recorded.items()})
    except (TypeError, ValueError):
        return None


def recorded_pid(state: Mapping[str, object], service: str) -> int | None:
    value = state.get(f"{service}_pid")
    return value if isinstance(value, int) else None


@dataclass(frozen=True, slots=True)
class StackLayout:
    home: Path

    @property
    def root(self) -> Path:
        return self.home / "local"

    @property
    def state_file(self) -> Path:
        return self.root / "stack.json"

    @property
    def lock_file(self) -> Path:
        return self.root / ".lock"

    def broker_dir(self, service: str) -> Path:
        return self.root / service

    def broker_data(self, service: str) -> Path:
        return self.broker_dir(service) / "data"

    def broker_properties(self, service: str) -> Path:
        return self.broker_dir(service) / "server.properties"

    def broker_log4j(self, service: str) -> Path:
        return self.broker_dir(service) / "log4j2.properties"

    def log(self, service: str) -> Path:
        return self.root / f"{service}.log"

    @property
    def registry_log(self) -> Path:
        return self.log("registry")

    def marker(self, service: str) -> str:
        """A JVM system property that identifies our process by service and home in its command line."""
        return f"-Dddeflow.service={service}@{self.home.resolve()}"


def new_cluster_id() -> str:
    """A KRaft cluster id: a random UUID in URL-safe base64 without padding, as StorageTool makes it."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode("ascii")


def formatted_cluster_id(meta_properties: str) -> str | None:
    """The ``cluster.id`` in a formatted log directory's ``meta.properties``."""
    for line in meta_properties.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == "cluster.id":
            return value.strip()
    return None


def kafka_properties(ports: Ports, node_id: int, data_dir: Path) -> str:
    """A combined broker and controller on loopback, one of ``ports.brokers`` voters in a static quorum.

    One node keeps every internal topic at replication 1.  Three keep them, and new topics by default,
    at replication 3 with min ISR 2: acks=all then means two copies, and any one node may be down.
    """
    replication = min(3, ports.brokers)
    min_isr = 2 if replication >= 3 else 1
    settings = {
        "process.roles": "broker,controller",
        "node.id": str(node_id),
        "controller.quorum.voters": ports.voters,
        "listeners": (
            f"PLAINTEXT://127.0.0.1:{ports.kafka_port(node_id)},CONTROLLER://127.0.0.1:{ports.controller_port(node_id)}"
        ),
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{ports.kafka_port(node_id)}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(data_dir),
        "num.partitions": "6",
        "default.replication.factor": str(replication),
        "min.insync.replicas": str(min_isr),
        "offsets.topic.replication.factor": str(replication),
        "offsets.topic.num.partitions": "6",
        "transaction.state.log.replication.factor": str(replication),
        "transaction.state.log.min.isr": str(min_isr),
        "transaction.state.log.num.partitions": "6",
        "share.coordinator.state.topic.replication.factor": str(replication),
        "share.coordinator.state.topic.min.isr": str(min_isr),
        "group.initial.rebalance.delay.ms": "0",
        # Topics are created explicitly with their partition counts; a typo must not create one.
        "auto.create.topics.enable": "false",
        "log.retention.hours": "168",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def kafka_log4j(log_file: Path) -> str:
    return (
        "appender.file.type = File\n"
        "appender.file.name = FILE\n"
        f"appender.file.fileName = {log_file}\n"
        "appender.file.layout.type = PatternLayout\n"
        "appender.file.layout.pattern = [%d] %p %m (%c)%n\n"
        "rootLogger.level = INFO\n"
        "rootLogger.appenderRef.file.ref = FILE\n"
        "logger.kafka.name = kafka\n"
        "logger.kafka.level = INFO\n"
        "logger.state.name = state.change.logger\n"
        "logger.state.level = WARN\n"
    )


def storage_format_command(java: Path, lib: Path, layout: StackLayout, service: str, cluster_id: str) -> list[str]:
    return [
        str(java),
        HEAP,
        "-cp",
        f"{lib}/*",
        f"-Dlog4j2.configurationFile={layout.broker_log4j(service)}",
        STORAGE_TOOL_MAIN,
        "format",
        "--ignore-formatted",
        # One token: a base64 id may start with '-', which argparse would take for an option.
        f"--cluster-id={cluster_id}",
        "-c",
        str(layout.broker_properties(service)),
    ]


def kafka_command(java: Path, lib: Path, layout: StackLayout, ports: Ports, node_id: int) -> list[str]:
    service = ports.service(node_id)
    return [
        str(java),
        HEAP if ports.brokers == 1 else CLUSTER_BROKER_HEAP,
        "-Xms256m" if ports.brokers == 1 else "-Xms128m",
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={layout.broker_log4j(service)}",
        layout.marker(service),
        "-cp",
        f"{lib}/*",
        KAFKA_MAIN,
        str(layout.broker_properties(service)),
    ]


def registry_command(java: Path, runner: Path, layout: StackLayout, ports: Ports) -> list[str]:
    return [
        str(java),
        HEAP,
        layout.marker("registry"),
        "-Dquarkus.http.host=127.0.0.1",
        f"-Dquarkus.http.port={ports.registry}",
        "-Dquarkus.management.host=127.0.0.1",
        f"-Dquarkus.management.port={ports.registry_management}",
        "-Dquarkus.log.console.json=false",
        "-Dapicurio.storage.kind=kafkasql",
        # Every broker, so the registry keeps its journal while any one of them is down.
        f"-Dapicurio.kafkasql.bootstrap.servers={ports.bootstrap}",
        f"-Dapicurio.kafkasql.topic={REGISTRY_TOPIC}",
        "-jar",
        str(runner),
    ]
