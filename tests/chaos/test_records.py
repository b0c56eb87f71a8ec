"""What of a derived record the chaos suite compares (wall clocks and raw placement left out)."""

from __future__ import annotations

from ddeflow import topics
from ddeflow.chaos.records import comparable, record_counts
from ddeflow.harness.derived import Derived, Out


def _out(topic: str, key: str | None, value: object, headers: tuple[tuple[str, bytes], ...] = ()) -> Out:
    return Out(topic, 0, 0, key, value, headers, 0)


def test_received_at_is_ignored_and_everything_else_counts() -> None:
    first = {"fixtureId": "f1", "homeScore": 2, "receivedAt": 111}
    again = {"receivedAt": 999, "homeScore": 2, "fixtureId": "f1"}
    changed = {"fixtureId": "f1", "homeScore": 3, "receivedAt": 111}
    found = comparable(
        Derived("p.", {"dde.score-changes": [_out("dde.score-changes", "f1", v) for v in (first, again, changed)]})
    )
    values = found["dde.score-changes"]["f1"]
    assert values[0] == values[1] != values[2]


def test_dead_letters_compare_by_bytes_and_reason_not_by_where_the_raw_record_was() -> None:
    def letter(offset: bytes, reason: bytes) -> Out:
        headers = (
            ("dlq.reason", reason),
            ("dlq.source.topic", b"p.dde.raw.basketball.actions"),
            ("dlq.source.offset", offset),
            ("dlq.failed-at-ns", offset),
        )
        return _out(topics.DLQ, "f1", b"{bad", headers)

    found = comparable(
        Derived(
            "p.",
            {
                topics.DLQ: [
                    letter(b"1", b"malformed_json"),
                    letter(b"7", b"malformed_json"),
                    letter(b"1", b"too_large"),
                ]
            },
        )
    )
    values = found[topics.DLQ]["f1"]
    assert values[0] == values[1] != values[2]
    assert "p.dde.raw" not in values[0]
    assert record_counts(found) == {topics.DLQ: 3}
