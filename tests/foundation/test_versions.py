"""One Kafka and one registry version: what ``ddeflow local`` fetches, the tests' containers and docker-compose run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ddeflow import versions
from ddeflow.config import load_settings
from ddeflow.harness.infra import kafka_container_env

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def test_docker_compose_runs_the_versions_ddeflow_local_fetches() -> None:
    services = _compose()["services"]
    settings = load_settings(DDEFLOW_KAFKA_VERSION=versions.KAFKA_VERSION)
    assert services["kafka"]["image"] == versions.KAFKA_IMAGE == f"apache/kafka:{load_settings().kafka_version}"
    assert services["registry"]["image"] == versions.APICURIO_IMAGE
    assert versions.APICURIO_IMAGE.endswith(":" + settings.apicurio_version)


def test_the_test_container_sets_the_broker_as_docker_compose_does() -> None:
    compose = _compose()["services"]["kafka"]["environment"]
    env = kafka_container_env(19092)
    shared = {name for name in set(env) & set(compose) if "LISTENER" not in name and "QUORUM" not in name}
    assert len(shared) >= 8
    assert {name: env[name] for name in shared} == {name: str(compose[name]) for name in shared}
