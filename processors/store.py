"""The processors' state for one input partition number, backed by a compacted changelog topic.

Changelog record format (topic ``<prefix>ddeflow-processors.state-changelog``,
compacted, one partition per input partition number)::

    key     b"f:" + fixtureId                → FixtureState
            b"a:" + len(fixtureId) + b":" + fixtureId + actionId
                                             → ActionState (the length makes the pair unambiguous)
            b"s:" + fixtureId                → StatisticsState
            b"m:a:" / b"m:s:" + fixtureId    → Marker (the fixture's actions / statistics stream is over)
            b"t:" + input topic              → StreamTime of that topic's partition
            b"p:a:" / b"p:s:" + len(fixtureId) + b":" + fixtureId + processor name
                                             → ProcessorState (a processor's state of the fixture's stream)
            b"b:" + processor name + b"@" + version
                                             → BreakerState (a processor's circuit breaker)
            b"l:" + fixtureId                → SnapshotState (the last applied statistics packet, kept
                                               only while a processor wants the previous snapshot)
    value   the state's ``to_dict()`` as compact JSON (every dict carries its format version "v"),
            or None: a tombstone, the key was removed

An actionId is unique only within its fixture, so an action's state is keyed by
both.  A changelog written before that was keyed by actionId alone
(``b"a:" + actionId``); ``restore`` moves such a record to its new key and the
next transaction writes the move (the new key, a tombstone for the old), so an
upgrade keeps every action's state.

Writes made while processing a transaction go to an overlay (a removal is an
overlay entry of None); ``commit`` folds them into the committed view after
Kafka committed the transaction, and ``discard`` drops them after an abort, so
the in-memory view never holds anything the changelog does not.

For removal (``ddeflow.processors.core.retention``) the store keeps three indexes over
that view: fixtureId → the actionIds stored for it, (stream, fixtureId) → the processors
with a state for it, and per input topic two
heaps of markers ordered by ``finished_at_ms`` (those due for removal, those
removed), so finding what is due costs a heap pop, not a scan.  Both are built
from the view on first use after a restore or a discard, and kept up to date
by ``put`` and ``delete``; a heap entry whose marker has changed since is
skipped when popped.  Pure: no I/O.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeAlias

from ddeflow.processors.core import ActionState, FixtureState, MarkedStream, Marker, StatisticsState, StreamTime
from ddeflow.processors.core.processor_states import BreakerState, ProcessorState, SnapshotState

State: TypeAlias = (
    FixtureState | ActionState | StatisticsState | Marker | StreamTime | ProcessorState | BreakerState | SnapshotState
)

_PREFIXES: dict[
    bytes,
    type[FixtureState]
    | type[ActionState]
    | type[StatisticsState]
    | type[Marker]
    | type[StreamTime]
    | type[ProcessorState]
    | type[BreakerState]
    | type[SnapshotState],
] = {
    b"f:": FixtureState,
    b"a:": ActionState,
    b"s:": StatisticsState,
    b"m:": Marker,
    b"t:": StreamTime,
    b"p:": ProcessorState,
    b"b:": BreakerState,
    b"l:": SnapshotState,
}
_MARKER_PREFIXES = {MarkedStream.ACTIONS: b"m:a:", MarkedStream.STATISTICS: b"m:s:"}
_PROCESSOR_PREFIXES = {MarkedStream.ACTIONS: b"p:a:", MarkedStream.STATISTICS: b"p:s:"}


def fixture_key(fixture_id: str) -> bytes:
    return b"f:" + fixture_id.encode()


def action_key(fixture_id: str, action_id: str) -> bytes:
    fixture = fixture_id.encode()
    return b"a:%d:%s%s" % (len(fixture), fixture, action_id.encode())


def statistics_key(fixture_id: str) -> bytes:
    return b"s:" + fixture_id.encode()


def snapshot_key(fixture_id: str) -> bytes:
    return b"l:" + fixture_id.encode()


def marker_key(stream: MarkedStream, fixture_id: str) -> bytes:
    return _MARKER_PREFIXES[stream] + fixture_id.encode()


def stream_time_key(topic: str) -> bytes:
    return b"t:" + topic.encode()


def processor_key(processor: str, stream: MarkedStream, fixture_id: str) -> bytes:
    fixture = fixture_id.encode()
    return _PROCESSOR_PREFIXES[stream] + b"%d:%s%s" % (len(fixture), fixture, processor.encode())


def breaker_key(processor: str, version: int) -> bytes:
    return b"b:%s@%d" % (processor.encode(), version)


def encode_state(state: State) -> bytes:
    return json.dumps(state.to_dict(), separators=(",", ":"), sort_keys=True).encode()


def decode_state(key: bytes, value: bytes) -> State:
    kind = _PREFIXES.get(key[:2])
    if kind is None:
        raise ValueError(f"changelog key {key[:40]!r} has no known prefix")
    return kind.from_dict(json.loads(value))


@dataclass
class _Indexes:
    actions_of: dict[str, set[str]] = field(default_factory=dict)
    """fixtureId → the actionIds stored for it."""
    markers: dict[tuple[str, bool], list[tuple[int, bytes]]] = field(default_factory=dict)
    """(topic, removed) → heap of (finished_at_ms, marker key)."""
    processors_of: dict[tuple[MarkedStream, str], set[str]] = field(default_factory=dict)
    """(stream, fixtureId) → the processors with a state for it."""

    def add(self, key: bytes, state: State) -> None:
        if isinstance(state, ActionState):
            self.actions_of.setdefault(state.fixture_id, set()).add(state.action_id)
        elif isinstance(state, ProcessorState):
            self.processors_of.setdefault((state.stream, state.fixture_id), set()).add(state.processor)
        elif isinstance(state, Marker):
            heapq.heappush(self.markers.setdefault((state.topic, state.removed), []), (state.finished_at_ms, key))

    def drop(self, state: State) -> None:
        if isinstance(state, ActionState):
            ids = self.actions_of.get(state.fixture_id)
            if ids is not None:
                ids.discard(state.action_id)
                if not ids:
                    del self.actions_of[state.fixture_id]
        elif isinstance(state, ProcessorState):
            where = (state.stream, state.fixture_id)
            names = self.processors_of.get(where)
            if names is not None:
                names.discard(state.processor)
                if not names:
                    del self.processors_of[where]


class PartitionStore:
    def __init__(self) -> None:
        self._committed: dict[bytes, State] = {}
        self._overlay: dict[bytes, State | None] = {}
        self._indexes: _Indexes | None = None
        self._moves: dict[bytes, bytes] = {}
        """Old action key → its current key, restored but not yet rewritten in the changelog."""
        self.records_restored = 0
        """Changelog records applied by ``restore`` (tombstones and superseded values too)."""

    def __len__(self) -> int:
        return len(self._committed)

    def restore(self, key: bytes, value: bytes | None) -> None:
        """Apply one changelog record (a tombstone removes the key)."""
        self.records_restored += 1
        self._indexes = None
        if value is None:
            self._committed.pop(key, None)
            self._moves.pop(key, None)
            return
        state = decode_state(key, value)
        if isinstance(state, ActionState):
            current = action_key(state.fixture_id, state.action_id)
            if key != current:
                self._moves[key] = current
                key = current
        self._committed[key] = state

    def _get(self, key: bytes) -> State | None:
        if key in self._overlay:
            return self._overlay[key]
        return self._committed.get(key)

    def get(self, key: bytes) -> State | None:
        """The state under ``key`` (as written in this transaction, else as committed)."""
        return self._get(key)

    def fixture(self, fixture_id: str) -> FixtureState | None:
        state = self._get(fixture_key(fixture_id))
        return state if isinstance(state, FixtureState) else None

    def action(self, fixture_id: str, action_id: str) -> ActionState | None:
        state = self._get(action_key(fixture_id, action_id))
        return state if isinstance(state, ActionState) else None

    def statistics(self, fixture_id: str) -> StatisticsState | None:
        state = self._get(statistics_key(fixture_id))
        return state if isinstance(state, StatisticsState) else None

    def snapshot(self, fixture_id: str) -> SnapshotState | None:
        state = self._get(snapshot_key(fixture_id))
        return state if isinstance(state, SnapshotState) else None

    def marker(self, stream: MarkedStream, fixture_id: str) -> Marker | None:
        state = self._get(marker_key(stream, fixture_id))
        return state if isinstance(state, Marker) else None

    def processor_state(self, processor: str, stream: MarkedStream, fixture_id: str) -> ProcessorState | None:
        state = self._get(processor_key(processor, stream, fixture_id))
        return state if isinstance(state, ProcessorState) else None

    def breaker(self, processor: str, version: int) -> BreakerState | None:
        state = self._get(breaker_key(processor, version))
        return state if isinstance(state, BreakerState) else None

    def fixtures(self) -> list[FixtureState]:
        """Every fixture's committed state, by fixtureId."""
        found = [state for state in self._committed.values() if isinstance(state, FixtureState)]
        return sorted(found, key=lambda state: state.fixture_id)

    def stream_time(self, topic: str) -> int:
        """The stream time of ``topic`` in this partition; 0 before its first timestamped record."""
        state = self._get(stream_time_key(topic))
        return state.ms if isinstance(state, StreamTime) else 0

    def put(self, key: bytes, state: State) -> None:
        self._overlay[key] = state
        if self._indexes is not None:
            self._indexes.add(key, state)

    def delete(self, key: bytes) -> None:
        """Remove ``key``: a tombstone in the changelog once committed."""
        previous = self._get(key)
        if previous is None:
            return
        self._overlay[key] = None
        if self._indexes is not None:
            self._indexes.drop(previous)

    def actions_of(self, fixture_id: str) -> list[str]:
        """The actionIds stored for ``fixture_id``, sorted."""
        return sorted(self._index().actions_of.get(fixture_id, ()))

    def processors_of(self, stream: MarkedStream, fixture_id: str) -> list[str]:
        """The processors with a state for ``fixture_id``'s ``stream``, sorted."""
        return sorted(self._index().processors_of.get((stream, fixture_id), ()))

    def due_markers(self, topic: str, *, removed: bool, finished_by_ms: int) -> list[Marker]:
        """Take the markers of ``topic`` in the state ``removed`` that finished at or before ``finished_by_ms``.

        In (finished_at_ms, key) order.  Each is returned once: the caller changes or deletes it.
        """
        heap = self._index().markers.get((topic, removed))
        due: list[Marker] = []
        while heap and heap[0][0] <= finished_by_ms:
            finished_at_ms, key = heapq.heappop(heap)
            state = self._get(key)
            if isinstance(state, Marker) and state.removed == removed and state.finished_at_ms == finished_at_ms:
                due.append(state)
        return due

    def _index(self) -> _Indexes:
        if self._indexes is None:
            indexes = _Indexes()
            for key, state in self._committed.items():
                if key not in self._overlay:
                    indexes.add(key, state)
            for key, pending in self._overlay.items():
                if pending is not None:
                    indexes.add(key, pending)
            self._indexes = indexes
        return self._indexes

    def pending(self) -> Iterator[tuple[bytes, bytes | None]]:
        """The changelog records of the open transaction: the last state per key, None for a removed key.

        Moves of old action keys come first, so that a write of the same state in this transaction wins.
        """
        for old, current in self._moves.items():
            yield old, None
            moved = self._committed.get(current)
            if moved is not None:
                yield current, encode_state(moved)
        for key, state in self._overlay.items():
            yield key, None if state is None else encode_state(state)

    def commit(self) -> None:
        for key, state in self._overlay.items():
            if state is None:
                self._committed.pop(key, None)
            else:
                self._committed[key] = state
        self._overlay.clear()
        self._moves.clear()

    def discard(self) -> None:
        self._overlay.clear()
        self._indexes = None  # it may hold what the overlay did: rebuilt from the committed view when needed
