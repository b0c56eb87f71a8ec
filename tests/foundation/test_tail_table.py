"""``ddeflow tail --format table``'s layout: aligned columns per topic, marks for what needs an eye.  Pure."""

from __future__ import annotations

from typing import Any

from ddeflow import decode, tail_table
from ddeflow.tail_table import Mark


def _score(offset: int, partition: int, *, correction: bool, fixture: str = "f-1") -> dict[str, Any]:
    return {
        "topic": "dde.score-changes",
        "partition": partition,
        "offset": offset,
        "timestamp": "2026-12-01T18:00:01.250000+00:00",
        "key": fixture,
        "headers": {},
        "value": {
            "fixtureId": fixture,
            "sport": "volleyball",
            "period": 1,
            "previousHomePeriodScore": 6,
            "previousAwayPeriodScore": 4,
            "homePeriodScore": 7 if not correction else 5,
            "awayPeriodScore": 4,
            "previousHomeScore": 0,
            "previousAwayScore": 0,
            "homeScore": 0,
            "awayScore": 0,
            "isCorrection": correction,
            "causeSendType": "Deleted" if correction else "Confirmed",
            "causeActionType": "Point",
            "fixtureSeqNum": 1234,
        },
    }


def test_lines_of_one_topic_align_whatever_their_values() -> None:
    columns = tail_table.columns("score_change")
    lines = [
        tail_table.header(columns),
        tail_table.line(_score(7, 0, correction=False), columns, None),
        tail_table.line(
            _score(123456, 5, correction=False, fixture="acf80323-ccb3-4828-a7dc-63f21b529b62-and-more"), columns, None
        ),
    ]
    # every column starts at the same place on every line: an id longer than a UUID is cut, not widening it
    bounds, at = [], 0
    for column in columns:
        bounds.append((at, at + column.width))
        at += column.width + 2
    cells = [[text[start:end].strip() for start, end in bounds] for text in lines]
    assert cells[0] == [c.name for c in columns]
    assert cells[1][:4] == ["0", "7", "18:00:01.250", "f-1"]
    assert cells[2][:4] == ["5", "123456", "18:00:01.250", "acf80323-ccb3-4828-a7dc-63f21b529b6…"]
    assert all(text[end : end + 2] == "  " for text in lines for _, end in bounds[:-1])
    assert lines[0].split()[:4] == ["p", "offset", "time", "fixture"]
    assert lines[1].split()[:4] == ["0", "7", "18:00:01.250", "f-1"]
    assert "acf80323-ccb3-4828-a7dc-63f21b529b6…" in lines[2]
    assert "6-4 → 7-4" in lines[1] and "0-0 → 0-0" in lines[1]


def test_corrections_dead_letters_downs_and_anomalies_are_marked() -> None:
    columns = tail_table.columns("score_change")
    correction = _score(8, 0, correction=True)
    assert tail_table.mark(correction, "score_change") is Mark.CORRECTION
    assert tail_table.line(correction, columns, Mark.CORRECTION).endswith("CORRECTION")
    assert tail_table.mark(_score(9, 0, correction=False), "score_change") is None
    letter = {"key": None, "headers": {"dlq.reason": "malformed_json"}, "value": "{oops"}
    assert tail_table.mark(letter, decode.DLQ) is Mark.DEAD_LETTER
    assert "malformed_json" in tail_table.line(letter, tail_table.columns(decode.DLQ), Mark.DEAD_LETTER)
    assert tail_table.mark({"value": {"state": "down"}}, "feed_status") is Mark.DOWN
    assert tail_table.mark({"value": {"state": "up"}}, "feed_status") is None
    assert tail_table.mark({"value": {"anomaly": "unknown_send_type"}}, "action_state") is Mark.ANOMALY


def test_feed_status_shows_state_duration_and_resume_position() -> None:
    item = {
        "partition": 2,
        "offset": 3,
        "timestamp": "2026-12-01T18:00:05.000000+00:00",
        "key": "f-9",
        "headers": {},
        "value": {
            "sport": "soccer",
            "stream": "actions",
            "state": "up",
            "since": "2026-12-01T18:00:04.900000Z",
            "downForMs": 1530,
            "position": 25,
            "lastSeqNum": 1049,
            "gapHealed": True,
            "reason": None,
        },
    }
    text = tail_table.line(item, tail_table.columns("feed_status"), None)
    assert text.split()[3:] == ["f-9", "soccer", "actions", "up", "18:00:04.900", "1.5", "s", "25", "1049", "True"]


def test_the_fixture_filter_takes_the_key_or_the_value_s_fixture() -> None:
    assert tail_table.keeps(_score(1, 0, correction=False), "f-1")
    assert not tail_table.keeps(_score(1, 0, correction=False), "f-2")
    action = {"key": "a-77", "value": {"fixtureId": "f-2"}}
    assert tail_table.keeps(action, "f-2") and not tail_table.keeps(action, "a-7")
    assert tail_table.keeps(action, None)


def test_an_unknown_topic_still_shows_its_position_and_key() -> None:
    columns = tail_table.columns("")
    assert [c.name for c in columns] == ["p", "offset", "time", "key"]
