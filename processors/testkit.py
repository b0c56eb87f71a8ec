"""Run processors in-process, without a broker: like Kafka Streams' TopologyTestDriver.

    from ddeflow.processors.testkit import Kit

    kit = Kit(MY_PROCESSOR)                        # add builtins=True to run the four built-ins beside it
    kit.match("basketball", seed=3)                # a generated match (``simulator.generator``)
    kit.file(Path("actions.jsonl"), "basketball")  # a recorded file: JSON lines or a REST /actions array
    kit.packets("snooker", [{...}, {...}])         # hand-written packets (dicts, JSON text or bytes)
    kit.records("dde.my-topic")                    # what it wrote, decoded through its schema
    kit.restart()                                  # as a crashed worker: the store rebuilt from the changelog

Every packet goes through the worker's own code: a raw record as the producers write it (headers included),
the ``Transformer`` (parsing, dead letters, dedupe, the sendType lifecycle, state removal) over one
``PartitionStore``, and the processors' records Avro-encoded with their schemas and decoded back, so a record
its schema refuses fails here as it would in the pipeline.  Feeds accumulate, like a live run: state, dedupe
and outputs carry over from one call to the next.  Topic names have no prefix.

Each fed record is stamped one second after the previous one (``step_ms``) for stream time; a finished
fixture's state is removed after ``grace_s`` of that time, as in the worker.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastavro

from ddeflow import avro, topic_schemas, topics
from ddeflow.avro import AvroCodec
from ddeflow.dde import Sport
from ddeflow.dlq import read_dlq_headers
from ddeflow.harness.derived import plain
from ddeflow.processors.api import Json, Processor, Stream
from ddeflow.processors.builtins import BUILTINS
from ddeflow.processors.core import MarkedStream, RetentionPolicy
from ddeflow.processors.core.processor_states import ProcessorState
from ddeflow.processors.registry import extra_bindings
from ddeflow.processors.runner import OutRecord
from ddeflow.processors.store import PartitionStore, processor_key
from ddeflow.processors.transform import Transformer
from ddeflow.producers.batch_plan import plan_batch
from ddeflow.producers.json_split import split_input
from ddeflow.producers.raw_records import RawRecord, Source, element_record, raw_topic
from ddeflow.simulator.generator import generate_match

T0_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


@dataclass(frozen=True, slots=True)
class Record:
    """One derived record, decoded as it was written (``timestamp-micros`` as integers)."""

    topic: str
    key: str | None
    value: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One ``dde.dlq`` record: the original bytes and the ``dlq.*`` headers."""

    key: str | None
    value: bytes
    origin: str
    reason: str
    detail: str


