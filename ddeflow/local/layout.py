"""What the local stack looks like on disk and on the command line.  Pure: no processes, no sockets.

Under ``<home>/local/``::

    stack.json          pids, ports and addresses of what ``up`` started (the only truth ``down`` acts on)
    .lock               held while up/down run, so two of them never race
    kafka/data/         the KRaft log directory (formatted once, reused)
    kafka/server.properties, kafka/log4j2.properties
    kafka.log, registry.log
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from pathlib import Path

KAFKA_MAIN = "kafka.Kafka"
STORAGE_TOOL_MAIN = "kafka.tools.StorageTool"
HEAP = "-Xmx512m"
# Apicurio keeps its schemas in this topic, so they survive `down`/`up` like the data topics do.
REGISTRY_TOPIC = "_ddeflow_registry_journal"


@dataclass(frozen=True, slots=True)
class Ports:
    kafka: int
    controller: int
    registry: int
    # Quarkus fixes at build time that the registry has a management interface; only its port can move.
    registry_management: int


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

    @property
    def kafka_dir(self) -> Path:
        return self.root / "kafka"

    @property
    def kafka_data(self) -> Path:
        return self.kafka_dir / "data"

    @property
    def kafka_properties(self) -> Path:
        return self.kafka_dir / "server.properties"

    @property
    def kafka_log4j(self) -> Path:
        return self.kafka_dir / "log4j2.properties"

    @property
    def kafka_log(self) -> Path:
        return self.root / "kafka.log"

    @property
    def registry_log(self) -> Path:
        return self.root / "registry.log"

    def marker(self, service: str) -> str:
        """A JVM system property that identifies our process by service and home in its command line."""
        return f"-Dddeflow.service={service}@{self.home.resolve()}"


def new_cluster_id() -> str:
    """A KRaft cluster id: a random UUID in URL-safe base64 without padding, as StorageTool makes it."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode("ascii")


def kafka_properties(ports: Ports, data_dir: Path) -> str:
    """A combined broker and controller on loopback, sized for one node with working transactions."""
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{ports.controller}",
        "listeners": f"PLAINTEXT://127.0.0.1:{ports.kafka},CONTROLLER://127.0.0.1:{ports.controller}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{ports.kafka}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(data_dir),
        "num.partitions": "6",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "6",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "6",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
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


def storage_format_command(java: Path, lib: Path, layout: StackLayout, cluster_id: str) -> list[str]:
    return [
        str(java),
        HEAP,
        "-cp",
        f"{lib}/*",
        f"-Dlog4j2.configurationFile={layout.kafka_log4j}",
        STORAGE_TOOL_MAIN,
        "format",
        "--ignore-formatted",
        # One token: a base64 id may start with '-', which argparse would take for an option.
        f"--cluster-id={cluster_id}",
        "-c",
        str(layout.kafka_properties),
    ]


def kafka_command(java: Path, lib: Path, layout: StackLayout) -> list[str]:
    return [
        str(java),
        HEAP,
        "-Xms256m",
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={layout.kafka_log4j}",
        layout.marker("kafka"),
        "-cp",
        f"{lib}/*",
        KAFKA_MAIN,
        str(layout.kafka_properties),
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
        f"-Dapicurio.kafkasql.bootstrap.servers=127.0.0.1:{ports.kafka}",
        f"-Dapicurio.kafkasql.topic={REGISTRY_TOPIC}",
        "-jar",
        str(runner),
    ]
