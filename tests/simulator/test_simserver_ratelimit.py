"""Token-bucket arithmetic with a given clock: pure, no I/O."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ddeflow.simulator.server.ratelimit import Decision, RateLimiter, TokenBucket


def test_burst_then_refusal_then_refill() -> None:
    bucket = TokenBucket(rate_per_s=5, burst=5, now_s=0.0)
    assert all(bucket.take(0.0).allowed for _ in range(5))
    refused = bucket.take(0.0)
    assert not refused.allowed
    assert refused.retry_after_s == pytest.approx(0.2)
    assert not bucket.take(0.1).allowed
    assert bucket.take(0.2).allowed


@pytest.mark.parametrize(("retry_after_s", "header"), [(0.01, "1"), (1.0, "1"), (1.2, "2"), (0.0, "1")])
def test_retry_after_header_is_whole_seconds_rounded_up(retry_after_s: float, header: str) -> None:
    assert Decision(False, retry_after_s).retry_after_header == header


def test_invalid_bucket_settings() -> None:
    with pytest.raises(ValueError, match="rate_per_s"):
        TokenBucket(rate_per_s=0, burst=5, now_s=0)


def test_limiter_keys_are_independent_and_zero_rate_disables() -> None:
    limiter = RateLimiter(rate_per_s=1, burst=1)
    assert limiter.take("a", 0.0).allowed
    assert not limiter.take("a", 0.0).allowed
    assert limiter.take("b", 0.0).allowed
    off = RateLimiter(rate_per_s=0, burst=1)
    assert all(off.take("a", 0.0).allowed for _ in range(100))


def test_sweep_forgets_full_buckets_only() -> None:
    limiter = RateLimiter(rate_per_s=1, burst=2)
    limiter.take("old", 0.0)
    limiter.take("busy", 9.5)
    limiter.take("busy", 9.5)
    limiter.sweep(10.0)
    assert len(limiter) == 1  # "old" refilled long ago; "busy" is still two tokens down


@given(
    rate=st.floats(min_value=0.5, max_value=50),
    burst=st.integers(min_value=1, max_value=20),
    gaps=st.lists(st.floats(min_value=0, max_value=2), min_size=1, max_size=200),
)
def test_never_more_than_burst_plus_rate_times_elapsed(rate: float, burst: int, gaps: list[float]) -> None:
    bucket = TokenBucket(rate_per_s=rate, burst=burst, now_s=0.0)
    now = 0.0
    allowed = 0
    for gap in gaps:
        now += gap
        decision = bucket.take(now)
        allowed += decision.allowed
        assert allowed <= burst + rate * now + 1e-9
        if not decision.allowed:
            assert 0 < decision.retry_after_s <= 1 / rate + 1e-9


@given(rate=st.floats(min_value=0.5, max_value=50), count=st.integers(min_value=1, max_value=100))
def test_requests_spaced_at_the_rate_are_always_allowed(rate: float, count: int) -> None:
    bucket = TokenBucket(rate_per_s=rate, burst=1, now_s=0.0)
    assert all(bucket.take(i / rate).allowed for i in range(count))
