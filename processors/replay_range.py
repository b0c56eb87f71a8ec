"""What a replay reads: its bounds, its filters and the per-partition plan.  Pure: no I/O.

Bounds (``--from`` / ``--to``):

- ``p0=123,p1=456``: an offset per partition number (of every selected raw topic); a replay with such a bound
  reads only the partition numbers it names (a number named in one bound only takes the other's default);
- ``123``: one offset for every partition (a bare integer below ``EPOCH_MS_FLOOR``);
- ``2026-12-01T18:00:00Z`` (ISO-8601; without a zone, UTC) or ``1764612000000`` (epoch milliseconds, a bare
  integer of at least ``EPOCH_MS_FLOOR``): a record timestamp, resolved per partition with ``offsets_for_times``
  (the first offset whose timestamp is at or after it; the end offset when there is none).

``--from`` is inclusive and ``--to`` exclusive, for offsets and timestamps alike: ``--from 100 --to 200`` reads
offsets 100 to 199, and ``--from T1 --to T2`` the records with ``T1 <= timestamp < T2``.  Without ``--from`` a
replay starts at each partition's earliest kept offset; without ``--to`` it ends at the last stable offset when
it starts.  Offsets outside what the topic holds are clamped to it.  Everything is resolved once, up front; a
restarted replay reads its stored plan, never resolves again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ddeflow import topics
from ddeflow.dde.sports import Sport
from ddeflow.errors import ConfigError

EPOCH_MS_FLOOR = 100_000_000_000
"""A bare integer this large (1973-03-03 in epoch ms) is a timestamp; below it, an offset."""
STREAMS = ("actions", "statistics")
_PER_PARTITION = re.compile(r"^p(\d+)=(\d+)$")


@dataclass(frozen=True, slots=True)
class AllOffsets:
    """One offset for every partition."""

    offset: int


@dataclass(frozen=True, slots=True)
class PartitionOffsets:
    """An offset per partition number; the partitions not named are not replayed."""

    offsets: tuple[tuple[int, int], ...]

    def get(self, partition: int) -> int | None:
        return dict(self.offsets).get(partition)


@dataclass(frozen=True, slots=True)
class Timestamp:
    ms: int


Bound = AllOffsets | PartitionOffsets | Timestamp


def parse_bound(text: str, *, what: str = "bound") -> Bound:
    """``--from`` / ``--to`` as given on the command line."""
    text = text.strip()
    if text.isdigit():
        number = int(text)
        return Timestamp(number) if number >= EPOCH_MS_FLOOR else AllOffsets(number)
    if text.startswith("p") and "=" in text:
        pairs: dict[int, int] = {}
        for part in text.split(","):
            match = _PER_PARTITION.match(part.strip())
            if match is None:
                raise ConfigError(f"{what} {text!r}: expected p<partition>=<offset>[,...], e.g. p0=123,p1=456")
            partition, offset = int(match[1]), int(match[2])
            if partition in pairs:
                raise ConfigError(f"{what} {text!r} names partition {partition} twice")
            pairs[partition] = offset
        return PartitionOffsets(tuple(sorted(pairs.items())))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"{what} {text!r} is neither an offset (123, p0=123,p1=456), an ISO-8601 time nor epoch milliseconds"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return Timestamp(int(moment.timestamp() * 1000))


@dataclass(frozen=True, slots=True)
class Filters:
    sports: tuple[Sport, ...] = ()
    """Empty: every sport."""
    stream: str | None = None
    """``actions``, ``statistics`` or None for both."""
    fixtures: tuple[str, ...] = ()
    """Empty: every fixture."""

    def topics(self, prefix: str) -> list[str]:
        """The raw topics the filters select, in a fixed order."""
        chosen: list[str] = []
        for sport in self.sports or tuple(Sport):
            if self.stream in (None, "actions"):
                chosen.append(prefix + topics.raw_actions(sport))
            if self.stream in (None, "statistics"):
                chosen.append(prefix + topics.raw_statistics(sport))
        return chosen

    def keeps(self, key: bytes | None) -> bool:
        """Whether a raw record with this key (its fixtureId) is replayed."""
        if not self.fixtures:
            return True
        return key is not None and key.decode("utf-8", "replace") in self.fixtures


def make_filters(sports: Sequence[str], stream: str | None, fixtures: Sequence[str]) -> Filters:
    if stream is not None and stream not in STREAMS:
        raise ConfigError(f"--stream must be one of {', '.join(STREAMS)}, not {stream!r}")
    chosen = {Sport(name) for name in sports}
    return Filters(tuple(s for s in Sport if s in chosen), stream, tuple(sorted(set(fixtures))))


@dataclass(frozen=True, slots=True)
class Span:
    """One raw topic-partition of a plan: records ``start <= offset < end`` are replayed.

    ``warm_from`` (at most ``start``) is where reading begins: records before ``start`` only rebuild state.
    """

    topic: str
    partition: int
    warm_from: int
    start: int
    end: int

    @property
    def count(self) -> int:
        """Offsets in the range (an upper bound on records: transaction markers take offsets too)."""
        return self.end - self.start

    @property
    def warm_count(self) -> int:
        return self.start - self.warm_from


@dataclass(frozen=True, slots=True)
class Request:
    """What the operator asked for; equal requests give the same stored plan."""

    source_prefix: str
    start: str | None
    end: str | None
    filters: Filters
    warm_up: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "source_prefix": self.source_prefix,
            "from": self.start,
            "to": self.end,
            "sports": [s.value for s in self.filters.sports],
            "stream": self.filters.stream,
            "fixtures": list(self.filters.fixtures),
            "warm_up": self.warm_up,
        }


@dataclass(frozen=True, slots=True)
class Plan:
    request: Request
    spans: tuple[Span, ...]

    @property
    def count(self) -> int:
        return sum(span.count for span in self.spans)

    @property
    def reads(self) -> int:
        return sum(span.end - span.warm_from for span in self.spans)

    def partitions(self) -> list[int]:
        return sorted({span.partition for span in self.spans})

    def to_json(self) -> bytes:
        document = {
            "request": self.request.to_dict(),
            "spans": [[s.topic, s.partition, s.warm_from, s.start, s.end] for s in self.spans],
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()

    @staticmethod
    def from_json(data: bytes, request: Request) -> Plan:
        document = json.loads(data)
        if document.get("request") != request.to_dict():
            raise ConfigError(
                "this prefix already holds a replay of another request "
                f"({json.dumps(document.get('request'), sort_keys=True)}); replay into a new prefix"
            )
        spans = tuple(Span(t, int(p), int(w), int(s), int(e)) for t, p, w, s, e in document["spans"])
        return Plan(request, spans)

    def fingerprint(self) -> str:
        return hashlib.sha256(self.to_json()).hexdigest()[:12]


TopicPart = tuple[str, int]


def bounded_partitions(start: Bound | None, end: Bound | None, partitions: int) -> list[int]:
    """The partition numbers a replay reads: those a per-partition bound names, else all."""
    named = {p for bound in (start, end) if isinstance(bound, PartitionOffsets) for p, _ in bound.offsets}
    for p in sorted(named):
        if p >= partitions:
            raise ConfigError(f"partition {p} does not exist: the raw topics have {partitions} partitions")
    return sorted(named) if named else list(range(partitions))


def timestamps(start: Bound | None, end: Bound | None) -> list[int]:
    """The timestamps to resolve with ``offsets_for_times``."""
    return [bound.ms for bound in (start, end) if isinstance(bound, Timestamp)]


def _resolve(
    bound: Bound | None,
    where: TopicPart,
    default: int,
    earliest: int,
    latest: int,
    at_time: Mapping[int, Mapping[TopicPart, int | None]],
) -> int:
    if bound is None:
        offset = default
    elif isinstance(bound, AllOffsets):
        offset = bound.offset
    elif isinstance(bound, PartitionOffsets):
        named = bound.get(where[1])
        offset = default if named is None else named
    else:
        found = at_time[bound.ms].get(where)
        offset = latest if found is None else found
    return min(max(offset, earliest), latest)


def make_plan(
    request: Request,
    start: Bound | None,
    end: Bound | None,
    partitions: int,
    earliest: Mapping[TopicPart, int],
    latest: Mapping[TopicPart, int],
    at_time: Mapping[int, Mapping[TopicPart, int | None]],
) -> Plan:
    """The per-partition plan from the topics' offsets as read once at the start.

    ``earliest`` and ``latest`` are each topic-partition's first kept and last stable offsets;
    ``at_time[ms]`` the offsets ``offsets_for_times`` gave for each timestamp of the bounds.
    """
    spans: list[Span] = []
    for topic in request.filters.topics(request.source_prefix):
        for partition in bounded_partitions(start, end, partitions):
            where = (topic, partition)
            low, high = earliest[where], latest[where]
            first = _resolve(start, where, low, low, high, at_time)
            last = _resolve(end, where, high, low, high, at_time)
            if first > last:
                raise ConfigError(f"--from is after --to on {topic} partition {partition} ({first} > {last})")
            spans.append(Span(topic, partition, low if request.warm_up else first, first, last))
    return Plan(request, tuple(spans))


def describe(plan: Plan) -> list[str]:
    """The plan as lines of a table: topic, partition, from, to (exclusive), count."""
    rows = [("TOPIC", "PARTITION", "FROM", "TO (excl.)", "COUNT", "WARM-UP")]
    for span in plan.spans:
        rows.append(
            (span.topic, str(span.partition), str(span.start), str(span.end), str(span.count), str(span.warm_count))
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    filters = plan.request.filters
    lines.append(
        f"total {plan.count} offsets in range"
        + (f", {plan.reads - plan.count} more read to warm up" if plan.request.warm_up else "")
        + (f"; only fixtures {', '.join(filters.fixtures)}" if filters.fixtures else "")
    )
    return lines
