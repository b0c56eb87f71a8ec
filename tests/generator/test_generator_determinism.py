"""Same (sport, fixtures, seed) gives the same bytes; a different seed gives different matches."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from ddeflow.simulator.generator import generate, generate_match
from ddeflow.simulator.generator.ids import fixture_id

SPORTS = ("basketball", "soccer", "volleyball", "snooker")


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("sport", SPORTS)
def test_same_inputs_give_identical_matches(sport: str) -> None:
    first = generate_match(sport, 11, 2)
    second = generate_match(sport, 11, 2)
    assert first.actions == second.actions
    assert first.statistics == second.statistics
    assert first.truth == second.truth
    assert first.fixture == second.fixture


@pytest.mark.parametrize("sport", SPORTS)
def test_a_different_seed_or_index_gives_a_different_match(sport: str) -> None:
    base = generate_match(sport, 11, 2)
    other_seed = generate_match(sport, 12, 2)
    other_index = generate_match(sport, 11, 3)
    for other in (other_seed, other_index):
        assert other.fixture_id != base.fixture_id
        assert other.actions != base.actions


def test_fixture_ids_are_uuids_that_depend_only_on_seed_sport_and_index() -> None:
    ids = {fixture_id(seed, sport, index) for seed in (0, 1) for sport in SPORTS for index in range(3)}
    assert len(ids) == 2 * len(SPORTS) * 3
    for text in ids:
        assert str(uuid.UUID(text)) == text
    assert generate_match("volleyball", 5, 4).fixture_id == fixture_id(5, "volleyball", 4)


def test_written_season_is_byte_identical_across_runs_and_worker_counts(tmp_path: Path) -> None:
    generate("all", 2, 21, tmp_path / "a")
    generate(["all"], 2, 21, tmp_path / "b", workers=2)
    first, second = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert first.keys() == second.keys()
    assert first == second


def test_a_different_seed_writes_different_bytes(tmp_path: Path) -> None:
    generate("basketball", 1, 21, tmp_path / "a")
    generate("basketball", 1, 22, tmp_path / "b")
    first, second = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert first.keys() != second.keys()
    assert sorted(first.values()) != sorted(second.values())


def test_fixture_i_is_the_same_in_a_small_and_a_larger_run(tmp_path: Path) -> None:
    generate("soccer", 1, 3, tmp_path / "small")
    generate("soccer", 3, 3, tmp_path / "large")
    small, large = _tree(tmp_path / "small"), _tree(tmp_path / "large")
    shared = [name for name in small if name != "manifest.json"]
    assert shared
    assert all(small[name] == large[name] for name in shared)


def test_statistics_switch_changes_nothing_but_the_statistics() -> None:
    with_stats = generate_match("snooker", 8, 1)
    without = generate_match("snooker", 8, 1, statistics=False)
    assert with_stats.statistics
    assert not without.statistics
    assert with_stats.actions == without.actions
    assert with_stats.truth == without.truth
