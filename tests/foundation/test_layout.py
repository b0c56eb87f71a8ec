"""The broker and registry command lines and properties, checked without starting anything."""

from __future__ import annotations

import base64
from pathlib import Path

from ddeflow.local.layout import (
    Ports,
    StackLayout,
    kafka_command,
    kafka_properties,
    new_cluster_id,
    registry_command,
)

PORTS = Ports(kafka=19092, controller=19093, registry=18081, registry_management=18082)


def _props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def test_one_node_properties_allow_transactions() -> None:
    props = _props(kafka_properties(PORTS, Path("/data")))
    assert props["process.roles"] == "broker,controller"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    for key in (
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr",
        "share.coordinator.state.topic.replication.factor",
        "share.coordinator.state.topic.min.isr",
    ):
        assert props[key] == "1", key
    assert props["log.dirs"] == "/data"


def test_cluster_id_is_a_base64_uuid() -> None:
    cluster_id = new_cluster_id()
    assert len(cluster_id) == 22
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16
    assert new_cluster_id() != cluster_id


def test_commands_carry_the_marker_that_down_relies_on(tmp_path: Path) -> None:
    layout = StackLayout(tmp_path)
    kafka = kafka_command(Path("/jre/bin/java"), Path("/lib"), layout)
    registry = registry_command(Path("/jre/bin/java"), Path("/r/quarkus-run.jar"), layout, PORTS)
    assert layout.marker("kafka") in kafka and layout.marker("registry") not in kafka
    assert layout.marker("registry") in registry
    assert "-Dquarkus.http.port=18081" in registry
    assert "-Dquarkus.http.host=127.0.0.1" in registry
    assert "-Dquarkus.management.port=18082" in registry and "-Dquarkus.management.host=127.0.0.1" in registry
    assert "-Dapicurio.kafkasql.bootstrap.servers=127.0.0.1:19092" in registry
    # Two homes never recognise each other's processes.
    assert StackLayout(tmp_path / "other").marker("kafka") != layout.marker("kafka")


def test_storage_format_passes_a_dash_leading_cluster_id_as_one_token(tmp_path: Path) -> None:
    from ddeflow.local.layout import storage_format_command

    command = storage_format_command(
        Path("/jre/bin/java"), Path("/lib"), StackLayout(tmp_path), "-AbCdEfGhIjKlMnOpQrStUv"
    )
    assert "--cluster-id=-AbCdEfGhIjKlMnOpQrStUv" in command
    assert "-AbCdEfGhIjKlMnOpQrStUv" not in command
