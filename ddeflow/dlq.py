"""Dead letters: bad input kept byte for byte, with the reason beside it.

A ``dde.dlq`` record, written by producers and processors alike::

    key      the fixtureId when it could be read, else null
    value    the original bytes, unchanged (a frame, a file line, a REST array element)
    headers  dlq.reason          machine code: malformed_json, missing_field, wrong_type, bad_value,
                                 too_large, not_a_packet, ...
             dlq.detail          human sentence: what was wrong
             dlq.field           dotted path of the offending field, when one is to blame
             dlq.origin          who rejected it: processor, ingest-ws, ingest-rest, ingest-file
             dlq.source.topic / dlq.source.partition / dlq.source.offset   for records read from Kafka
             dlq.source.file / dlq.source.line                           for files
             dlq.failed-at-ns    when it was rejected (wall clock, ns since the epoch); left out by the
                                 processors, whose output must be identical when records are re-processed

Header values are UTF-8 text.  Like Kafka Connect's dead-letter queues, the value
stays the original bytes so it can be replayed or inspected without a registry.
"""

from __future__ import annotations

from dataclasses import dataclass

from ddeflow.errors import PacketError

Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    key: bytes | None
    value: bytes
    headers: Headers


def dead_letter(
    error: PacketError,
    *,
    origin: str,
    failed_at_ns: int | None,
    raw: bytes | None = None,
    fixture_id: str | None = None,
    source_topic: str | None = None,
    source_partition: int | None = None,
    source_offset: int | None = None,
    source_file: str | None = None,
    source_line: int | None = None,
) -> DeadLetter:
    """The dead letter for ``error``; ``raw`` defaults to the bytes the error carries."""
    fields: list[tuple[str, object | None]] = [
        ("dlq.reason", error.reason),
        ("dlq.detail", error.detail),
        ("dlq.field", error.field),
        ("dlq.origin", origin),
        ("dlq.source.topic", source_topic),
        ("dlq.source.partition", source_partition),
        ("dlq.source.offset", source_offset),
        ("dlq.source.file", source_file),
        ("dlq.source.line", source_line),
        ("dlq.failed-at-ns", failed_at_ns),
    ]
    # backslashreplace: a field path or fixtureId from bad input may hold an unpaired surrogate, which UTF-8
    # cannot encode; the dead letter must still be written.
    headers = tuple(
        (name, str(value).encode("utf-8", "backslashreplace")) for name, value in fields if value is not None
    )
    return DeadLetter(
        key=fixture_id.encode("utf-8", "backslashreplace") if fixture_id else None,
        value=error.raw if raw is None else raw,
        headers=headers,
    )


def read_dlq_headers(headers: Headers | list[tuple[str, bytes]]) -> dict[str, str]:
    """The ``dlq.*`` headers of a record as text, for tools and tests."""
    return {name: value.decode("utf-8", "replace") for name, value in headers if name.startswith("dlq.")}
