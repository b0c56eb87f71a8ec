"""The processor API: what a data engineer imports to add a derived topic.  Pure: no I/O.

A processor is a declaration plus a function (or any callable object)::

    from ddeflow.processors.api import ActionEvent, ActionsProcessor, Json, Sport, Step, schema_beside

    def handle(event: ActionEvent, state: Json) -> Step:
        if not event.summary_applied:
            return Step(state=state)
        return Step(records=[{"fixtureId": event.fixture_id, ...}], state=state)

    PROCESSOR = ActionsProcessor(
        name="my-processor",
        sports=frozenset({Sport.BASKETBALL}),
        topic="dde.my-topic",
        key="fixtureId",
        schema=schema_beside(__file__, "my_topic.avsc"),
        handle=handle,
    )

What it receives is the ordered, deduplicated, lifecycle-applied stream of one stream of the sports it names, one
typed frozen event per parsed packet: the packet, the states before and after it, and the verdict (what was
applied, what was a duplicate or stale, any anomalies).  Malformed frames never reach it (they are dead-lettered
before), nor packets of a fixture whose state was already removed.  Events whose packet was a duplicate or stale
arrive too, with their verdict, so a processor may count them; most return at once (``event.applied``).

- **Records.**  ``Step.records`` are Avro values (dicts with the schema's field names) for ``topic``; ``key`` names
  the field whose value is the Kafka key.  ``topic`` may hold ``{sport}``: ``dde.actions.{sport}``.
- **State.**  ``state`` is what the processor returned for this fixture last time (None at first); the one it
  returns in its ``Step`` is kept: in the worker's partition store, written to the same changelog in the same
  transaction as the records, so a crash never doubles or loses output, and a replay rebuilds it.  It must be
  JSON (dicts with str keys, lists, str, int, float, bool, None), and it is never copied: return a new value,
  never change the one you were given.  ``state=None`` removes it.  It is removed with the fixture's stream.
- **Snapshots before and after.**  A ``StatisticsProcessor`` declared with ``wants_previous_snapshot=True`` gets
  the fixture's previous applied snapshot in ``StatisticsEvent.snapshot_before`` (``snapshot_after`` is the one
  after the packet).  It is kept like the state: in the partition store, the changelog and the transaction,
  restored after a crash, rebuilt by a replay and removed with the fixture.
- **One stream each.**  A processor reads the actions stream (``ActionsProcessor``) or the statistics stream
  (``StatisticsProcessor``), never both: the worker sees the two topics interleaved differently from run to run,
  and only the order within one topic is fixed, so a processor reading both could not give the same output on a
  replay.
- **Errors.**  A handler that raises (or returns records its schema refuses) does not stop anything: the packet
  goes to ``dde.dlq`` with ``dlq.origin`` = ``processor:<name>``, ``dlq.reason`` = ``processor_error`` and the
  exception in ``dlq.detail``, it is counted (``processor.<name>.errors``), its state is left as it was, and the
  other processors' records for the packet are unaffected.  After ``BREAKER_THRESHOLD`` failures in a row with no
  success, the processor is switched off in that partition (logged as an error, counted as
  ``processor.<name>.tripped``); the switch is kept in the changelog, so a restart or a replay behaves the same.
  Raising ``version`` re-arms it (ship the fix with a new version).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Generic, TypeAlias, TypeVar

from ddeflow.dde import ActionPacket, Sport, StatisticsPacket
from ddeflow.dde.statistics import Break
from ddeflow.errors import ProcessorError
from ddeflow.processors.core import (
    ActionState,
    Disposition,
    FixtureState,
    StatisticsState,
    StatisticsVerdict,
    Verdict,
)
from ddeflow.producers.raw_records import Stream

__all__ = [
    "BREAKER_THRESHOLD",
    "ActionEvent",
    "ActionPacket",
    "ActionState",
    "ActionsProcessor",
    "Break",
    "Disposition",
    "Event",
    "FixtureState",
    "Json",
    "Processor",
    "Sport",
    "StatisticsEvent",
    "StatisticsPacket",
    "StatisticsProcessor",
    "StatisticsState",
    "StatisticsVerdict",
    "Step",
    "Stream",
    "Verdict",
    "schema_beside",
]

Json: TypeAlias = "bool | int | float | str | list[Json] | dict[str, Json] | None"
"""A processor's per-fixture state."""

BREAKER_THRESHOLD = 100
"""Failures in a row, with no success between them, that switch a processor off (per partition)."""

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionEvent:
    """One ``/actions`` packet, after dedupe and the sendType lifecycle."""

    sport: Sport
    packet: ActionPacket
    verdict: Verdict
    """``verdict.action`` / ``verdict.summary``: applied, duplicate or stale; ``verdict.anomalies``."""
    action_before: ActionState | None
    """The action's state before the packet (None: first time seen)."""
    action_after: ActionState
    fixture_before: FixtureState | None
    """The fixture summary before the packet (None: first packet of the fixture)."""
    fixture_after: FixtureState
    received_at_us: int | None
    """When the producer received the packet (µs since the epoch), when known."""

    @property
    def fixture_id(self) -> str:
        return self.packet.fixture_id

    @property
    def action_applied(self) -> bool:
        return self.verdict.action is Disposition.APPLIED

    @property
    def summary_applied(self) -> bool:
        return self.verdict.summary is Disposition.APPLIED

    @property
    def applied(self) -> bool:
        """Either part of the packet was applied."""
        return self.action_applied or self.summary_applied


