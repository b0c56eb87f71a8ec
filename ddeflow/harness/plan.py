"""What the end-to-end processor tests and the benchmarks feed: generated matches as the producer writes them, plus
trouble.

Pure: no Kafka here (the tests' ``kafka_io.feed`` sends a plan).

A plan is the ordered list of raw records to append, across all raw topics::

    key      the fixtureId (UTF-8)
    value    one line of the generator's actions.jsonl / statistics.jsonl, byte for byte
    headers  source=file, received-at-ns, stream  (built by ``ddeflow.producers.raw_records.element_record``)

Within one fixture's stream the original lines keep their order; a seeded random
mix adds duplicates (the same line again, at once) and stale re-sends (an earlier
line of the same fixture, later).  All fixtures' streams are interleaved.
``received-at-ns`` is a function of the position in the plan, not of the clock, so
two runs over the same plan see identical headers (and produce identical records).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from ddeflow.dde.sports import Sport
from ddeflow.producers.raw_records import Headers, Source, Stream, element_record, raw_topic

BASE_RECEIVED_AT_NS = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z
RECEIVED_AT_STEP_NS = 1_000  # 1 µs apart: every delivery has its own receivedAt


class Kind(StrEnum):
    ORIGINAL = "original"
    DUPLICATE = "duplicate"
    """The previous line of the same stream again, at once."""
    STALE = "stale"
    """An earlier line of the same stream, re-sent later."""
    BAD = "bad"
    """A frame the processor must dead-letter."""
    ODD = "odd"
    """A valid packet with values outside the documented enums: processed, flagged."""


@dataclass(frozen=True)
class Match:
    sport: Sport
    fixture_id: str
    actions: tuple[bytes, ...]
    statistics: tuple[bytes, ...]
    truth: dict[str, Any]

    def action_packets(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.actions]


@dataclass(frozen=True, slots=True)
class Delivery:
    sport: Sport
    stream: Stream
    fixture_id: str
    value: bytes
    kind: Kind
    received_at_ns: int
    expect_reason: str | None = None
    """For a BAD delivery: the ``dlq.reason`` it must get."""
    expect_field: str | None = None
    """For a BAD delivery blamed on one field: the ``dlq.field`` it must get."""

    def topic(self, prefix: str) -> str:
        return raw_topic(prefix, self.sport, self.stream)

    @property
    def key(self) -> bytes:
        return self.fixture_id.encode("utf-8")

    def headers(self, prefix: str) -> Headers:
        return element_record(
            topic=self.topic(prefix),
            fixture_id=self.fixture_id,
            element=self.value,
            source=Source.FILE,
            stream=self.stream,
            received_at_ns=self.received_at_ns,
        ).headers

    def seq(self) -> int:
        """fixtureSeqNum (actions) or seqNum (statistics) of a valid packet."""
        obj = json.loads(self.value)
        return int(obj["fixtureAction"]["fixtureSeqNum"] if self.stream is Stream.ACTIONS else obj["seqNum"])


def load_matches(out_dir: Path) -> list[Match]:
    """Every fixture the generator wrote under ``out_dir``, in manifest order."""
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    matches = []
    for row in manifest["fixtures"]:
        folder = out_dir / row["sport"] / row["id"]
        stats = folder / "statistics.jsonl"
        matches.append(
            Match(
                sport=Sport(row["sport"]),
                fixture_id=row["id"],
                actions=jsonl_lines(folder / "actions.jsonl"),
                statistics=jsonl_lines(stats) if stats.exists() else (),
                truth=json.loads((folder / "truth.json").read_text(encoding="utf-8")),
            )
        )
    return matches


def jsonl_lines(path: Path) -> tuple[bytes, ...]:
    """The non-blank lines of a JSON-lines file, as bytes."""
    return tuple(line for line in path.read_bytes().split(b"\n") if line.strip())


def _with_trouble(
    lines: Sequence[bytes], rng: random.Random, duplicate_rate: float, stale_rate: float, stale_window: int
) -> list[tuple[bytes, Kind]]:
    out: list[tuple[bytes, Kind]] = []
    for index, line in enumerate(lines):
        out.append((line, Kind.ORIGINAL))
        if rng.random() < duplicate_rate:
            out.append((line, Kind.DUPLICATE))
        if index > 0 and rng.random() < stale_rate:
            out.append((lines[rng.randrange(max(0, index - stale_window), index)], Kind.STALE))
    return out


def build_plan(
    matches: Iterable[Match],
    *,
    seed: int,
    duplicate_rate: float = 0.05,
    stale_rate: float = 0.05,
    stale_window: int = 40,
) -> tuple[Delivery, ...]:
    """Every stream of every match, with duplicates and stale re-sends, all streams interleaved at random."""
    rng = random.Random(seed)
    queues: list[tuple[Match, Stream, list[tuple[bytes, Kind]]]] = []
    for match in matches:
        queues.append(
            (match, Stream.ACTIONS, _with_trouble(match.actions, rng, duplicate_rate, stale_rate, stale_window))
        )
        if match.statistics:
            queues.append(
                (match, Stream.STATISTICS, _with_trouble(match.statistics, rng, duplicate_rate, stale_rate, 5))
            )
    cursors = [0] * len(queues)
    plan: list[Delivery] = []
    while True:
        left = [(i, len(q[2]) - cursors[i]) for i, q in enumerate(queues) if cursors[i] < len(q[2])]
        if not left:
            break
        # Weighted by what is left, so all streams run to their end at about the same time.
        (index,) = rng.choices([i for i, _ in left], weights=[n for _, n in left])
        match, stream, items = queues[index]
        value, kind = items[cursors[index]]
        cursors[index] += 1
        plan.append(
            Delivery(
                sport=match.sport,
                stream=stream,
                fixture_id=match.fixture_id,
                value=value,
                kind=kind,
                received_at_ns=BASE_RECEIVED_AT_NS + len(plan) * RECEIVED_AT_STEP_NS,
            )
        )
    return tuple(plan)


def first_received_ns(plan: Iterable[Delivery], fixture_id: str, stream: Stream) -> dict[int, int]:
    """received-at-ns of the first delivery of each seq of one fixture's stream: the one that is applied."""
    found: dict[int, int] = {}
    for item in plan:
        if item.fixture_id == fixture_id and item.stream is stream and item.kind is Kind.ORIGINAL:
            found.setdefault(item.seq(), item.received_at_ns)
    return found


