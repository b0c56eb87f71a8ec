"""Backoff delays and the connection pacer: pure, with the clock given, no sleeping."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ddeflow.backoff import BackoffPolicy, backoff_delays
from ddeflow.errors import ConfigError
from ddeflow.producers.pacer import Pacer


def test_backoff_without_jitter_doubles_up_to_the_cap() -> None:
    delays = backoff_delays(BackoffPolicy(initial_s=0.5, max_s=6.0, factor=2.0, jitter=0.0), random.Random(1))
    assert [next(delays) for _ in range(7)] == [0.5, 1.0, 2.0, 4.0, 6.0, 6.0, 6.0]


@given(
    initial=st.floats(0.01, 5.0),
    spread=st.floats(1.0, 100.0),
    factor=st.floats(1.0, 4.0),
    jitter=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32),
)
def test_backoff_delays_stay_within_their_jittered_ceilings(
    initial: float, spread: float, factor: float, jitter: float, seed: int
) -> None:
    policy = BackoffPolicy(initial_s=initial, max_s=initial * spread, factor=factor, jitter=jitter)
    ceiling = initial
    for delay in [next(d) for d in [backoff_delays(policy, random.Random(seed))] for _ in range(30)]:
        assert (1 - jitter) * ceiling - 1e-9 <= delay <= ceiling + 1e-9
        ceiling = min(policy.max_s, ceiling * factor)


def test_backoff_jitter_spreads_streams_that_dropped_together() -> None:
    policy = BackoffPolicy(initial_s=1.0, jitter=0.5)
    firsts = {next(backoff_delays(policy, random.Random(seed))) for seed in range(50)}
    assert len(firsts) == 50 and min(firsts) >= 0.5 and max(firsts) <= 1.0


@pytest.mark.parametrize(
    "kwargs",
    [{"initial_s": 0}, {"initial_s": 2, "max_s": 1}, {"factor": 0.5}, {"jitter": 1.5}],
)
def test_backoff_policy_refuses_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        BackoffPolicy(**kwargs)


def test_pacer_lets_a_burst_through_then_one_window_per_batch() -> None:
    pacer = Pacer(max_attempts=5, window_s=1.0)
    waits = [pacer.reserve(0.0) for _ in range(12)]
    assert waits == [0.0] * 5 + [1.0] * 5 + [2.0] * 2


def test_two_hundred_streams_connecting_at_once_take_forty_seconds() -> None:
    pacer = Pacer(5, 1.0)
    assert max(pacer.reserve(0.0) for _ in range(200)) == pytest.approx(39.0)


@given(
    max_attempts=st.integers(1, 8),
    window=st.floats(0.1, 3.0),
    gaps=st.lists(st.floats(0.0, 2.0), min_size=1, max_size=80),
)
def test_pacer_never_exceeds_its_window_and_never_waits_needlessly(
    max_attempts: int, window: float, gaps: list[float]
) -> None:
    pacer = Pacer(max_attempts, window)
    now = 0.0
    slots: list[float] = []
    for gap in gaps:
        now += gap
        at = now + pacer.reserve(now)
        assert at >= now
        # Needless waits are bugs too: the slot is the request time or the moment the window frees up.
        earliest = max(now, slots[-max_attempts] + window) if len(slots) >= max_attempts else now
        assert at == pytest.approx(max(earliest, slots[-1] if slots else now))
        slots.append(at)
    for i in range(len(slots) - max_attempts):
        assert slots[i + max_attempts] - slots[i] >= window - 1e-9


def test_pacer_defers_after_retry_after() -> None:
    pacer = Pacer(5, 1.0)
    assert pacer.reserve(10.0) == 0.0
    pacer.defer_until(13.5)
    assert pacer.reserve(11.0) == pytest.approx(2.5)
    assert pacer.reserve(20.0) == 0.0


def test_pacer_refuses_nonsense() -> None:
    with pytest.raises(ConfigError):
        Pacer(0, 1.0)
    with pytest.raises(ConfigError):
        Pacer(5, 0.0)
