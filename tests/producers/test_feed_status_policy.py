"""The feed-status state machine: which records a stream's events and times make.  Pure."""

from __future__ import annotations

import pytest

from ddeflow.errors import ConfigError
from ddeflow.producers.feed_status import DownReason, FeedState, StatusChange, StatusMachine

T0 = 1_764_612_000_000
THRESHOLD_MS = 20_000


def _started() -> StatusMachine:
    machine = StatusMachine(THRESHOLD_MS, T0)
    machine.connecting(T0, 0)
    return machine


def test_the_first_frame_of_a_run_is_up_without_a_down_before_it() -> None:
    machine = _started()
    change = machine.alive(T0 + 300)
    assert change == StatusChange(FeedState.UP, T0 + 300, T0 + 300, position=0, last_seq=None)
    machine.written(1, 7)
    assert machine.alive(T0 + 400) is None
    assert machine.state is FeedState.UP


def test_silence_is_down_once_the_threshold_passes_since_the_last_frame() -> None:
    machine = _started()
    machine.alive(T0)
    machine.written(5, 41)
    machine.alive(T0 + 9_000)  # a heartbeat keeps it up and restarts the count
    assert machine.due_ms() == T0 + 9_000 + THRESHOLD_MS
    assert machine.tick(T0 + 9_000 + THRESHOLD_MS - 1) is None
    down = machine.tick(T0 + 9_000 + THRESHOLD_MS + 250)
    assert down is not None
    assert (down.state, down.reason, down.since_ms, down.at_ms) == (
        FeedState.DOWN,
        DownReason.SILENCE,
        T0 + 9_000,
        T0 + 9_000 + THRESHOLD_MS + 250,
    )
    assert (down.position, down.last_seq) == (5, 41)
    assert machine.due_ms() is None and machine.tick(T0 + 90_000) is None  # one record per down


def test_a_silence_that_ends_on_the_same_connection_is_up_with_its_duration_and_no_gap() -> None:
    machine = _started()
    machine.alive(T0)
    machine.tick(T0 + 25_000)
    up = machine.alive(T0 + 27_500)
    assert up is not None
    assert (up.state, up.down_for_ms, up.gap_healed, up.since_ms) == (FeedState.UP, 27_500, False, T0 + 27_500)


def test_a_lost_connection_is_down_at_once_and_the_resumed_connection_heals_it() -> None:
    machine = _started()
    machine.alive(T0)
    machine.written(50, 1050)
    down = machine.lost(T0 + 1_000, DownReason.CONNECTION_LOST, "closed 1006")
    assert down is not None
    assert (down.state, down.since_ms, down.reason, down.detail) == (
        FeedState.DOWN,
        T0 + 1_000,
        DownReason.CONNECTION_LOST,
        "closed 1006",
    )
    machine.connecting(T0 + 1_200, 50)
    assert machine.lost(T0 + 1_300, DownReason.CONNECTION_LOST, "refused") is None  # still the same down
    machine.connecting(T0 + 2_000, 50)
    up = machine.alive(T0 + 2_100)
    assert up is not None
    assert (up.state, up.down_for_ms, up.gap_healed, up.position, up.last_seq) == (FeedState.UP, 1_100, True, 50, 1050)


def test_silence_then_a_dead_connection_then_a_reconnect_is_one_down_and_one_up_healed() -> None:
    machine = _started()
    machine.alive(T0)
    assert machine.tick(T0 + THRESHOLD_MS) is not None
    assert machine.lost(T0 + 30_000, DownReason.CONNECTION_LOST, "no frame for 30 s") is None
    machine.connecting(T0 + 30_500, 0)
    up = machine.alive(T0 + 30_600)
    assert up is not None and up.down_for_ms == 30_600 and up.gap_healed is True


def test_silence_before_the_first_frame_counts_from_the_first_connection_attempt() -> None:
    machine = StatusMachine(THRESHOLD_MS, T0)
    assert machine.due_ms() is None and machine.tick(T0 + 5 * THRESHOLD_MS) is None  # still reading the topic back
    machine.connecting(T0 + 3_000, 12)
    machine.connecting(T0 + 4_000, 12)  # a second attempt does not restart the count
    assert machine.due_ms() == T0 + 3_000 + THRESHOLD_MS
    down = machine.tick(T0 + 3_000 + THRESHOLD_MS)
    assert down is not None and down.since_ms == T0 + 3_000 and down.reason is DownReason.SILENCE
    assert down.position == 12


def test_finished_is_final() -> None:
    machine = _started()
    machine.alive(T0)
    machine.written(10, 99)
    done = machine.finished(T0 + 5)
    assert done is not None and (done.state, done.position, done.last_seq) == (FeedState.FINISHED, 10, 99)
    assert machine.lost(T0 + 6, DownReason.CONNECTION_LOST) is None
    assert machine.alive(T0 + 7) is None
    assert machine.tick(T0 + 10 * THRESHOLD_MS) is None
    assert machine.finished(T0 + 8) is None


def test_a_kafka_outage_is_its_own_reason() -> None:
    machine = _started()
    machine.alive(T0)
    down = machine.lost(T0 + 10, DownReason.KAFKA_OUTAGE, "Kafka is unavailable")
    assert down is not None and down.reason is DownReason.KAFKA_OUTAGE


def test_the_threshold_must_be_positive() -> None:
    with pytest.raises(ConfigError):
        StatusMachine(0, T0)
