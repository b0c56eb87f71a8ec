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
