"""The chaos suite's comparison: lists in, counts out."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ddeflow.chaos.compare import (
    NO_KEY,
    Counts,
    common_order_length,
    compare_runs,
    compare_sequence,
    compare_topic,
    total,
)


def test_identical_sequences_are_clean() -> None:
    assert compare_sequence(["a", "b", "c"], ["a", "b", "c"]) == Counts()
    assert compare_sequence([], []).clean


def test_a_lost_record_is_missing() -> None:
    assert compare_sequence(["a", "b", "c"], ["a", "c"]) == Counts(missing=1)


def test_a_repeated_record_is_doubled_wherever_it_lands() -> None:
    assert compare_sequence(["a", "b", "c"], ["a", "b", "b", "c"]) == Counts(doubled=1)
    assert compare_sequence(["a", "b", "c"], ["a", "b", "c", "a"]) == Counts(doubled=1)
    assert compare_sequence(["a", "b"], ["b", "a", "b"]) == Counts(doubled=1)


def test_a_value_the_golden_run_never_had_is_unexpected() -> None:
    assert compare_sequence(["a", "b"], ["a", "x", "b"]) == Counts(unexpected=1)


def test_a_changed_record_is_one_missing_and_one_unexpected() -> None:
    assert compare_sequence(["a", "b", "c"], ["a", "B", "c"]) == Counts(missing=1, unexpected=1)


def test_one_record_moved_counts_once() -> None:
    assert compare_sequence(["a", "b", "c", "d"], ["b", "c", "d", "a"]) == Counts(reordered=1)
    assert compare_sequence(["a", "b", "c"], ["b", "a", "c"]) == Counts(reordered=1)


def test_a_reversed_sequence_keeps_only_one_record_in_order() -> None:
    assert compare_sequence(list("abcde"), list("edcba")) == Counts(reordered=4)


def test_counts_combine() -> None:
    assert compare_sequence(list("abcd"), list("bxadd")) == Counts(missing=1, doubled=1, unexpected=1, reordered=1)


def test_repeated_values_in_the_golden_run_are_matched_by_count() -> None:
    assert compare_sequence(["a", "a", "b"], ["a", "b"]) == Counts(missing=1)
    assert compare_sequence(["a", "a", "b"], ["a", "a", "a", "b"]) == Counts(doubled=1)
    assert compare_sequence(["a", "b", "a"], ["a", "a", "b"]) == Counts(reordered=1)


def _lcs_by_table(left: list[int], right: list[int]) -> int:
    table = [[0] * (len(right) + 1) for _ in range(len(left) + 1)]
    for i, x in enumerate(left):
        for j, y in enumerate(right):
            table[i + 1][j + 1] = table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
    return table[-1][-1]


@given(st.lists(st.integers(0, 6), max_size=30), st.lists(st.integers(0, 6), max_size=30))
def test_common_order_length_is_the_longest_common_subsequence(left: list[int], right: list[int]) -> None:
    assert common_order_length(left, right) == _lcs_by_table(left, right)


@given(st.lists(st.integers(0, 20), max_size=40), st.randoms(use_true_random=False))
def test_a_permutation_loses_and_adds_nothing(golden: list[int], rng: object) -> None:
    shuffled = list(golden)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    counts = compare_sequence(golden, shuffled)
    assert (counts.missing, counts.doubled, counts.unexpected) == (0, 0, 0)
    assert counts.reordered == len(golden) - _lcs_by_table(golden, shuffled)


def test_topics_compare_key_by_key_and_only_differing_keys_are_listed() -> None:
    golden = {"f1": ["a", "b"], "f2": ["c"], None: ["d"]}
    observed = {"f1": ["b", "a"], "f2": ["c"], "f3": ["e"]}
    diff = compare_topic("dde.score-changes", golden, observed)
    assert diff.totals == Counts(missing=1, unexpected=1, reordered=1)
    assert dict(diff.keys) == {"f1": Counts(reordered=1), "f3": Counts(unexpected=1), NO_KEY: Counts(missing=1)}
    assert (diff.golden_records, diff.records) == (4, 4)


def test_a_topic_only_one_run_has_counts_in_full() -> None:
    diffs = compare_runs({"dde.fixture-events": {"f1": ["a", "b"]}}, {"dde.dlq": {"f1": ["x"]}})
    assert [d.topic for d in diffs] == ["dde.dlq", "dde.fixture-events"]
    assert total(diffs) == Counts(missing=2, unexpected=1)


def test_the_json_form_has_stable_keys() -> None:
    diff = compare_topic("t", {"k": ["a"]}, {"k": ["a", "a"]})
    assert diff.to_json() == {
        "golden_records": 1,
        "records": 2,
        "missing": 0,
        "doubled": 1,
        "unexpected": 0,
        "reordered": 0,
        "keys": {"k": {"missing": 0, "doubled": 1, "unexpected": 0, "reordered": 0}},
    }
