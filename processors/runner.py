"""Runs the enabled processors (``ddeflow.processors.api``) over one event: their records, state, errors, breakers.

The Transformer calls ``ProcessorSet.actions`` / ``statistics`` after a packet's built-in states moved on.  Only
processors that want the event's sport and stream are looked at (``wants``), so a sport nobody processes costs
nothing.  Each processor runs on its own: one that raises, returns something that is not a ``Step``, a state
that is not JSON or a record its schema refuses has its packet dead-lettered (origin ``processor:<name>``), its
state left as it was and a failure counted; the others' records are kept, in the processors' order.  Pure: the
state and the breakers live in the partition store given.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ddeflow.avro import AvroCodec
from ddeflow.dde import Sport
from ddeflow.dlq import dead_letter
from ddeflow.errors import PacketError, ProcessorError
from ddeflow.processors.api import BREAKER_THRESHOLD, ActionEvent, Event, Processor, StatisticsProcessor, Step
from ddeflow.processors.core import MarkedStream
from ddeflow.processors.core.processor_states import BreakerState, ProcessorState
from ddeflow.processors.store import PartitionStore, breaker_key, processor_key
from ddeflow.producers.raw_records import RawRecord, Stream

log = logging.getLogger(__name__)

DLQ_REASON = "processor_error"


@dataclass(frozen=True, slots=True)
class OutRecord:
    topic: str
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()

    def with_header(self, name: str, value: bytes) -> OutRecord:
        """This record with one more header; built directly, at half the cost of ``dataclasses.replace``."""
        return OutRecord(self.topic, self.key, self.value, (*self.headers, (name, value)))


@dataclass(frozen=True, slots=True)
class _Entry:
    processor: Processor[Any]
    stream: MarkedStream
    breaker_key: bytes
    subjects: dict[Sport, tuple[str, str]]
    """Sport → (topic, subject) under the output prefix."""
    origin: str
    errors: str
    tripped: str


class ProcessorSet:
    def __init__(
        self,
        processors: Sequence[Processor[Any]],
        out_prefix: str,
        codec: AvroCodec,
        counters: Counter[str],
        dlq_topic: str,
    ) -> None:
        names = [p.name for p in processors]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ProcessorError(f"more than one processor named {', '.join(twice)}")
        self._codec = codec
        self._counters = counters
        self._dlq_topic = dlq_topic
        self._by_route: dict[tuple[Sport, Stream], tuple[_Entry, ...]] = {}
        self._snapshots_for = frozenset(
            sport
            for processor in processors
            if isinstance(processor, StatisticsProcessor) and processor.wants_previous_snapshot
            for sport in processor.sports
        )
        for processor in processors:
            stream = MarkedStream.ACTIONS if processor.stream is Stream.ACTIONS else MarkedStream.STATISTICS
            subjects = {}
            for sport in processor.sports:
                topic = processor.topic_for(sport, out_prefix)
                subjects[sport] = (topic, f"{topic}-value")
            entry = _Entry(
                processor,
                stream,
                breaker_key(processor.name, processor.version),
                subjects,
                f"processor:{processor.name}",
                f"processor.{processor.name}.errors",
                f"processor.{processor.name}.tripped",
            )
            for sport in processor.sports:
                route = (sport, processor.stream)
                self._by_route[route] = (*self._by_route.get(route, ()), entry)
        self._announced: set[str] = set()

    def wants(self, sport: Sport, stream: Stream) -> bool:
        return (sport, stream) in self._by_route

    def wants_previous_snapshot(self, sport: Sport) -> bool:
        """A processor of ``sport``'s statistics wants each event's previous snapshot."""
        return sport in self._snapshots_for

    def run(self, event: Event, record: RawRecord, store: PartitionStore) -> list[OutRecord]:
        """Every interested processor over ``event``: their records in order, dead letters for those that failed."""
        stream = Stream.ACTIONS if isinstance(event, ActionEvent) else Stream.STATISTICS
        out: list[OutRecord] = []
        for entry in self._by_route.get((event.sport, stream), ()):
            breaker = store.get(entry.breaker_key)
            if isinstance(breaker, BreakerState) and breaker.tripped:
                self._announce(entry, record)
                continue
            processor = entry.processor
            fixture_id = event.fixture_id
            state_key = processor_key(processor.name, entry.stream, fixture_id) if processor.stateful else None
            held = store.get(state_key) if state_key is not None else None
            state = held.state if isinstance(held, ProcessorState) else None
            try:
                step = processor.handle(event, state)
                if not isinstance(step, Step):
                    raise TypeError(f"returned {type(step).__name__}, not a Step")
                topic, subject = entry.subjects[event.sport]
                records = [
                    OutRecord(topic, _key(value, processor.key), self._codec.encode(subject, dict(value)))
                    for value in step.records
                ]
                changed = state_key is not None and step.state is not state
                if changed and step.state is not None:
                    json.dumps(step.state, allow_nan=False)  # fail here, for this event, not at commit
            except Exception as exc:  # a processor's bug must not stop the others or the pipeline
                out.append(self._failed(entry, exc, record, fixture_id, breaker, store))
                continue
            out.extend(records)
            if changed and state_key is not None:
                if step.state is None:
                    store.delete(state_key)
                else:
                    store.put(
                        state_key,
                        ProcessorState(
                            processor=processor.name, stream=entry.stream, fixture_id=fixture_id, state=step.state
                        ),
                    )
            if isinstance(breaker, BreakerState) and breaker.failures:
                store.put(
                    entry.breaker_key,
                    BreakerState(processor=processor.name, version=processor.version, failures=0, tripped=False),
                )
        return out

    def _failed(
        self,
        entry: _Entry,
        exc: Exception,
        record: RawRecord,
        fixture_id: str,
        breaker: object,
        store: PartitionStore,
    ) -> OutRecord:
        processor = entry.processor
        failures = (breaker.failures if isinstance(breaker, BreakerState) else 0) + 1
        tripped = failures >= BREAKER_THRESHOLD
        store.put(
            entry.breaker_key,
            BreakerState(processor=processor.name, version=processor.version, failures=failures, tripped=tripped),
        )
        self._counters["dlq"] += 1
        self._counters[f"dlq.{DLQ_REASON}"] += 1
        self._counters[entry.errors] += 1
        if tripped:
            self._counters[entry.tripped] += 1
            log.error(
                "processor %s (version %d) failed on %d events in a row in partition %d and is SWITCHED OFF there "
                "(its circuit breaker); the last error: %s: %s. Fix it and raise its version to switch it on again.",
                processor.name,
                processor.version,
                failures,
                record.partition,
                type(exc).__name__,
                exc,
            )
        letter = dead_letter(
            PacketError(DLQ_REASON, f"{type(exc).__name__}: {exc}"),
            origin=entry.origin,
            failed_at_ns=None,
            raw=record.value or b"",
            fixture_id=fixture_id,
            source_topic=record.topic,
            source_partition=record.partition,
            source_offset=record.offset,
        )
        return OutRecord(self._dlq_topic, letter.key, letter.value, letter.headers)

    def _announce(self, entry: _Entry, record: RawRecord) -> None:
        """Say once per process and partition that a processor is off; its events are skipped."""
        where = f"{entry.processor.name}@{record.partition}"
        if where not in self._announced:
            self._announced.add(where)
            log.error(
                "processor %s (version %d) is switched off in partition %d by its circuit breaker: its events are "
                "skipped. Fix it and raise its version to switch it on again.",
                entry.processor.name,
                entry.processor.version,
                record.partition,
            )


def _key(value: Any, field: str) -> bytes:
    key = value[field]
    if not isinstance(key, str):
        raise TypeError(f"the key field {field!r} is {type(key).__name__}, not a string")
    return key.encode()
