"""The CLI as a process: help, exit codes, and errors without tracebacks."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from ddeflow.cli import build_parser
from ddeflow.cli_help import EXAMPLES, commands, error_line
from ddeflow.errors import BrokerError, ConfigError


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ddeflow.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        check=False,
    )


COMMANDS = (
    "local",
    "generate",
    "simulate",
    "ingest",
    "process",
    "replay",
    "processors",
    "new-processor",
    "schemas",
    "topics",
    "acl",
    "tail",
    "board",
    "bench",
)


def test_help_lists_every_command_with_what_it_does() -> None:
    done = _run("--help")
    assert done.returncode == 0
    # A long command name has its help on the next line.
    listed = re.findall(r"^    ([\w-]+)(?: +|\n {10,})\S", done.stdout, flags=re.MULTILINE)
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


def test_every_command_and_sub_command_has_an_example_that_parses() -> None:
    parser = build_parser()
    paths = [path for path, _ in commands(parser)]
    assert set(paths) == set(EXAMPLES), set(paths) ^ set(EXAMPLES)
    for path, child in commands(parser):
        assert child.epilog and "example" in child.epilog, path
        words = shlex.split(EXAMPLES[path])
        while "=" in words[0]:  # the environment an example sets
            words.pop(0)
        assert words[0] == "ddeflow" and " ".join(words[1:]).startswith(path), path
        args = parser.parse_args(words[1:])
        assert callable(args.handler), path


def test_version_and_errors_are_one_line_with_a_hint() -> None:
    done = _run("--version")
    assert done.returncode == 0 and done.stdout.strip().startswith("ddeflow ")
    refused = error_line(BrokerError("topic t does not exist"))
    assert refused.startswith("ddeflow: error: topic t does not exist (hint: ") and "\n" not in refused
    assert error_line(ConfigError("set `X` first")) == "ddeflow: error: set `X` first"
    unexpected = error_line(RuntimeError("boom\nsecond line"))
    assert unexpected == "ddeflow: error: unexpected RuntimeError: boom second line (run with -v for the traceback)"


def test_building_the_parser_loads_no_plotting_library() -> None:
    """Every command (the worker and the producers too) builds the whole parser: what it imports, each one holds."""
    probe = "import sys, ddeflow.cli; ddeflow.cli.build_parser(); print(*sorted(sys.modules), sep='\\n')"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    loaded = {name.partition(".")[0] for name in done.stdout.split()}
    assert loaded & {"matplotlib", "numpy"} == set()
