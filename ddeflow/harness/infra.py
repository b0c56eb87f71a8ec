"""A real Kafka broker and schema registry for the test session, the benchmarks and the chaos suite.

Chosen in this order:
1. ``KAFKA_BOOTSTRAP_SERVERS`` and ``SCHEMA_REGISTRY_URL`` from the environment: an existing cluster.
2. A Docker engine that answers: testcontainers' Kafka (KRaft) and an Apicurio Registry container.
3. Otherwise the embedded jar stack (``ddeflow local``), on free loopback ports in a temporary home,
   sharing the user's jar cache.
Every test gets its own topic prefix, so tests never see each other's records.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ddeflow.config import Settings, load_settings
from ddeflow.local.processes import free_port, free_port_block
from ddeflow.local.stack import LocalStack
from ddeflow.versions import APICURIO_IMAGE, KAFKA_IMAGE


@dataclass(frozen=True, slots=True)
class Infra:
    bootstrap_servers: str
    registry_url: str
    kind: str


def docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        done = subprocess.run(["docker", "info"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@contextmanager
def real_infra(tmp_home: Path) -> Iterator[Infra]:
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    registry = os.environ.get("SCHEMA_REGISTRY_URL")
    if bootstrap and registry:
        yield Infra(bootstrap, registry.rstrip("/"), "external")
    elif docker_answers():
        with _containers() as infra:
            yield infra
    else:
        with _jar_stack(tmp_home) as infra:
            yield infra


@contextmanager
def _jar_stack(home: Path) -> Iterator[Infra]:
    stack = LocalStack(local_stack_settings(home))
    try:
        info = stack.up()
        yield Infra(info.bootstrap_servers, info.registry_url, "local jar stack")
    finally:
        stack.down()


def local_stack_settings(home: Path, brokers: int = 1) -> Settings:
    """Settings for a private local stack of ``brokers`` nodes: its own home and free ports (a block for the
    brokers' client and controller ports, as the stack numbers them), the user's shared jar cache."""
    kafka = free_port_block(2 * brokers)
    controller = kafka + brokers
    block = range(kafka, kafka + 2 * brokers)
    ports: set[int] = set()
    while len(ports) < 2:
        if (port := free_port()) not in block:
            ports.add(port)
    registry, management = sorted(ports)
    return load_settings(
        DDEFLOW_HOME=str(home),
        DDEFLOW_CACHE_DIR=str(load_settings().jar_cache),
        DDEFLOW_LOCAL_KAFKA_PORT=kafka,
        DDEFLOW_LOCAL_CONTROLLER_PORT=controller,
        DDEFLOW_LOCAL_REGISTRY_PORT=registry,
        DDEFLOW_LOCAL_REGISTRY_MANAGEMENT_PORT=management,
    )


def kafka_container_env(host_port: int) -> dict[str, str]:
    """One KRaft node of Apache Kafka's image, advertised on ``localhost:host_port``.

    Set as docker-compose.yml sets it, but for the listeners: compose has a second one for the other containers.
    """
    return {
        "KAFKA_NODE_ID": "1",
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@localhost:9093",
        "KAFKA_LISTENERS": "PLAINTEXT://0.0.0.0:9092,CONTROLLER://localhost:9093",
        "KAFKA_ADVERTISED_LISTENERS": f"PLAINTEXT://localhost:{host_port}",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR": "1",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
        "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "false",
    }


@contextmanager
def _containers() -> Iterator[Infra]:  # pragma: no cover - needs a Docker engine
    # Not testcontainers' KafkaContainer: it drives Confluent's image, and ddeflow runs Apache Kafka's, at the version
    # ``ddeflow local`` runs.  The host port is fixed up front because the broker must advertise it.
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    port = free_port()
    kafka = DockerContainer(KAFKA_IMAGE).with_bind_ports(9092, port)
    for name, value in kafka_container_env(port).items():
        kafka.with_env(name, value)
    with kafka:
        wait_for_logs(kafka, "Kafka Server started", timeout=120)
        registry = DockerContainer(APICURIO_IMAGE).with_exposed_ports(8080)
        with registry:
            wait_for_logs(registry, "Listening on", timeout=120)
            host = registry.get_container_host_ip()
            registry_port = registry.get_exposed_port(8080)
            yield Infra(f"localhost:{port}", f"http://{host}:{registry_port}/apis/ccompat/v7", "testcontainers")
