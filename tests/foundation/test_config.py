"""Settings are read once from named variables, validated, and never leak secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from ddeflow.config import load_settings
from ddeflow.errors import ConfigError


def test_explicit_infrastructure_and_prefix() -> None:
    settings = load_settings(
        KAFKA_BOOTSTRAP_SERVERS="broker-a:9092,broker-b:9092",
        SCHEMA_REGISTRY_URL="https://registry.example:8081",
        DDEFLOW_TOPIC_PREFIX="team1.",
    )
    assert settings.kafka_bootstrap_servers == "broker-a:9092,broker-b:9092"
    assert not settings.uses_local_stack
    assert settings.topic("dde.score-changes") == "team1.dde.score-changes"


def test_home_is_not_taken_from_the_unrelated_home_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/somewhere/else")
    monkeypatch.delenv("DDEFLOW_HOME", raising=False)
    assert load_settings().home == Path("/somewhere/else/.ddeflow")
    monkeypatch.setenv("DDEFLOW_HOME", "/srv/ddeflow")
    assert load_settings().home == Path("/srv/ddeflow")


@pytest.mark.parametrize("prefix", ["has space.", "slash/", "colon:"])
def test_topic_prefix_must_be_topic_safe(prefix: str) -> None:
    with pytest.raises(ConfigError, match="DDEFLOW_TOPIC_PREFIX"):
        load_settings(DDEFLOW_TOPIC_PREFIX=prefix)


def test_bad_security_protocol_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="KAFKA_SECURITY_PROTOCOL"):
        load_settings(KAFKA_SECURITY_PROTOCOL="TLS")


def test_secrets_do_not_print() -> None:
    settings = load_settings(DDE_AUTH_TOKEN="tok-very-secret", KAFKA_SASL_PASSWORD="pw-very-secret")
    shown = repr(settings) + str(settings)
    assert "tok-very-secret" not in shown
    assert "pw-very-secret" not in shown
    token = settings.auth_token()
    assert token is not None and token.get_secret_value() == "tok-very-secret"


def test_token_from_file(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("file-token\n", encoding="utf-8")
    token = load_settings(DDE_AUTH_TOKEN_FILE=str(path)).auth_token()
    assert token is not None and token.get_secret_value() == "file-token"
    path.write_text("   \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is empty"):
        load_settings(DDE_AUTH_TOKEN_FILE=str(path)).auth_token()
    with pytest.raises(ConfigError, match="cannot be read"):
        load_settings(DDE_AUTH_TOKEN_FILE=str(tmp_path / "missing")).auth_token()


def test_settings_are_frozen() -> None:
    settings = load_settings()
    with pytest.raises(Exception, match="frozen"):
        settings.topic_prefix = "x."  # type: ignore[misc]
