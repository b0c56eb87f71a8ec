"""The ``simulate`` sub-command's options and token sources (no server started)."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from ddeflow.config import Settings
from ddeflow.errors import ConfigError
from ddeflow.simulator.server.access import DDE_MEDIA_TYPE
from ddeflow.simulator.server.command import config_from_args, register
from tests.simulator.simserver_support import fixture_id, write_fixture


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    return parser.parse_args(["simulate", *argv])


def settings(token: str | None = None) -> Settings:
    return Settings.model_validate({"DDE_AUTH_TOKEN": SecretStr(token) if token else None})


def test_defaults_and_handler(tmp_path: Path) -> None:
    args = parse("--data", str(tmp_path))
    assert callable(args.handler)
    config = config_from_args(args, settings("from-env"))
    assert config.token == "from-env"
    assert (config.host, config.port, config.heartbeat_s, config.time_scale) == ("127.0.0.1", 8765, 10.0, 1.0)
    assert (config.rate_limit_per_s, config.rate_limit_burst) == (5.0, 5.0)
    assert "from-env" not in repr(config)


def test_token_sources_in_order(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n", encoding="utf-8")
    args = parse("--data", str(tmp_path), "--token-file", str(token_file), "--token", "from-flag")
    assert config_from_args(args, settings("from-env")).token == "from-file"
    assert config_from_args(parse("--data", str(tmp_path), "--token", "from-flag"), settings("e")).token == "from-flag"
    with pytest.raises(ConfigError, match="needs a token"):
        config_from_args(parse("--data", str(tmp_path)), settings(None))
    token_file.write_text("  \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="empty"):
        config_from_args(parse("--data", str(tmp_path), "--token-file", str(token_file)), settings())


def test_schedule_faults_and_knobs(tmp_path: Path) -> None:
    schedule = tmp_path / "schedule.json"
    schedule.write_text(json.dumps({"fx-1": 30, "fx-2": -5.5}), encoding="utf-8")
    args = parse(
        "--data", str(tmp_path), "--schedule", str(schedule), "--stagger", "2", "--time-scale", "0.01",
        "--seed", "42", "--fault", "drop_after_packets=100", "--fault", "fx-1:malformed_at=3,duplicate_probability=0.1",
        "--port", "0", "--heartbeat-s", "0.5", "--rate-limit", "0",
    )  # fmt: skip
    config = config_from_args(args, settings("t"))
    assert dict(config.go_live_s) == {"fx-1": 30.0, "fx-2": -5.5}
    assert (config.stagger_s, config.time_scale, config.seed, config.port) == (2.0, 0.01, 42, 0)
    assert config.faults == (
        (None, {"drop_after_packets": 100}),
        ("fx-1", {"malformed_at": 3, "duplicate_probability": 0.1}),
    )
    assert config.rate_limit_per_s == 0.0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--fault", "explode=1"], "unknown fault field"),
        (["--heartbeat-s", "0"], "heartbeat_s"),
        (["--time-scale", "-1"], "time_scale"),
    ],
)
def test_refusals(tmp_path: Path, extra: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_from_args(parse("--data", str(tmp_path), *extra), settings("t"))


def test_bad_schedule(tmp_path: Path) -> None:
    schedule = tmp_path / "schedule.json"
    schedule.write_text('["not", "an", "object"]', encoding="utf-8")
    with pytest.raises(ConfigError, match="must be a JSON object"):
        config_from_args(parse("--data", str(tmp_path), "--schedule", str(schedule)), settings("t"))


def test_the_command_serves_until_interrupted(tmp_path: Path) -> None:
    write_fixture(tmp_path, "basketball", fixture_id(1))
    script = (
        "import argparse, sys\n"
        "from ddeflow.config import load_settings\n"
        "from ddeflow.simulator.server.command import register\n"
        "parser = argparse.ArgumentParser()\n"
        "register(parser.add_subparsers(dest='command'))\n"
        "args = parser.parse_args(sys.argv[1:])\n"
        "sys.exit(args.handler(args, load_settings()))\n"
    )
    env = {**os.environ, "DDE_AUTH_TOKEN": "from-env"}
    env.pop("DDE_AUTH_TOKEN_FILE", None)
    argv = [sys.executable, "-c", script, "simulate", "--data", str(tmp_path), "--port", "0", "--rate-limit", "0"]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as process:
        try:
            assert process.stdout is not None
            banner = process.stdout.readline()
            url = re.search(r"(http://127\.0\.0\.1:\d+)", banner)
            assert url is not None, banner
            response = httpx.get(
                f"{url.group(1)}/basketball/fixtures/{fixture_id(1)}",
                headers={"Accept": DDE_MEDIA_TYPE, "Authorization": "Bearer from-env"},
                timeout=10,
            )
            assert response.status_code == 200
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=15) == 0
        finally:
            process.kill()
        assert process.stderr is not None
        assert "from-env" not in process.stderr.read() + banner


def test_tls_certificate_and_key_go_together(tmp_path: Path) -> None:
    args = parse("--data", str(tmp_path), "--tls-cert", "c.pem", "--tls-key", "k.pem")
    config = config_from_args(args, settings("t"))
    assert (config.tls_certfile, config.tls_keyfile) == (Path("c.pem"), Path("k.pem"))
    assert config_from_args(parse("--data", str(tmp_path)), settings("t")).tls_certfile is None
    with pytest.raises(ConfigError, match="go together"):
        config_from_args(parse("--data", str(tmp_path), "--tls-cert", "c.pem"), settings("t"))
