"""The CLI as a process: help, exit codes, and errors without tracebacks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ddeflow.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        check=False,
    )


COMMANDS = ("local", "generate", "simulate", "ingest", "process", "replay", "schemas", "topics", "acl", "tail", "board")


def test_help_lists_every_command_with_what_it_does() -> None:
    done = _run("--help")
    assert done.returncode == 0
    listed = re.findall(r"^    (\w+) +\S", done.stdout, flags=re.MULTILINE)
    assert sorted(listed) == sorted(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_its_own_help(command: str) -> None:
    done = _run(command, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: ddeflow {command}")


def test_invalid_configuration_is_one_clear_line() -> None:
    done = _run("local", "status", DDEFLOW_TOPIC_PREFIX="bad prefix")
    assert done.returncode == 2
    assert done.stderr.startswith("ddeflow: error: invalid configuration: DDEFLOW_TOPIC_PREFIX")
    assert "Traceback" not in done.stderr


def test_a_cluster_size_other_than_one_or_three_is_refused() -> None:
    done = _run("local", "up", "--brokers", "2")
    assert done.returncode == 2
    assert "invalid choice: 2" in done.stderr


def test_cluster_ports_that_overlap_are_refused_before_anything_starts(tmp_path: Path) -> None:
    done = _run(
        "local",
        "up",
        "--brokers",
        "3",
        DDEFLOW_HOME=str(tmp_path),
        DDEFLOW_LOCAL_KAFKA_PORT="39092",
        DDEFLOW_LOCAL_CONTROLLER_PORT="39093",
    )
    assert done.returncode == 2
    assert "ports overlap" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "local" / "kafka-1").exists()
