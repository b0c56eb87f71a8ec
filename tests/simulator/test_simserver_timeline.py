"""The live clock model: timestamps, relative times, phases and pacing.  Pure, no I/O."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ddeflow.simulator.server.timeline import (
    Pacing,
    PacingMode,
    Phase,
    go_live_offsets,
    parse_utc_s,
    phase_at,
    relative_times,
)

BASE = datetime(2026, 5, 6, 19, 5, 8, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-05-06T19:05:08Z", BASE),
        ("2026-05-06T19:05:08.376151Z", BASE + 0.376151),
        ("2026-05-06T19:05:08.376151400Z", BASE + 0.376151),
        ("2026-05-06T19:05:08.5", BASE + 0.5),
        ("2026-05-06T21:05:08.5+02:00", BASE + 0.5),
    ],
)
def test_parse_utc(text: str, expected: float) -> None:
    assert parse_utc_s(text) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("value", ["", "yesterday", "2026-13-06T19:05:08Z", 12345, None, "2026-05-06"])
def test_parse_utc_refuses(value: object) -> None:
    assert parse_utc_s(value) is None


def test_relative_times_clamp_and_carry() -> None:
    times = [100.0, 99.0, None, 105.0, 200.0, 110.0]
    assert relative_times(times, 100.0, 12.0) == [0.0, 0.0, 0.0, 5.0, 12.0, 12.0]
    assert relative_times([None, 103.0], 100.0, None) == [0.0, 3.0]
    # The last packet is due when the fixture's status says it is over, even without a time of its own.
    assert relative_times([100.0, None], 100.0, 7.0) == [0.0, 7.0]


@given(
    st.lists(st.one_of(st.none(), st.floats(min_value=-100, max_value=1000)), min_size=1, max_size=60),
    st.floats(min_value=0, max_value=500),
)
def test_relative_times_are_ordered_and_bounded(times: list[float | None], end: float) -> None:
    rel = relative_times(times, 0.0, end)
    assert all(0 <= a <= b <= end for a, b in itertools.pairwise(rel))
    assert rel[-1] == end


def test_phases() -> None:
    assert phase_at(0.9, go_live_s=1.0, end_rel=100, time_scale=0.01) is Phase.SCHEDULED
    assert phase_at(1.0, go_live_s=1.0, end_rel=100, time_scale=0.01) is Phase.LIVE
    assert phase_at(1.99, go_live_s=1.0, end_rel=100, time_scale=0.01) is Phase.LIVE
    assert phase_at(2.0, go_live_s=1.0, end_rel=100, time_scale=0.01) is Phase.OVER
    assert phase_at(5.0, go_live_s=5.0, end_rel=100, time_scale=0.0) is Phase.OVER


def test_pacing_choice() -> None:
    common = {"go_live_s": 10.0, "end_rel": 100.0, "start_rel": 40.0, "time_scale": 0.1}
    assert Pacing.choose(now_s=5.0, fast=True, **common).mode is PacingMode.LIVE  # not live yet
    assert Pacing.choose(now_s=15.0, fast=True, **common).mode is PacingMode.LIVE  # live: speed ignored
    assert Pacing.choose(now_s=20.0, fast=True, **common).mode is PacingMode.FAST
    replay = Pacing.choose(now_s=20.0, fast=False, **common)
    assert replay == Pacing(PacingMode.REPLAY, 20.0, 40.0, 0.1)
    assert replay.due_s(40.0) == 20.0
    assert replay.due_s(50.0) == pytest.approx(21.0)


def test_live_pacing_counts_what_is_available() -> None:
    rel = [0.0, 1.0, 1.0, 5.0, 10.0]
    live = Pacing(PacingMode.LIVE, origin_s=2.0, base_rel_s=0.0, time_scale=0.5)
    assert live.due_count(rel, 1.9) == 0
    assert live.due_count(rel, 2.0) == 1
    assert live.due_count(rel, 2.5) == 3
    assert live.due_count(rel, 7.0) == 5
    assert Pacing(PacingMode.FAST, -math.inf, 0.0, 0.0).due_count(rel, -1e9) == 5


@given(
    st.lists(st.floats(min_value=0, max_value=1000), min_size=1, max_size=50).map(sorted),
    st.floats(min_value=-10, max_value=2000),
    st.sampled_from([0.0, 0.001, 0.5, 1.0]),
    st.floats(min_value=-5, max_value=5),
)
def test_due_count_agrees_with_due_s(rel: list[float], now: float, scale: float, origin: float) -> None:
    pacing = Pacing(PacingMode.LIVE, origin, 0.0, scale)
    assert pacing.due_count(rel, now) == sum(pacing.due_s(r) <= now for r in rel)


def test_go_live_offsets() -> None:
    assert go_live_offsets(["a", "b", "c"], stagger_s=2.0, explicit={"b": -5.0}) == {
        "a": 0.0,
        "b": -5.0,
        "c": 4.0,
    }