def mix_in(plan: Sequence[Delivery], extra: Sequence[Delivery], *, seed: int) -> tuple[Delivery, ...]:
    """``plan`` with ``extra`` inserted at random places (in their own order); ``plan``'s records keep their headers."""
    rng = random.Random(seed)
    slots = sorted(rng.randrange(len(plan) + 1) for _ in extra)
    out: list[Delivery] = []
    pending = list(zip(slots, extra, strict=True))
    for index, item in enumerate(plan):
        while pending and pending[0][0] == index:
            out.append(pending.pop(0)[1])
        out.append(item)
    out.extend(item for _, item in pending)
    return tuple(out)


# --- trouble: frames the processor must dead-letter, and odd but valid packets ------------------

_BAD_RECEIVED_AT_NS = BASE_RECEIVED_AT_NS - 10**12


def _edited(line: bytes, edit: Any) -> bytes:
    obj = json.loads(line)
    edit(obj)
    return json.dumps(obj, separators=(",", ":")).encode()


def bad_deliveries(match: Match, snooker: Match | None = None) -> tuple[Delivery, ...]:
    """Frames of ``match``'s stream the processor cannot parse, each with the reason (and field) it must report."""
    line = match.actions[len(match.actions) // 2]

    def drop_fixture_id(obj: dict[str, Any]) -> None:
        del obj["fixtureAction"]["fixtureId"]

    def seq_as_text(obj: dict[str, Any]) -> None:
        obj["fixtureAction"]["fixtureSeqNum"] = str(obj["fixtureAction"]["fixtureSeqNum"])

    def bad(value: bytes, reason: str, field: str | None = None, stream: Stream = Stream.ACTIONS) -> Delivery:
        return Delivery(
            sport=match.sport if stream is Stream.ACTIONS else Sport.SNOOKER,
            stream=stream,
            fixture_id=match.fixture_id if stream is Stream.ACTIONS or snooker is None else snooker.fixture_id,
            value=value,
            kind=Kind.BAD,
            received_at_ns=0,
            expect_reason=reason,
            expect_field=field,
        )

    found = [
        bad(line[: len(line) // 2], "malformed_json"),
        bad(_edited(line, drop_fixture_id), "missing_field", "fixtureAction.fixtureId"),
        bad(_edited(line, seq_as_text), "wrong_type", "fixtureAction.fixtureSeqNum"),
        bad(b"[" + line + b"]", "not_a_packet"),
    ]
    if snooker is not None and snooker.statistics:
        stats_line = snooker.statistics[len(snooker.statistics) // 2]
        found.append(bad(stats_line[: len(stats_line) - 7], "malformed_json", stream=Stream.STATISTICS))
    return tuple(
        replace(item, received_at_ns=_BAD_RECEIVED_AT_NS + index * RECEIVED_AT_STEP_NS)
        for index, item in enumerate(found)
    )


def huge_delivery(match: Match, size_bytes: int) -> Delivery:
    """A well-formed action packet of ``match`` padded past ``size_bytes`` (the frame limit is 4 MiB)."""
    obj = json.loads(match.actions[-1])
    obj["fixtureAction"]["metadata"] = {"padding": "x" * size_bytes}
    return Delivery(
        sport=match.sport,
        stream=Stream.ACTIONS,
        fixture_id=match.fixture_id,
        value=json.dumps(obj, separators=(",", ":")).encode(),
        kind=Kind.BAD,
        received_at_ns=_BAD_RECEIVED_AT_NS - RECEIVED_AT_STEP_NS,
        expect_reason="too_large",
    )


ODD_FIXTURE_ID = "0dd0dd00-0000-4000-8000-00000000f1f0"
UNKNOWN_SEND_TYPE_ID = 9
UNKNOWN_STATUS = "AbandonedByAliens"


@dataclass(frozen=True, slots=True)
class OddFixture:
    """Three valid packets of a fixture of its own: a normal one, an unknown sendTypeId, an unknown currentStatus."""

    deliveries: tuple[Delivery, ...]
    action_ids: tuple[str, str, str]
    seqs: tuple[int, int, int]


def odd_fixture(match: Match) -> OddFixture:
    action_ids = (
        "0dd0dd00-0000-4000-8000-0000000000a1",
        "0dd0dd00-0000-4000-8000-0000000000a2",
        "0dd0dd00-0000-4000-8000-0000000000a3",
    )
    values: list[bytes] = []
    seqs: list[int] = []
    for index, line in enumerate(match.actions[:3]):
        obj = json.loads(line)
        action = obj["fixtureAction"]
        action["fixtureId"] = ODD_FIXTURE_ID
        action["actionId"] = action_ids[index]
        action["relatedFixtureActionIds"] = []
        if index == 1:
            action["sendTypeId"] = UNKNOWN_SEND_TYPE_ID
            action["sendType"] = "Teleported"
        if index == 2:
            obj["fixtureSummary"]["currentStatus"] = UNKNOWN_STATUS
        seqs.append(int(action["fixtureSeqNum"]))
        values.append(json.dumps(obj, separators=(",", ":")).encode())
    deliveries = tuple(
        Delivery(
            sport=match.sport,
            stream=Stream.ACTIONS,
            fixture_id=ODD_FIXTURE_ID,
            value=value,
            kind=Kind.ODD,
            received_at_ns=_BAD_RECEIVED_AT_NS + (100 + index) * RECEIVED_AT_STEP_NS,
        )
        for index, value in enumerate(values)
    )
    return OddFixture(deliveries, action_ids, (seqs[0], seqs[1], seqs[2]))
