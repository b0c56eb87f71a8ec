"""The CLI as a process: help, exit codes, and errors without tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ddeflow.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        check=False,
    )


def test_help_lists_the_commands() -> None:
    done = _run("--help")
    assert done.returncode == 0
    assert "local" in done.stdout


def test_invalid_configuration_is_one_clear_line() -> None:
    done = _run("local", "status", DDEFLOW_TOPIC_PREFIX="bad prefix")
    assert done.returncode == 2
    assert done.stderr.startswith("ddeflow: error: invalid configuration: DDEFLOW_TOPIC_PREFIX")
    assert "Traceback" not in done.stderr
