"""Dead letters keep the bytes and say why, without I/O."""

from __future__ import annotations

from ddeflow.dlq import dead_letter, read_dlq_headers
from ddeflow.errors import PacketError


def test_dead_letter_keeps_bytes_and_reason() -> None:
    raw = b'{"fixtureAction": {"fixtureSeqNum": "12"'
    error = PacketError("wrong_type", "expected integer, got string '12'", field="fixtureAction.fixtureSeqNum", raw=raw)
    letter = dead_letter(
        error,
        origin="processor",
        failed_at_ns=123,
        source_topic="dde.raw.soccer.actions",
        source_partition=2,
        source_offset=41,
        fixture_id="f-1",
    )
    assert letter.value == raw
    assert letter.key == b"f-1"
    assert read_dlq_headers(letter.headers) == {
        "dlq.reason": "wrong_type",
        "dlq.detail": "expected integer, got string '12'",
        "dlq.field": "fixtureAction.fixtureSeqNum",
        "dlq.origin": "processor",
        "dlq.source.topic": "dde.raw.soccer.actions",
        "dlq.source.partition": "2",
        "dlq.source.offset": "41",
        "dlq.failed-at-ns": "123",
    }


def test_file_origin_and_unknown_fixture() -> None:
    error = PacketError("malformed_json", "Expecting value at char 0")
    letter = dead_letter(error, origin="ingest-file", failed_at_ns=1, raw=b"oops", source_file="m.jsonl", source_line=7)
    headers = read_dlq_headers(letter.headers)
    assert letter.key is None and letter.value == b"oops"
    assert headers["dlq.source.file"] == "m.jsonl" and headers["dlq.source.line"] == "7"
    assert "dlq.field" not in headers and "dlq.source.topic" not in headers