@dataclass(frozen=True, slots=True, kw_only=True)
class StatisticsEvent:
    """One ``/statistics`` snapshot (cumulative: the whole picture so far), after dedupe by seqNum."""

    sport: Sport
    packet: StatisticsPacket
    verdict: StatisticsVerdict
    before: StatisticsState | None
    """The statistics state before (its seqNum and the breaks emitted so far with their revisions)."""
    after: StatisticsState
    received_at_us: int | None
    snapshot_before: StatisticsPacket | None = None
    """The fixture's last applied snapshot before this packet, for processors that declare
    ``wants_previous_snapshot`` (None: none applied yet; always None when no enabled processor of the sport
    wants it)."""

    @property
    def fixture_id(self) -> str:
        return self.packet.fixture_id

    @property
    def applied(self) -> bool:
        return self.verdict.snapshot is Disposition.APPLIED

    @property
    def snapshot_after(self) -> StatisticsPacket | None:
        """The fixture's last applied snapshot after this packet: the packet if it was applied, else
        ``snapshot_before``."""
        return self.packet if self.applied else self.snapshot_before


Event: TypeAlias = ActionEvent | StatisticsEvent
E = TypeVar("E", ActionEvent, StatisticsEvent)


@dataclass(frozen=True, slots=True)
class Step:
    """What a processor made of one event: records for its topic, and the fixture's state from now on."""

    records: Sequence[Mapping[str, Any]] = ()
    state: Json = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Processor(Generic[E]):
    """A processor's declaration; see the module's doc."""

    name: str
    """Lower case, digits and dashes: used in counters, the state's keys and ``dlq.origin``."""
    sports: frozenset[Sport]
    topic: str
    """The output topic, without ``DDEFLOW_TOPIC_PREFIX``; ``{sport}`` is replaced by the event's sport."""
    key: str
    """The field of each record whose value (a string) is the record's Kafka key."""
    schema: Path | Traversable
    """The ``.avsc`` of the records (registered BACKWARD under ``<topic>-value``)."""
    handle: Callable[[E, Json], Step]
    stateful: bool = True
    """False: ``state`` is always None and nothing is stored (and no state is looked up per event)."""
    compacted: bool = False
    """The topic keeps the latest record per key (else: all records, 28 days)."""
    version: int = 1
    """Raise it to re-arm a tripped circuit breaker."""
    stream: Stream = field(init=False)

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ProcessorError(f"processor name {self.name!r}: use lower case letters, digits and dashes")
        if not self.sports:
            raise ProcessorError(f"processor {self.name}: names no sport")
        if not self.topic or self.topic.replace("{sport}", "x").count("{"):
            raise ProcessorError(f"processor {self.name}: topic {self.topic!r} may only hold {{sport}}")

    def topic_for(self, sport: Sport, prefix: str = "") -> str:
        return prefix + self.topic.replace("{sport}", sport.value)

    def topics(self, prefix: str = "") -> list[str]:
        """Every topic it writes: one, or one per sport."""
        return sorted({self.topic_for(sport, prefix) for sport in self.sports})

    def load_schema(self) -> dict[str, Any]:
        try:
            document = json.loads(self.schema.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ProcessorError(f"processor {self.name}: cannot read its schema {self.schema}: {exc}") from None
        if not isinstance(document, dict) or document.get("type") != "record":
            raise ProcessorError(f"processor {self.name}: {self.schema} is not an Avro record schema")
        fields = {f.get("name") for f in document.get("fields", []) if isinstance(f, dict)}
        if self.key not in fields:
            raise ProcessorError(f"processor {self.name}: its key {self.key!r} is not a field of {self.schema}")
        return document


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionsProcessor(Processor[ActionEvent]):
    """A processor of the ``/actions`` stream."""

    def __post_init__(self) -> None:
        Processor.__post_init__(self)
        object.__setattr__(self, "stream", Stream.ACTIONS)


@dataclass(frozen=True, slots=True, kw_only=True)
class StatisticsProcessor(Processor[StatisticsEvent]):
    """A processor of the ``/statistics`` stream."""

    wants_previous_snapshot: bool = False
    """True: its events carry ``snapshot_before``.  The worker then keeps each fixture's last applied snapshot in
    its partition store and changelog (a whole packet per fixture, rewritten with each applied one), for every
    processor of the sport: ask only if you compare snapshots."""

    def __post_init__(self) -> None:
        Processor.__post_init__(self)
        object.__setattr__(self, "stream", Stream.STATISTICS)


def schema_beside(module_file: str, name: str) -> Path:
    """The ``.avsc`` file ``name`` in the folder of the module ``module_file`` (pass ``__file__``)."""
    return Path(module_file).with_name(name)
