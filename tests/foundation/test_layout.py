"""The broker and registry command lines and properties, checked without starting anything."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from ddeflow.errors import ConfigError
from ddeflow.local.layout import (
    Ports,
    StackLayout,
    formatted_cluster_id,
    kafka_command,
    kafka_properties,
    new_cluster_id,
    recorded_pid,
    recorded_ports,
    registry_command,
    stack_ports,
    storage_format_command,
)

PORTS = Ports(kafka=19092, controller=19093, registry=18081, registry_management=18082)
CLUSTER = stack_ports(29092, None, 28081, None, brokers=3)


def _props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def test_one_node_properties_allow_transactions() -> None:
    props = _props(kafka_properties(PORTS, 1, Path("/data")))
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
    assert props["node.id"] == "1"
    assert props["default.replication.factor"] == "1" and props["min.insync.replicas"] == "1"


def test_cluster_id_is_a_base64_uuid() -> None:
    cluster_id = new_cluster_id()
    assert len(cluster_id) == 22
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16
    assert new_cluster_id() != cluster_id


def test_commands_carry_the_marker_that_down_relies_on(tmp_path: Path) -> None:
    layout = StackLayout(tmp_path)
    kafka = kafka_command(Path("/jre/bin/java"), Path("/lib"), layout, PORTS, 1)
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
    command = storage_format_command(
        Path("/jre/bin/java"), Path("/lib"), StackLayout(tmp_path), "kafka", "-AbCdEfGhIjKlMnOpQrStUv"
    )
    assert "--cluster-id=-AbCdEfGhIjKlMnOpQrStUv" in command
    assert "-AbCdEfGhIjKlMnOpQrStUv" not in command


def test_cluster_ports_follow_from_the_first_broker_and_controller_port() -> None:
    assert [CLUSTER.kafka_port(node) for node in CLUSTER.node_ids] == [29092, 29093, 29094]
    assert [CLUSTER.controller_port(node) for node in CLUSTER.node_ids] == [29095, 29096, 29097]
    assert CLUSTER.bootstrap == "127.0.0.1:29092,127.0.0.1:29093,127.0.0.1:29094"
    assert CLUSTER.voters == "1@127.0.0.1:29095,2@127.0.0.1:29096,3@127.0.0.1:29097"
    assert CLUSTER.registry_management == 28082
    # One broker: the defaults the one-node stack always had.
    single = stack_ports(9092, None, 8081, None, brokers=1)
    assert (single.kafka, single.controller, single.bootstrap) == (9092, 9093, "127.0.0.1:9092")


def test_cluster_ports_that_overlap_or_an_unsupported_size_are_refused() -> None:
    with pytest.raises(ConfigError, match="overlap"):
        stack_ports(9092, 9093, 8081, None, brokers=3)  # controllers 9093.. would be brokers 2 and 3
    with pytest.raises(ConfigError, match="overlap"):
        stack_ports(9092, None, 9094, None, brokers=3)
    with pytest.raises(ConfigError, match="1 or 3"):
        stack_ports(9092, None, 8081, None, brokers=2)


@pytest.mark.parametrize("node", [1, 2, 3])
def test_each_cluster_node_is_a_voter_with_its_own_listeners_and_replicates_in_threes(node: int) -> None:
    props = _props(kafka_properties(CLUSTER, node, Path(f"/data/{node}")))
    port, controller = 29091 + node, 29094 + node
    assert props["node.id"] == str(node)
    assert props["process.roles"] == "broker,controller"
    assert props["controller.quorum.voters"] == CLUSTER.voters
    assert props["listeners"] == f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}"
    assert props["advertised.listeners"] == f"PLAINTEXT://127.0.0.1:{port}"
    assert props["log.dirs"] == f"/data/{node}"
    for key in (
        "default.replication.factor",
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "share.coordinator.state.topic.replication.factor",
    ):
        assert props[key] == "3", key
    for key in ("min.insync.replicas", "transaction.state.log.min.isr", "share.coordinator.state.topic.min.isr"):
        assert props[key] == "2", key


def test_each_cluster_node_has_its_own_files_marker_and_modest_heap(tmp_path: Path) -> None:
    layout = StackLayout(tmp_path)
    commands = {node: kafka_command(Path("/java"), Path("/lib"), layout, CLUSTER, node) for node in CLUSTER.node_ids}
    services = [CLUSTER.service(node) for node in CLUSTER.node_ids]
    assert services == ["kafka-1", "kafka-2", "kafka-3"]
    assert len({layout.broker_data(service) for service in services}) == 3
    assert len({layout.log(service) for service in services} | {layout.registry_log}) == 4
    for node, command in commands.items():
        assert [service for service in services if layout.marker(service) in command] == [CLUSTER.service(node)]
        assert command[-1] == str(layout.broker_properties(CLUSTER.service(node)))
        heap = next(arg for arg in command if arg.startswith("-Xmx"))
        assert int(heap.removeprefix("-Xmx").removesuffix("m")) < 512  # below the single node's
    # The one-node stack keeps its directory and log, so its data survives a cluster being tried.
    assert PORTS.service(1) == "kafka" and layout.broker_data("kafka") == tmp_path / "local" / "kafka" / "data"


def test_the_registry_is_given_every_broker() -> None:
    registry = registry_command(Path("/java"), Path("/r.jar"), StackLayout(Path("/h")), CLUSTER)
    assert f"-Dapicurio.kafkasql.bootstrap.servers={CLUSTER.bootstrap}" in registry


def test_recorded_state_round_trips_and_a_one_node_file_reads_as_one_broker() -> None:
    from dataclasses import asdict

    assert recorded_ports({"ports": asdict(CLUSTER)}) == CLUSTER
    before_clusters = {"ports": {"kafka": 9092, "controller": 9093, "registry": 8081, "registry_management": 8082}}
    assert recorded_ports(before_clusters) == stack_ports(9092, None, 8081, None, brokers=1)
    assert recorded_ports({}) is None and recorded_ports({"ports": {"kafka": "x"}}) is None
    assert recorded_pid({"kafka-2_pid": 41}, "kafka-2") == 41 and recorded_pid({}, "kafka-2") is None


def test_the_cluster_id_is_read_from_a_formatted_node() -> None:
    meta = "#\n#Tue Dec 01\nnode.id=2\ndirectory.id=abc\nversion=1\ncluster.id=-AbCdEfGhIjKlMnOpQrStUv\n"
    assert formatted_cluster_id(meta) == "-AbCdEfGhIjKlMnOpQrStUv"
    assert formatted_cluster_id("version=1\n") is None