class Kit:
    def __init__(
        self,
        *processors: Processor[Any],
        builtins: bool = False,
        grace_s: int = 6 * 3600,
        step_ms: int = 1000,
    ) -> None:
        chosen = [*(BUILTINS if builtins else ()), *processors]
        codec = AvroCodec(None)  # type: ignore[arg-type]  # every subject is registered here: no registry needed
        self._schemas: dict[str, Any] = {}
        bindings = [b for b in topic_schemas.bindings() if builtins] + extra_bindings(chosen)
        for number, binding in enumerate(bindings, start=1):
            codec.use(binding.subject, number, binding.schema)
            self._schemas[binding.topic] = fastavro.parse_schema(binding.schema)
        retention = RetentionPolicy(grace_ms=grace_s * 1000, marker_ms=topics.RAW_RETENTION_MS)
        self._transformer = Transformer("", codec, retention, processors=chosen)
        self._store = PartitionStore()
        self._changelog: dict[bytes, bytes | None] = {}
        self._step_ms = step_ms
        self._offset = 0
        self._records: list[Record] = []
        self._dead: list[DeadLetter] = []
        self.rejected: list[str] = []
        """File or packet input that ``ddeflow ingest file`` would have refused (never reaches a processor)."""

    # --- feeding -----------------------------------------------------------------------

    def packets(
        self,
        sport: Sport | str,
        packets: Iterable[Mapping[str, Any] | str | bytes],
        stream: Stream = Stream.ACTIONS,
    ) -> list[Record]:
        """Hand-written packets of one stream, in the order given (duplicates and stale ones included)."""
        sport = _sport(sport)
        out: list[Record] = []
        for packet in packets:
            raw = _bytes(packet)
            out.extend(self._feed(sport, stream, _fixture_of(raw), raw))
        return out

    def file(self, path: Path, sport: Sport | str) -> list[Record]:
        """A saved JSON array (a REST ``/actions`` body) or JSON-lines file, published as ``ingest file`` does."""
        sport = _sport(sport)
        _, pieces = split_input(path.read_bytes())
        plan = plan_batch(pieces)
        self.rejected.extend(item.describe() for item in plan.rejected)
        out: list[Record] = []
        for item in plan.accepted:
            out.extend(self._feed(sport, item.stream, item.fixture_id, item.raw))
        return out

    def match(self, sport: Sport | str, *, seed: int = 1, index: int = 0, statistics: bool = True) -> list[Record]:
        """One generated match: its actions stream, then its statistics stream (snooker)."""
        sport = _sport(sport)
        generated = generate_match(sport.value, seed, index, statistics=statistics)
        out: list[Record] = []
        for line in generated.actions:
            out.extend(self._feed(sport, Stream.ACTIONS, generated.fixture_id, line.encode()))
        for line in generated.statistics:
            out.extend(self._feed(sport, Stream.STATISTICS, generated.fixture_id, line.encode()))
        return out

    def _feed(self, sport: Sport, stream: Stream, fixture_id: str, raw: bytes) -> list[Record]:
        topic = raw_topic("", sport, stream)
        received_at_ns = (T0_MS + self._offset * self._step_ms) * 1_000_000
        frame = element_record(
            topic=topic,
            fixture_id=fixture_id,
            element=raw,
            source=Source.FILE,
            stream=stream,
            received_at_ns=received_at_ns,
        )
        record = RawRecord(
            topic,
            0,
            self._offset,
            frame.key,
            frame.value,
            frame.headers,
            timestamp_ms=T0_MS + self._offset * self._step_ms,
        )
        self._offset += 1
        out = [self._decoded(item) for item in self._transformer.handle(record, self._store)]
        self._changelog.update(self._store.pending())  # encoded as the worker's commit does: non-JSON state fails
        self._store.commit()
        found = [item for item in out if isinstance(item, Record)]
        self._records.extend(found)
        return found

    def _decoded(self, item: OutRecord) -> Record | DeadLetter:
        key = item.key.decode() if item.key is not None else None
        if item.topic == topics.DLQ:
            headers = read_dlq_headers(item.headers)
            letter = DeadLetter(
                key,
                item.value,
                headers.get("dlq.origin", ""),
                headers.get("dlq.reason", ""),
                headers.get("dlq.detail", ""),
            )
            self._dead.append(letter)
            return letter
        return Record(item.topic, key, plain(avro.decode(item.value, self._schemas[item.topic])))

    def restart(self) -> None:
        """As a worker that crashed and started again: the partition store is rebuilt from the changelog written so
        far (each fed record was its own committed transaction).  Outputs and counters carry on."""
        store = PartitionStore()
        for key, value in self._changelog.items():
            store.restore(key, value)
        self._store = store

    # --- looking -----------------------------------------------------------------------

    def records(self, topic: str | None = None) -> list[Record]:
        """Every derived record so far (of ``topic``), in order."""
        return [r for r in self._records if topic is None or r.topic == topic]

    def values(self, topic: str) -> list[dict[str, Any]]:
        return [r.value for r in self.records(topic)]

    def dead_letters(self) -> list[DeadLetter]:
        return list(self._dead)

    def state(self, processor: str, fixture_id: str, stream: Stream = Stream.ACTIONS) -> Json:
        """A processor's state of a fixture now (None: none, or removed)."""
        marked = MarkedStream.ACTIONS if stream is Stream.ACTIONS else MarkedStream.STATISTICS
        held = self._store.get(processor_key(processor, marked, fixture_id))
        return held.state if isinstance(held, ProcessorState) else None

    def changelog(self) -> dict[bytes, bytes | None]:
        """The state changelog as compaction leaves it: each key's last value (None: removed); see
        ``ddeflow.processors.store`` for the keys."""
        return dict(self._changelog)

    @property
    def counters(self) -> Counter[str]:
        """The worker's counters (``actions.applied``, ``processor.<name>.errors``, ...)."""
        return self._transformer.counters


def _sport(sport: Sport | str) -> Sport:
    return Sport(sport)


def _bytes(packet: Mapping[str, Any] | str | bytes) -> bytes:
    if isinstance(packet, bytes):
        return packet
    if isinstance(packet, str):
        return packet.encode()
    return json.dumps(packet, separators=(",", ":")).encode()


def _fixture_of(raw: bytes) -> str:
    """The key a producer would give the packet: its fixtureId (empty when it has none: it is dead-lettered)."""
    try:
        obj = json.loads(raw)
    except ValueError:
        return ""
    if isinstance(obj, dict):
        action = obj.get("fixtureAction")
        found = action.get("fixtureId") if isinstance(action, dict) else obj.get("fixtureId")
        if isinstance(found, str):
            return found
    return ""
