"""The raw topics' record format: what every producer writes and what processors and replays read.  Pure.

Topics (under ``DDEFLOW_TOPIC_PREFIX``; created with ``ensure_topics(raw_topics(prefix))``
when a producer starts)::

    dde.raw.<sport>.actions        action packets (websocket /actions, REST /actions, files)
    dde.raw.<sport>.statistics     statistics packets (websocket /statistics, files)

    <sport> is basketball, soccer, volleyball or snooker (never the feed's v2/volleyball).

One record per data frame::

    key      the fixtureId, UTF-8: the fixture of the stream subscribed to (ws), or the
             packet's own fixtureAction.fixtureId / fixtureId (rest, file).  The partition is
             Kafka's default for the key (murmur2), so one fixture stays in one partition, in order.
    value    the frame's bytes exactly as received, never re-serialised.  For REST and file
             input: the exact byte slice of the array element or the line (without its newline).
    headers  source            ws | ws-media | rest | file
             received-at-ns    wall clock when the frame arrived (rest: the response; file: the
                               read), ns since the epoch, decimal text
             stream            actions | statistics
             stream-position   ws and ws-media only: the frame's event index in the fixture's
                               stream, 0-based, decimal text.  Events are the distinct frames in
                               arrival order, so positions run 0, 1, 2... without gaps; a
                               re-delivered frame (bytes identical to a recent one) carries the
                               index of the event it repeats.  rest and file records have none:
                               their order key is the packet's own fixtureSeqNum / seqNum.
    timestamp  producer create time (ms)

What lands here:

- websocket: every data frame the feed served, malformed ones included (the raw topic holds
  exactly what was served; processors dead-letter what they cannot parse, so the producer
  does not).  Heartbeats are not written; they only prove the stream alive.
- rest / file: only elements that are valid packets, published per fixture in
  fixtureSeqNum (statistics: seqNum) order; the others go to ``dde.dlq`` with the reason
  (origin ``ingest-rest`` / ``ingest-file``), never here.

The same module declares what a consumer reads back: ``RawRecord`` (a raw topic's record with its
partition, offset and timestamp; the processors, replay, ``tail`` and the test kit all take it),
``read_raw_headers`` and ``received_at_us``.

Guarantees (see ``ddeflow.producers.ws_stream``): per fixture stream, the ``stream-position`` values of
the ws records are 0..n-1 each present once among the non-repeated frames, in order, and a
producer restarted after a crash resumes at n (recovered from this topic): nothing skipped,
nothing written twice.  Re-ingesting the same REST body or file appends the same packets again;
consumers drop them by fixtureSeqNum / seqNum.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from ddeflow.dde.sports import Sport
from ddeflow.topics import raw_actions, raw_statistics

HEADER_SOURCE = "source"
HEADER_RECEIVED_AT = "received-at-ns"
HEADER_STREAM = "stream"
HEADER_POSITION = "stream-position"
HEADER_RECORD_ID = "ddeflow-id"
"""Not a raw header: every derived record carries it (``record_id``), whichever engine wrote it."""

Headers = tuple[tuple[str, bytes], ...]


class Stream(StrEnum):
    ACTIONS = "actions"
    STATISTICS = "statistics"


class Source(StrEnum):
    WS = "ws"
    WS_MEDIA = "ws-media"
    REST = "rest"
    FILE = "file"
    UNKNOWN = "unknown"

    @classmethod
    def from_raw(cls, raw: str | None) -> Source:
        for member in cls:
            if member.value == raw:
                return member
        return cls.UNKNOWN


def raw_topic(prefix: str, sport: Sport, stream: Stream) -> str:
    return prefix + (raw_actions(sport) if stream is Stream.ACTIONS else raw_statistics(sport))


@dataclass(frozen=True, slots=True)
class RawFrame:
    topic: str
    key: bytes
    value: bytes
    headers: Headers
    received_at_ns: int


def frame_record(
    *, topic: str, fixture_id: str, frame: bytes, source: Source, stream: Stream, received_at_ns: int, position: int
) -> RawFrame:
    """A websocket frame's record."""
    headers: Headers = (
        (HEADER_SOURCE, source.value.encode()),
        (HEADER_RECEIVED_AT, str(received_at_ns).encode()),
        (HEADER_STREAM, stream.value.encode()),
        (HEADER_POSITION, str(position).encode()),
    )
    return RawFrame(topic, fixture_id.encode("utf-8"), frame, headers, received_at_ns)


def element_record(
    *, topic: str, fixture_id: str, element: bytes, source: Source, stream: Stream, received_at_ns: int
) -> RawFrame:
    """A REST array element's or a file line's record."""
    headers: Headers = (
        (HEADER_SOURCE, source.value.encode()),
        (HEADER_RECEIVED_AT, str(received_at_ns).encode()),
        (HEADER_STREAM, stream.value.encode()),
    )
    return RawFrame(topic, fixture_id.encode("utf-8"), element, headers, received_at_ns)


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A record as read back from a topic (a raw one, for the processors)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers = ()
    timestamp_ms: int = field(kw_only=True)
    """The Kafka record's timestamp: what the processors' stream time is made of."""


_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


def record_id(topic: str, partition: int, offset: int, index: int) -> bytes:
    """The ``ddeflow-id`` of the ``index``-th (0-based) record derived from the raw record at ``topic``/``partition``/
    ``offset``: ``<topic>:<partition>:<offset>:<index>``, ASCII (a topic name has no ``:``).  ``topic`` is the raw
    topic's name without the deployment's prefix (``dde.raw.soccer.actions``).

    A function of the input's coordinates only, so a re-delivery, a re-run after a crash or a replay of the same raw
    record gives the same id, and a consumer can drop doubles by it.
    """
    return f"{topic}:{partition}:{offset}:{index}".encode()


def received_at_us(headers: Headers) -> int | None:
    """The producer's receipt time in microseconds; None when absent or not a time Avro's long can hold."""
    for name, value in headers:
        if name == HEADER_RECEIVED_AT:
            try:
                micros = int(value) // 1000
            except ValueError:
                return None
            return micros if _LONG_MIN <= micros <= _LONG_MAX else None
    return None


@dataclass(frozen=True, slots=True)
class RawHeaders:
    """A raw record's headers as read back; absent or unreadable values are None."""

    source: Source
    received_at_ns: int | None
    stream: Stream | None
    position: int | None


def _int(value: bytes | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None


def read_raw_headers(headers: Iterable[tuple[str, bytes]]) -> RawHeaders:
    found = {name: value for name, value in headers}
    stream_raw = found.get(HEADER_STREAM)
    stream = None
    if stream_raw is not None:
        text = stream_raw.decode("utf-8", "replace")
        stream = Stream(text) if text in (Stream.ACTIONS.value, Stream.STATISTICS.value) else None
    source_raw = found.get(HEADER_SOURCE)
    return RawHeaders(
        source=Source.from_raw(source_raw.decode("utf-8", "replace") if source_raw is not None else None),
        received_at_ns=_int(found.get(HEADER_RECEIVED_AT)),
        stream=stream,
        position=_int(found.get(HEADER_POSITION)),
    )
