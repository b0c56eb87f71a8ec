"""How long a starting service is waited for: as long as its log grows (up to a limit), not a fixed time."""

from __future__ import annotations

from ddeflow.local.readiness import POLL_S, wait_until


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def run(
    clock: FakeClock,
    *,
    ready_at: float | None = None,
    dies_at: float | None = None,
    log_grows_until: float,
    stalled_s: float = 120.0,
    limit_s: float = 600.0,
) -> str:
    def check() -> bool:
        return ready_at is not None and clock.now >= ready_at

    def alive() -> bool:
        return dies_at is None or clock.now < dies_at

    def log_size() -> int:
        # One more line a second while it grows.
        return int(min(clock.now, log_grows_until))

    return wait_until(
        check, alive, stalled_s=stalled_s, limit_s=limit_s, progress=log_size, clock=clock, sleep=clock.sleep
    )


def test_a_slow_start_that_keeps_logging_is_waited_for_past_the_stall_time() -> None:
    clock = FakeClock()
    assert run(clock, ready_at=400.0, log_grows_until=1e9) == "ready"
    assert 400.0 <= clock.now < 400.0 + 2 * POLL_S


def test_a_start_whose_log_stops_is_given_up_once_the_log_has_been_still_for_the_stall_time() -> None:
    clock = FakeClock()
    assert run(clock, ready_at=None, log_grows_until=50.0) == "stalled"
    assert 50.0 + 120.0 <= clock.now < 50.0 + 120.0 + 2 * POLL_S


def test_the_limit_ends_the_wait_however_busy_the_log() -> None:
    clock = FakeClock()
    assert run(clock, ready_at=None, log_grows_until=1e9) == "timeout"
    assert 600.0 <= clock.now < 600.0 + 2 * POLL_S


def test_a_process_that_exits_is_reported_at_once() -> None:
    clock = FakeClock()
    assert run(clock, ready_at=None, dies_at=10.0, log_grows_until=1e9) == "died"
    assert clock.now < 10.0 + 2 * POLL_S


def test_ready_at_the_last_moment_counts_as_ready() -> None:
    clock = FakeClock()
    assert run(clock, ready_at=600.0, log_grows_until=1e9, limit_s=600.0) == "ready"
