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

APICURIO_IMAGE = "apicurio/apicurio-registry:3.3.3"
KAFKA_IMAGE = "confluentinc/cp-kafka:7.9.0"


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


@contextmanager
def _containers() -> Iterator[Infra]:  # pragma: no cover - needs a Docker engine
    from testcontainers.community.kafka import KafkaContainer
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    with KafkaContainer(KAFKA_IMAGE).with_kraft() as kafka:
        registry = DockerContainer(APICURIO_IMAGE).with_exposed_ports(8080)
        with registry:
            wait_for_logs(registry, "Listening on", timeout=120)
            host = registry.get_container_host_ip()
            port = registry.get_exposed_port(8080)
            yield Infra(kafka.get_bootstrap_server(), f"http://{host}:{port}/apis/ccompat/v7", "testcontainers")
