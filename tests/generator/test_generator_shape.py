"""Generated frames have the feed's shape (the reference samples) and parse with ``ddeflow.dde.parse``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from generator_support import SPORTS, match, packets, snapshots

from ddeflow.dde.parse import parse_action_packet, parse_statistics_packet

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _samples(pattern: str) -> list[Any]:
    """The feed's own sample packets, kept as test data (see tests/data/samples/README.md)."""
    found = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(SAMPLES.glob(pattern))]
    assert found, f"no samples match {pattern}"
    return found


def _sample_action_packet() -> dict[str, Any]:
    for block in _samples("basketball-2026-[0-9]*.json"):
        if isinstance(block, dict) and block.get("version") == 3 and block["fixtureAction"].get("team"):
            return block
    raise AssertionError("no version-3 action packet with a team in the sample")


def _merge(shapes: list[Any]) -> Any:
    """One shape standing for several: dict keys united, lists folded, the first scalar type kept."""
    dicts = [s for s in shapes if isinstance(s, dict)]
    if dicts:
        keys = list(dict.fromkeys(k for d in dicts for k in d))
        return {k: _merge([d[k] for d in dicts if k in d]) for k in keys}
    lists = [s for s in shapes if isinstance(s, list)]
    if lists:
        items = [item for lst in lists for item in lst]
        return [_merge(items)] if items else []
    typed = [s for s in shapes if s != "NoneType"]
    return typed[0] if typed else "NoneType"


def _shape(value: Any) -> Any:
    """Keys and value types; list items and id-keyed map values folded into one shape."""
    if isinstance(value, dict):
        if value and all(_UUID.match(k) for k in value):
            return {"<id>": _merge([_shape(v) for v in value.values()])}
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_merge([_shape(v) for v in value])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _differences(ours: Any, sample: Any, path: str = "") -> list[str]:
    """Where two shapes differ; an empty list on either side (no example) matches any list."""
    if isinstance(ours, dict) and isinstance(sample, dict):
        if set(ours) != set(sample):
            return [f"{path}: keys {sorted(set(ours) ^ set(sample))}"]
        return [d for k in ours for d in _differences(ours[k], sample[k], f"{path}.{k}")]
    if isinstance(ours, list) and isinstance(sample, list):
        if not ours or not sample:
            return []
        return _differences(ours[0], sample[0], f"{path}[]")
    if ours != sample and "NoneType" not in (ours, sample):
        return [f"{path}: {ours} vs {sample}"]
    return []


@pytest.mark.parametrize("sport", SPORTS)
def test_action_packets_have_the_sample_shape(sport: str) -> None:
    sample = _sample_action_packet()
    sample_summary, sample_period = sample["fixtureSummary"], sample["fixtureSummary"]["periods"][0]
    optional = {"fixtureActionSubType", "fixtureActionSubTypeId", "metadata", "player", "team"}
    for packet in packets(sport, 0, 0):
        assert set(packet) == set(sample) | {"finished"}
        assert packet["version"] == 3
        assert set(packet["websocket"]) == set(sample["websocket"])
        assert re.fullmatch(r"[0-9a-f]{32}", packet["traceId"])
        action = packet["fixtureAction"]
        assert set(sample["fixtureAction"]) - optional <= set(action) <= set(sample["fixtureAction"]) | optional
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", action["timestamp"])
        assert re.fullmatch(r"\d{2,3}:\d\d", action["clockTime"])
        if "team" in action:
            assert set(action["team"]) == set(sample["fixtureAction"]["team"])
        # Same keys, in the same (alphabetical) order as the v3 sample.
        assert list(packet["fixtureSummary"]) == list(sample_summary)
        for period in packet["fixtureSummary"]["periods"]:
            assert list(period) == list(sample_period)


def test_statistics_snapshots_have_the_sample_shape() -> None:
    sample = _samples("snooker-statistics.json")[0]
    final = snapshots(0, 0)[-1]
    assert _differences(_shape(final), _shape(sample)) == []
    assert _differences(_shape(snapshots(0, 0)[40]), _shape(sample)) == []
    for snapshot in snapshots(0, 0)[::25]:
        assert list(snapshot) == list(sample)
        assert list(snapshot["advancedSportStatistics"]) == list(sample["advancedSportStatistics"])


@pytest.mark.parametrize("sport", SPORTS)
def test_every_action_packet_parses_with_dde_parse(sport: str) -> None:
    for index in range(2):
        lines = match(sport, 0, index).actions
        rows = packets(sport, 0, index)
        for line, raw in zip(lines, rows, strict=True):
            parsed = parse_action_packet(line.encode())
            assert parsed.fixture_action.fixture_seq_num == raw["fixtureAction"]["fixtureSeqNum"]
            assert parsed.fixture_action.action_id == raw["fixtureAction"]["actionId"]
            assert parsed.fixture_summary.home_team_score == raw["fixtureSummary"]["homeTeamScore"]
            assert parsed.fixture_summary.away_team_score == raw["fixtureSummary"]["awayTeamScore"]
            assert parsed.finished == raw["finished"]


def _has_break_in_progress(snapshot: dict[str, Any]) -> bool:
    breaks = snapshot["advancedSportStatistics"]["breaksStatistics"]["breaks"]
    return any(b["endTimestamp"] is None for b in breaks)


def test_statistics_snapshots_without_a_break_in_progress_parse_with_dde_parse() -> None:
    lines = match("snooker", 0, 0).statistics
    rows = snapshots(0, 0)
    complete = [(line, row) for line, row in zip(lines, rows, strict=True) if not _has_break_in_progress(row)]
    assert complete
    for line, row in complete:
        parsed = parse_statistics_packet(line.encode())
        assert parsed.seq_num == row["seqNum"]
        assert parsed.advanced_sport_statistics is not None
        assert len(parsed.advanced_sport_statistics.breaks or ()) == len(
            row["advancedSportStatistics"]["breaksStatistics"]["breaks"]
        )


def test_statistics_snapshots_with_a_break_in_progress_parse_with_dde_parse() -> None:
    lines = match("snooker", 0, 0).statistics
    rows = snapshots(0, 0)
    in_progress = [line for line, row in zip(lines, rows, strict=True) if _has_break_in_progress(row)]
    assert in_progress
    for line in in_progress:
        advanced = parse_statistics_packet(line.encode()).advanced_sport_statistics
        assert advanced is not None
        assert any(not b.ended for b in advanced.breaks or ())
