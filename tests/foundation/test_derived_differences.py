"""How a failed comparison of two runs' derived records reads: the key, the counts, and the fields that differ."""

from __future__ import annotations

from ddeflow.harness.derived import differences


def test_a_changed_field_a_doubled_record_and_a_missing_key_are_each_named() -> None:
    got = {"a": [{"x": 1, "y": 2}], "b": [1, 2]}
    want = {"a": [{"x": 1, "y": 3}], "b": [1], "c": [5]}
    assert differences(got, want) == [
        "key a: 1 records, expected 1; first difference at #0: y 2 (expected 3)",
        "key b: 2 records, expected 1; first difference at #1: 2 (expected None)",
        "key c: 0 records, expected 1; first difference at #0: None (expected 5)",
    ]


def test_equal_records_have_no_difference_and_many_are_cut_short() -> None:
    assert differences({"a": [1]}, {"a": [1]}) == []
    lines = differences({str(n): [n] for n in range(9)}, {}, limit=3)
    assert len(lines) == 4 and lines[-1] == "…"
