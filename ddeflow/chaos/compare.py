"""How a run's derived records differ from the golden run's, per key and per topic.  Pure.

For one key, the golden run's records ``G`` and the run's records ``R`` (each a sequence of
comparable values, in offset order) give:

- **missing**: records of ``G`` that ``R`` lacks (multiset difference ``G - R``);
- **doubled**: extra copies in ``R`` of records that ``G`` has (``R - G``, over values in ``G``);
- **unexpected**: records of ``R`` whose value ``G`` never has (a changed or invented record);
- **reordered**: records both have that are not in their longest common order
  (``|G ∩ R| - LCS(G, R)``), so one record moved out of place counts once.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

V = TypeVar("V", bound=Hashable)
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Counts:
    missing: int = 0
    doubled: int = 0
    unexpected: int = 0
    reordered: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.missing + other.missing,
            self.doubled + other.doubled,
            self.unexpected + other.unexpected,
            self.reordered + other.reordered,
        )

    @property
    def clean(self) -> bool:
        return self == Counts()

    def to_json(self) -> dict[str, int]:
        return {
            "missing": self.missing,
            "doubled": self.doubled,
            "unexpected": self.unexpected,
            "reordered": self.reordered,
        }


def common_order_length(golden: Sequence[V], observed: Sequence[V]) -> int:
    """The length of the longest common subsequence of ``golden`` and ``observed``.

    Hunt-Szymanski: every match pair, visited per observed record in descending golden
    position, fed to a longest strictly increasing subsequence; fast when values repeat little.
    """
    positions: dict[V, list[int]] = {}
    for index, value in enumerate(golden):
        positions.setdefault(value, []).append(index)
    tails: list[int] = []  # tails[k]: the smallest golden position ending a common run of length k + 1
    for value in observed:
        for position in reversed(positions.get(value, ())):
            at = bisect.bisect_left(tails, position)
            if at == len(tails):
                tails.append(position)
            else:
                tails[at] = position
    return len(tails)


def compare_sequence(golden: Sequence[V], observed: Sequence[V]) -> Counts:
    expected, seen = Counter(golden), Counter(observed)
    missing = sum((expected - seen).values())
    extra = seen - expected
    doubled = sum(count for value, count in extra.items() if value in expected)
    unexpected = sum(count for value, count in extra.items() if value not in expected)
    shared = sum((expected & seen).values())
    return Counts(missing, doubled, unexpected, shared - common_order_length(golden, observed))


@dataclass(frozen=True, slots=True)
class TopicDiff:
    topic: str
    golden_records: int
    records: int
    totals: Counts
    keys: Mapping[str, Counts] = field(default_factory=dict)
    """Only the keys that differ, by key (``"<none>"`` for records without one)."""

    def to_json(self) -> dict[str, object]:
        return {
            "golden_records": self.golden_records,
            "records": self.records,
            **self.totals.to_json(),
            "keys": {key: counts.to_json() for key, counts in sorted(self.keys.items())},
        }


NO_KEY = "<none>"


def compare_topic(
    topic: str, golden: Mapping[K | None, Sequence[V]], observed: Mapping[K | None, Sequence[V]]
) -> TopicDiff:
    """Compare one topic's records, key by key (a key only one side has counts in full as missing or extra)."""
    totals = Counts()
    differing: dict[str, Counts] = {}
    for key in set(golden) | set(observed):
        counts = compare_sequence(golden.get(key, ()), observed.get(key, ()))
        totals += counts
        if not counts.clean:
            differing[NO_KEY if key is None else str(key)] = counts
    return TopicDiff(
        topic,
        sum(len(v) for v in golden.values()),
        sum(len(v) for v in observed.values()),
        totals,
        differing,
    )


def compare_runs(
    golden: Mapping[str, Mapping[K | None, Sequence[V]]], observed: Mapping[str, Mapping[K | None, Sequence[V]]]
) -> list[TopicDiff]:
    """Every topic either run has, in name order."""
    return [
        compare_topic(topic, golden.get(topic, {}), observed.get(topic, {})) for topic in sorted({*golden, *observed})
    ]


def total(diffs: Sequence[TopicDiff]) -> Counts:
    found = Counts()
    for diff in diffs:
        found += diff.totals
    return found
