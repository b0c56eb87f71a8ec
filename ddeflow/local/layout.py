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
    # The secure stack's SSL listener (SASL_SSL on the port after it); None on a plaintext-only stack.
    secure: int | None = None

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

    @property
    def ssl_port(self) -> int | None:
        return self.secure

    @property
    def sasl_ssl_port(self) -> int | None:
        return None if self.secure is None else self.secure + 1

    def all_ports(self) -> list[int]:
        brokers = [port for node in self.node_ids for port in (self.kafka_port(node), self.controller_port(node))]
        secure = [] if self.secure is None else [self.secure, self.secure + 1]
        return [*brokers, *secure, self.registry, self.registry_management]


def stack_ports(
    kafka: int,
    controller: int | None,
    registry: int,
    registry_management: int | None,
    brokers: int,
    *,
    secure: bool = False,
    secure_port: int | None = None,
) -> Ports:
    """The ports from the settings: controllers default to right after the brokers, management after the registry,
    and (``secure``) the SSL and SASL_SSL listeners to right after the controllers."""
    if brokers not in BROKER_COUNTS:
        raise ConfigError(f"the local stack runs {' or '.join(map(str, BROKER_COUNTS))} brokers, not {brokers}")
    if secure and brokers != 1:
        raise ConfigError("the secure local stack (--secure) runs one broker")
    controller = controller if controller is not None else kafka + brokers
    ports = Ports(
        kafka=kafka,
        controller=controller,
        registry=registry,
        registry_management=registry_management if registry_management is not None else registry + 1,
        brokers=brokers,
        secure=(secure_port if secure_port is not None else controller + brokers) if secure else None,
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
        return Ports(**{key: int(value) for key, value in recorded.items() if value is not None})
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
    def secure_files(self) -> SecureFiles:
        return SecureFiles(self.root / "secure")

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


SECURE_HOST = "localhost"
"""The name the secure listeners are advertised under, and the only name in the broker's certificate."""
SCRAM_MECHANISM = "SCRAM-SHA-512"
ADMIN_PRINCIPAL = "admin"
STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
ACL_COMMAND_MAIN = "org.apache.kafka.tools.AclCommand"


@dataclass(frozen=True, slots=True)
class SecureFiles:
    """Where the secure stack keeps its certificates (``<home>/local/secure``)."""

    root: Path

    @property
    def ca(self) -> Path:
        return self.root / "ca.pem"

    @property
    def broker_keystore(self) -> Path:
        """The broker's key and certificate in one PEM file, as Kafka's PEM keystore reads them."""
        return self.root / "broker-keystore.pem"

    @property
    def credentials(self) -> Path:
        """The SCRAM passwords of the principals (mode 0600): the one file holding them."""
        return self.root / "credentials.json"

    def client_cert(self, principal: str) -> Path:
        return self.root / "clients" / f"{principal}.pem"

    def client_key(self, principal: str) -> Path:
        return self.root / "clients" / f"{principal}-key.pem"


def secure_properties(ports: Ports, files: SecureFiles) -> dict[str, str]:
    """The SSL and SASL_SSL listeners, and the authorizer.

    The SSL listener requires a client certificate whose common name is the principal; SASL_SSL authenticates with
    SCRAM-SHA-512.  The loopback PLAINTEXT and controller listeners stay for the broker itself, the registry's
    journal and administration: their principal, ANONYMOUS, is a super user, with ``admin``.
    """
    assert ports.ssl_port is not None and ports.sasl_ssl_port is not None
    return {
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": str(files.broker_keystore),
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": str(files.ca),
        "listener.name.ssl.ssl.client.auth": "required",
        "ssl.principal.mapping.rules": "RULE:^CN=([^,]+)$/$1/,DEFAULT",
        "sasl.enabled.mechanisms": SCRAM_MECHANISM,
        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": (
            "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        ),
        "authorizer.class.name": STANDARD_AUTHORIZER,
        "allow.everyone.if.no.acl.found": "false",
        "super.users": f"User:ANONYMOUS;User:{ADMIN_PRINCIPAL}",
    }


def kafka_properties(ports: Ports, node_id: int, data_dir: Path, secure: SecureFiles | None = None) -> str:
    """A combined broker and controller on loopback, one of ``ports.brokers`` voters in a static quorum.

    One node keeps every internal topic at replication 1.  Three keep them, and new topics by default,
    at replication 3 with min ISR 2: acks=all then means two copies, and any one node may be down.
    """
    replication = min(3, ports.brokers)
    min_isr = 2 if replication >= 3 else 1
    plaintext = f"PLAINTEXT://127.0.0.1:{ports.kafka_port(node_id)}"
    listeners = [plaintext, f"CONTROLLER://127.0.0.1:{ports.controller_port(node_id)}"]
    advertised = [plaintext]
    protocols = "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
    if secure is not None:
        tls = [f"SSL://{SECURE_HOST}:{ports.ssl_port}", f"SASL_SSL://{SECURE_HOST}:{ports.sasl_ssl_port}"]
        listeners += tls
        advertised += tls
        protocols += ",SSL:SSL,SASL_SSL:SASL_SSL"
    settings = {
        "process.roles": "broker,controller",
        "node.id": str(node_id),
        "controller.quorum.voters": ports.voters,
        "listeners": ",".join(listeners),
        "advertised.listeners": ",".join(advertised),
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": protocols,
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
    if secure is not None:
        settings.update(secure_properties(ports, files=secure))
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


def storage_format_command(
    java: Path, lib: Path, layout: StackLayout, service: str, cluster_id: str, scram_users: Mapping[str, str] = {}
) -> list[str]:
    """``kafka-storage format``; ``scram_users`` (name: password) become SCRAM-SHA-512 users in the new cluster."""
    scram = [
        f"--add-scram={SCRAM_MECHANISM}=[name={name},password={password}]" for name, password in scram_users.items()
    ]
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
        *scram,
    ]


def acl_command(java: Path, tools_lib: Path, argv: list[str]) -> list[str]:
    """A ``kafka-acls.sh`` invocation (as ``ddeflow.acls.commands`` renders it) run on ``java``."""
    return [str(java), "-Xmx256m", "-cp", f"{tools_lib}/*", ACL_COMMAND_MAIN, *argv[1:]]


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
