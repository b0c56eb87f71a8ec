"""The event/duplicate position tracker, and resuming it from what a crash left in the topic.  Pure."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from ddeflow.producers.positions import Observation, StreamPositions


def _frame(event: int) -> bytes:
    return f'{{"fixtureAction":{{"fixtureSeqNum":{event + 1}}}}}'.encode()


def test_distinct_frames_are_events_and_repeats_carry_the_original_position() -> None:
    positions = StreamPositions()
    frames = [_frame(0), _frame(1), _frame(1), _frame(2), _frame(0), _frame(3)]
    assert [positions.observe(f) for f in frames] == [
        Observation(0, False),
        Observation(1, False),
        Observation(1, True),
        Observation(2, False),
        Observation(0, True),
        Observation(3, False),
    ]
    assert positions.next_position == 4
    assert positions.duplicates == 2


def test_a_repeat_older_than_the_window_counts_as_a_new_event() -> None:
    positions = StreamPositions(recent=2)
    for event in range(3):
        positions.observe(_frame(event))
    assert positions.observe(_frame(0)) == Observation(3, False)
    assert positions.observe(_frame(2)) == Observation(2, True)


def test_restore_resumes_after_the_highest_position_and_remembers_the_bytes() -> None:
    positions = StreamPositions()
    positions.restore([(5, _frame(5)), (6, _frame(6)), (5, _frame(5)), (7, _frame(7))])
    assert positions.next_position == 8
    assert positions.observe(_frame(6)) == Observation(6, True)
    assert positions.observe(_frame(8)) == Observation(8, False)


def _served(seed: int, events: int, dup_chance: float, reach: int) -> list[bytes]:
    """Frames as a feed with re-deliveries serves them: each event once, sometimes a recent one again."""
    rng = random.Random(seed)
    frames: list[bytes] = []
    for event in range(events):
        frames.append(_frame(event))
        if rng.random() < dup_chance:
            frames.append(_frame(max(0, event - rng.randrange(reach))))
    return frames


@given(
    seed=st.integers(0, 10**6),
    events=st.integers(1, 120),
    dup_chance=st.floats(0.0, 0.6),
    reach=st.integers(1, 8),
)
def test_positions_are_event_indexes_whatever_the_repeats(
    seed: int, events: int, dup_chance: float, reach: int
) -> None:
    positions = StreamPositions()
    frames = _served(seed, events, dup_chance, reach)
    seen: dict[bytes, int] = {}
    for frame in frames:
        observation = positions.observe(frame)
        if frame in seen:
            assert observation == Observation(seen[frame], True)
        else:
            assert observation == Observation(len(seen), False)
            seen[frame] = observation.position
    assert positions.next_position == events


@given(
    seed=st.integers(0, 10**6),
    events=st.integers(2, 100),
    dup_chance=st.floats(0.0, 0.5),
    kill_at=st.floats(0.0, 1.0),
    keep=st.integers(8, 64),
)
def test_a_restart_from_any_topic_prefix_neither_skips_nor_repeats(
    seed: int, events: int, dup_chance: float, kill_at: float, keep: int
) -> None:
    """A crash leaves a prefix of the written records; the restarted tracker resumes exactly after it."""
    reach = 4
    frames = _served(seed, events, dup_chance, reach)
    before = StreamPositions()
    written = [(before.observe(frame).position, frame) for frame in frames]
    prefix = written[: int(kill_at * len(written))]
    after = StreamPositions()
    after.restore(prefix[-keep:])  # the scanner reads back only the latest records
    resume_at = after.next_position
    assert resume_at == len({frame for _, frame in prefix})  # every event in the topic, none beyond
    # The feed resumes at ``resume_at``: events from there on, with its own re-deliveries.
    resent = _served(seed + 1, events, dup_chance, reach)
    resent = [f for f in resent if _event(f) >= resume_at]
    rest = [(after.observe(frame).position, frame) for frame in resent]
    combined = prefix + rest
    # Every event exactly once as a first appearance, in order; each record carries its event's index.
    assert list(dict.fromkeys(frame for _, frame in combined)) == [_frame(e) for e in range(events)]
    assert all(position == _event(frame) for position, frame in combined)
    # The resume itself repeats nothing: its first frame is the event right after the prefix.
    assert not rest or rest[0][1] == _frame(resume_at)


def _event(frame: bytes) -> int:
    return int(frame.split(b":")[-1].rstrip(b"}")) - 1
