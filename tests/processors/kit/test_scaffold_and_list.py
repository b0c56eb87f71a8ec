"""``ddeflow new-processor`` writes a processor whose own test passes unchanged; ``ddeflow processors list``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ddeflow.cli import main
from ddeflow.config import load_settings
from ddeflow.dde import Sport
from ddeflow.errors import ProcessorError
from ddeflow.processors import registry
from ddeflow.processors.api import Stream
from ddeflow.processors.builtins import BUILTINS
from ddeflow.processors.scaffold import scaffold

EXAMPLES = ["basketball-scoring-runs", "snooker-break-highlights"]


@pytest.mark.parametrize(("sport", "stream"), [("soccer", "actions"), ("snooker", "statistics")])
def test_the_scaffolds_own_test_passes_unchanged(
    tmp_path: Path, sport: str, stream: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "made"
    assert main(["new-processor", "cards-seen", "--sport", sport, "--stream", stream, "--dir", str(folder)]) == 0
    printed = capsys.readouterr().out
    assert "next steps" in printed and "ddeflow processors list" in printed
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "cards_seen/__init__.py",
        "cards_seen/cards_seen.avsc",
        "pyproject.toml",
        "test_cards_seen.py",
    ]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "test_cards_seen.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout
    # A second run refuses to overwrite the processor.
    assert main(["new-processor", "cards-seen", "--sport", sport, "--stream", stream, "--dir", str(folder)]) == 2


def test_the_scaffold_refuses_what_it_cannot_test() -> None:
    with pytest.raises(ProcessorError, match="lower case"):
        scaffold("Cards", Sport.SOCCER)
    with pytest.raises(ProcessorError, match="statistics"):
        scaffold("cards", Sport.SOCCER, Stream.STATISTICS)


def test_list_shows_the_installed_processors_and_which_are_enabled(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["processors", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert list(rows) == [p.name for p in BUILTINS] + EXAMPLES
    assert all(row[1] == "yes" for row in rows.values())
    assert "dde.snooker.break-highlights" in rows["snooker-break-highlights"]


def test_processors_are_enabled_and_disabled_by_settings_alone() -> None:
    names = [i.processor.name for i in registry.installed()]
    assert registry.enabled_names(load_settings(), names) == names
    off = load_settings(DDEFLOW_PROCESSORS_DISABLED="basketball-scoring-runs, fixture-events")
    assert "basketball-scoring-runs" not in registry.enabled_names(off, names)
    only = load_settings(DDEFLOW_PROCESSORS="action-states,snooker-break-highlights")
    assert [p.name for p in registry.enabled(only)] == ["action-states", "snooker-break-highlights"]
    with pytest.raises(ProcessorError, match="not installed"):
        registry.enabled_names(load_settings(DDEFLOW_PROCESSORS="no-such-thing"), names)
