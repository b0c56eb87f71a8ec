"""The on-disk contract: layout, fixture.json, manifest.json and the ``generate`` command."""

from __future__ import annotations

import argparse
import json
import uuid
from pathlib import Path

import pytest

from ddeflow.simulator.generator import generate
from ddeflow.simulator.generator.command import register


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("season")
    generate("all", 2, 3, out)
    return out


def test_layout_has_every_file_for_every_fixture(season: Path) -> None:
    manifest = json.loads((season / "manifest.json").read_text())
    assert manifest["sports"] == ["basketball", "soccer", "volleyball", "snooker"]
    assert manifest["seed"] == 3
    assert len(manifest["fixtures"]) == 8
    for row in manifest["fixtures"]:
        folder = season / row["sport"] / row["id"]
        lines = (folder / "actions.jsonl").read_text().splitlines()
        assert len(lines) == row["packets"]
        assert all(line and "\n" not in line and ": " not in line[:40] for line in lines)
        stats = folder / "statistics.jsonl"
        if row["sport"] == "snooker":
            assert len(stats.read_text().splitlines()) == row["statistics"] > 0
        else:
            assert not stats.exists()
            assert row["statistics"] == 0
        truth = json.loads((folder / "truth.json").read_text())
        assert truth["fixtureId"] == row["id"]
        assert truth["final"]["packets"] == row["packets"]


def test_manifest_totals_add_up(season: Path) -> None:
    manifest = json.loads((season / "manifest.json").read_text())
    rows = manifest["fixtures"]
    totals = manifest["totals"]
    assert totals["fixtures"] == len(rows)
    assert totals["packets"] == sum(r["packets"] for r in rows)
    assert totals["statistics"] == sum(r["statistics"] for r in rows)
    assert sum(s["packets"] for s in totals["bySport"].values()) == totals["packets"]
    assert manifest["generatorVersion"]


def test_fixture_json_is_the_rest_fixture_object(season: Path) -> None:
    manifest = json.loads((season / "manifest.json").read_text())
    for row in manifest["fixtures"]:
        fixture = json.loads((season / row["sport"] / row["id"] / "fixture.json").read_text())
        assert set(fixture) == {
            "id",
            "name",
            "status",
            "collectionStatus",
            "type",
            "coverageLevel",
            "startDateUTC",
            "teams",
            "competition",
            "venue",
        }
        assert fixture["id"] == row["id"] == str(uuid.UUID(row["id"]))
        assert fixture["status"] == "Completed"
        assert fixture["collectionStatus"] == "PostMatchChecked"
        assert fixture["type"] == "Official"
        assert fixture["startDateUTC"] == row["startDateUTC"]
        assert [set(t) for t in fixture["teams"]] == [{"id", "name"}, {"id", "name"}]
        assert fixture["teams"][0]["id"] != fixture["teams"][1]["id"]
        assert fixture["name"] == f"{fixture['teams'][0]['name']} v {fixture['teams'][1]['name']}"
        assert set(fixture["competition"]) == set(fixture["venue"]) == {"id", "name"}
        first = json.loads((season / row["sport"] / row["id"] / "actions.jsonl").read_text().splitlines()[0])
        feed = "v2/volleyball" if row["sport"] == "volleyball" else row["sport"]
        assert first["websocket"]["id"] == (f"wss://dde-streams.data.srarena.io/{feed}/fixtures/{row['id']}/actions")


def test_no_statistics_leaves_out_only_the_statistics_file(tmp_path: Path) -> None:
    generate("snooker", 1, 3, tmp_path / "with")
    generate("snooker", 1, 3, tmp_path / "without", statistics=False)
    with_files = {p.relative_to(tmp_path / "with") for p in (tmp_path / "with").rglob("*.j*")}
    without_files = {p.relative_to(tmp_path / "without") for p in (tmp_path / "without").rglob("*.j*")}
    assert with_files - without_files == {p for p in with_files if p.name == "statistics.jsonl"}
    for name in without_files - {Path("manifest.json")}:
        assert (tmp_path / "with" / name).read_bytes() == (tmp_path / "without" / name).read_bytes()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ddeflow")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_command_generates_and_prints_one_line_per_sport(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _parser().parse_args(
        [
            "generate",
            "--sport",
            "volleyball",
            "--sport",
            "soccer",
            "--fixtures",
            "2",
            "--seed",
            "9",
            "--out",
            str(tmp_path),
        ]
    )
    assert args.handler(args, None) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines[:2]] == ["soccer", "volleyball"]
    assert all("2 fixtures" in line and "packets/s" in line for line in lines[:2])
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["sports"] == ["soccer", "volleyball"]
    assert manifest["seed"] == 9


def test_command_rejects_unknown_sports_and_negative_counts(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["generate", "--sport", "cricket"], ["generate", "--fixtures", "-1"]):
        with pytest.raises(SystemExit):
            _parser().parse_args(argv)
    capsys.readouterr()


def test_command_reports_an_unwritable_output_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    args = _parser().parse_args(["generate", "--sport", "soccer", "--fixtures", "1", "--out", str(blocker)])
    assert args.handler(args, None) == 2
    assert "cannot write" in capsys.readouterr().err
