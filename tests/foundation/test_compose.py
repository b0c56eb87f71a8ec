"""docker-compose.yml cannot run here (no Docker engine); check that it parses and wires what ddeflow needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def _compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def test_compose_has_kraft_kafka_and_a_registry() -> None:
    services = _compose()["services"]
    kafka_env = services["kafka"]["environment"]
    assert "controller" in kafka_env["KAFKA_PROCESS_ROLES"]
    assert kafka_env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == 1
    assert kafka_env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == 1
    assert "9092:9092" in services["kafka"]["ports"]
    assert services["registry"]["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_every_dependency_and_volume_is_declared() -> None:
    document = _compose()
    services = document["services"]
    volumes = set(document.get("volumes") or {})
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on undeclared {dependency}"
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            assert source.startswith((".", "/")) or source in volumes, f"{name} mounts undeclared {source}"


def _ddeflow_command_lines(service: dict[str, Any]) -> list[list[str]]:
    command = service["command"]
    if service.get("entrypoint") == ["sh", "-c"]:
        return [part.split() for part in " ".join(command).split("&&")]
    return [command]


def test_pipeline_services_run_real_ddeflow_commands() -> None:
    from ddeflow.cli import build_parser

    services = _compose()["services"]
    pipeline = {name: s for name, s in services.items() if "pipeline" in s.get("profiles", []) and "build" in s}
    assert set(pipeline) == {"simulator", "ingest", "process"}
    parser = build_parser()
    for name, service in pipeline.items():
        for line in _ddeflow_command_lines(service):
            assert line[0] != "ddeflow" or len(line) > 1, name
            args = parser.parse_args(line[1:] if line[0] == "ddeflow" else line)
            assert callable(args.handler), f"{name}: {line}"
    env = services["ingest"]["environment"]
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:29092"
    assert env["DDE_STREAMS_URL"].startswith("ws://simulator:")
    assert services["process"]["environment"] == env
