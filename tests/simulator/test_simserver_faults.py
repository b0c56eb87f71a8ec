"""Fault settings and per-connection fault decisions with a seeded RNG: pure, no I/O."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ddeflow.simulator.server.faults import (
    ConnectionFaults,
    FaultBook,
    FaultKind,
    Faults,
    FaultSpec,
    FaultSpecError,
    parse_fault_fields,
    parse_fault_option,
    seeded_rng,
    should_fail_rest,
    shuffled,
    truncate_frame,
)


def events(count: int, start: int = 0) -> list[tuple[int, bytes]]:
    return [(i, json.dumps({"fixtureSeqNum": i, "text": "é" * (i % 4)}).encode()) for i in range(start, start + count)]


def test_parse_fields_and_clearing() -> None:
    changes = parse_fault_fields(
        [
            ("drop_after_packets", "5"),
            ("duplicate_probability", "0.25"),
            ("silence_s", "1.5"),
            ("reorder_window", "none"),
        ]
    )
    assert changes == {
        "drop_after_packets": 5,
        "duplicate_probability": 0.25,
        "silence_s": 1.5,
        "reorder_window": None,
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("drop_after_packets", "0"),
        ("drop_after_packets", "x"),
        ("drop_probability", "1.5"),
        ("silence_s", "-1"),
        ("silence_s", "nan"),
        ("duplicate_window", "0"),
        ("no_such_fault", "1"),
    ],
)
def test_parse_field_refusals(name: str, value: str) -> None:
    with pytest.raises(FaultSpecError):
        parse_fault_fields([(name, value)])


def test_parse_fault_option_scopes() -> None:
    assert parse_fault_option("drop_after_packets=3") == (None, {"drop_after_packets": 3})
    assert parse_fault_option("abc-123:malformed_at=2,reorder_window=3") == (
        "abc-123",
        {"malformed_at": 2, "reorder_window": 3},
    )
    for bad in ["", "abc:", "drop_after_packets", "x:y"]:
        with pytest.raises(FaultSpecError):
            parse_fault_option(bad)


def test_fixture_spec_overrides_global_field_by_field() -> None:
    book = FaultBook()
    book.update(None, {"drop_after_packets": 10, "duplicate_probability": 0.5})
    book.update("f1", {"drop_after_packets": 2})
    assert book.effective("f1") == Faults(drop_after_packets=2, duplicate_probability=0.5)
    assert book.effective("f2") == Faults(drop_after_packets=10, duplicate_probability=0.5)
    assert book.effective(None) == book.effective("f2")
    book.update("f1", {"drop_after_packets": None})
    assert book.snapshot() == {
        "global": {"drop_after_packets": 10, "duplicate_probability": 0.5},
        "fixtures": {},
    }
    book.update("f1", {"malformed_at": 1})
    book.clear(None)
    assert book.effective("f1") == Faults(malformed_at=1)
    book.clear_all()
    assert book.effective("f1") == Faults()


def test_spec_over_and_json() -> None:
    spec = FaultSpec(silence_s=2.0).over(FaultSpec(silence_s=1.0, silence_after_packets=3))
    assert spec.to_json() == {"silence_s": 2.0, "silence_after_packets": 3}
    assert FaultSpec().is_empty


def test_no_faults_sends_everything_in_order() -> None:
    batch = events(10)
    plan = ConnectionFaults(random.Random(1)).plan(batch, Faults())
    assert [(e.event_index, e.data) for e in plan.emits] == batch
    assert not plan.drop
    assert not plan.injected


def test_drop_after_n_counts_across_batches() -> None:
    faults = Faults(drop_after_packets=3)
    conn = ConnectionFaults(random.Random(1))
    first = conn.plan(events(2), faults)
    assert len(first.emits) == 2
    assert not first.drop
    second = conn.plan(events(2, start=2), faults)
    assert [e.event_index for e in second.emits] == [2]
    assert second.drop
    assert second.injected[FaultKind.DROP] == 1


def test_drop_probability_one_sends_nothing() -> None:
    plan = ConnectionFaults(random.Random(1)).plan(events(3), Faults(drop_probability=1.0))
    assert plan.emits == ()
    assert plan.drop


def test_duplicate_every_frame() -> None:
    plan = ConnectionFaults(random.Random(1)).plan(events(4), Faults(duplicate_probability=1.0))
    assert [e.event_index for e in plan.emits] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert [e.fault for e in plan.emits[1::2]] == [FaultKind.DUPLICATE] * 4
    assert plan.emits[0].data == plan.emits[1].data


def test_duplicate_copies_deliver_every_frame_three_times() -> None:
    plan = ConnectionFaults(random.Random(1)).plan(events(3), Faults(duplicate_probability=1.0, duplicate_copies=2))
    assert [e.event_index for e in plan.emits] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert [e.fault for e in plan.emits] == [None, FaultKind.DUPLICATE, FaultKind.DUPLICATE] * 3
    assert plan.injected[FaultKind.DUPLICATE] == 6


def test_duplicate_copies_count_toward_the_drop_limit() -> None:
    faults = Faults(duplicate_probability=1.0, duplicate_copies=2, drop_after_packets=4)
    plan = ConnectionFaults(random.Random(1)).plan(events(5), faults)
    assert [e.event_index for e in plan.emits] == [0, 0, 0, 1]
    assert plan.drop


def test_duplicate_window_reaches_back() -> None:
    conn = ConnectionFaults(random.Random(7))
    plan = conn.plan(events(200), Faults(duplicate_probability=1.0, duplicate_window=3))
    originals = [e.event_index for e in plan.emits if e.fault is None]
    assert originals == list(range(200))
    lags = set()
    last_original = -1
    for emit in plan.emits:
        if emit.fault is None:
            last_original = emit.event_index
        else:
            lags.add(last_original - emit.event_index)
    assert lags == {0, 1, 2}


def test_reorder_shuffles_each_window_and_keeps_every_frame() -> None:
    batch = events(9)
    plan = ConnectionFaults(random.Random(3)).plan(batch, Faults(reorder_window=3))
    order = [e.event_index for e in plan.emits]
    assert sorted(order) == list(range(9))
    for start in range(0, 9, 3):
        chunk = order[start : start + 3]
        assert sorted(chunk) == [start, start + 1, start + 2]
        assert chunk != sorted(chunk)
    assert plan.injected[FaultKind.REORDER] == 3


def test_malformed_at_position_replaces_only_that_event() -> None:
    batch = events(5)
    plan = ConnectionFaults(random.Random(1)).plan(batch, Faults(malformed_at=2))
    assert [e.event_index for e in plan.emits] == [0, 1, 2, 3, 4]
    bad = plan.emits[2]
    assert bad.fault is FaultKind.MALFORMED
    assert batch[2][1].startswith(bad.data)
    with pytest.raises(ValueError, match=r"Expecting|Unterminated|Invalid"):
        json.loads(bad.data)
    assert [e.data for i, e in enumerate(plan.emits) if i != 2] == [d for i, d in batch if i != 2]


def test_silence_once_per_connection_after_k_frames() -> None:
    faults = Faults(silence_s=2.0, silence_after_packets=2)
    conn = ConnectionFaults(random.Random(1))
    assert conn.silence_due_s(faults) == 0
    conn.plan(events(2), faults)
    assert conn.silence_due_s(faults) == 2.0
    assert conn.silence_due_s(faults) == 0


fault_settings = st.builds(
    Faults,
    drop_after_packets=st.integers(0, 20),
    drop_probability=st.sampled_from([0.0, 0.05, 0.5]),
    duplicate_probability=st.sampled_from([0.0, 0.3, 1.0]),
    duplicate_window=st.integers(1, 5),
    reorder_window=st.integers(0, 6),
    malformed_probability=st.sampled_from([0.0, 0.2]),
    malformed_at=st.integers(-1, 30),
)


@given(faults=fault_settings, seed=st.integers(0, 2**32), count=st.integers(1, 40))
def test_same_seed_same_decisions(faults: Faults, seed: int, count: int) -> None:
    batch = events(count)
    first = ConnectionFaults(seeded_rng(seed, "fx", "actions", 1)).plan(batch, faults)
    second = ConnectionFaults(seeded_rng(seed, "fx", "actions", 1)).plan(batch, faults)
    assert first == second
    by_index = dict(batch)
    for emit in first.emits:
        original = by_index[emit.event_index]
        if emit.fault is FaultKind.MALFORMED:
            assert original.startswith(emit.data)
            assert emit.data != original
        else:
            assert emit.data == original
    if faults.drop_after_packets:
        assert len(first.emits) <= faults.drop_after_packets


def test_different_connections_draw_differently() -> None:
    faults = Faults(duplicate_probability=0.5)
    plans = {
        tuple(e.event_index for e in ConnectionFaults(seeded_rng(9, "fx", "actions", n)).plan(events(30), faults).emits)
        for n in range(1, 6)
    }
    assert len(plans) > 1


json_objects = st.dictionaries(
    st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=20), st.booleans(), st.none()), min_size=0
)


@given(json_objects, st.booleans())
def test_truncated_frames_are_utf8_and_never_valid_json(obj: dict[str, object], spaced: bool) -> None:
    data = (json.dumps(obj, ensure_ascii=False) + (" \n" if spaced else "")).encode("utf-8")
    truncated = truncate_frame(data)
    text = truncated.decode("utf-8")  # never splits a character
    assert data.decode("utf-8").startswith(text)
    with pytest.raises(ValueError):  # noqa: PT011 - any JSON decoding error will do
        json.loads(truncated)


@given(st.integers(2, 12), st.integers(0, 2**32))
def test_shuffled_is_never_the_identity(count: int, seed: int) -> None:
    order = shuffled(count, random.Random(seed))
    assert sorted(order) == list(range(count))
    assert order != list(range(count))


def test_rest_error_probability() -> None:
    rng = random.Random(5)
    assert not any(should_fail_rest(Faults(), rng) for _ in range(100))
    assert all(should_fail_rest(Faults(rest_error_probability=1.0), rng) for _ in range(100))
    draws = [should_fail_rest(Faults(rest_error_probability=0.5), rng) for _ in range(400)]
    assert 120 < sum(draws) < 280


def test_events_before_silence_caps_the_batch_until_the_silence() -> None:
    faults = Faults(silence_s=1.0, silence_after_packets=3)
    conn = ConnectionFaults(random.Random(1))
    assert conn.events_before_silence(Faults()) is None
    assert conn.events_before_silence(faults) == 3
    conn.plan(events(2), faults)
    assert conn.events_before_silence(faults) == 1
    conn.plan(events(1, start=2), faults)
    assert conn.events_before_silence(faults) == 0
    assert conn.silence_due_s(faults) == 1.0
    assert conn.events_before_silence(faults) is None
