"""The scanner's per-partition key index, alone: what it says a partition may hold, and what it forgets."""

from __future__ import annotations

from dataclasses import dataclass

from ddeflow.producers.topic_scan import _KeyIndex


@dataclass(frozen=True)
class _Record:
    key: bytes
    offset: int


def _index(*records: tuple[bytes, int]) -> _KeyIndex:
    index = _KeyIndex(low=0, end=0)
    for key, offset in records:
        index.add(_Record(key, offset))
    index.end = max(offset for _, offset in records) + 1
    return index


def test_a_key_is_held_only_where_its_last_record_is_at_or_above_the_bound() -> None:
    index = _index((b"a", 0), (b"b", 1), (b"a", 5), (b"c", 3))
    assert index.last == {b"a": 5, b"b": 1, b"c": 3}
    assert index.last.get(b"b", -1) >= 1
    assert not index.last.get(b"b", -1) >= 2


def test_forgetting_below_a_bound_keeps_exactly_the_keys_with_a_record_from_there_on() -> None:
    index = _index((b"a", 0), (b"b", 1), (b"a", 5), (b"c", 3))
    index.forget_below(3)
    assert index.low == 3
    assert index.last == {b"a": 5, b"c": 3}
    # A lower bound than the index's own is never a reason to forget, nor to move the bound back.
    index.forget_below(1)
    assert index.low == 3
    assert index.last == {b"a": 5, b"c": 3}
