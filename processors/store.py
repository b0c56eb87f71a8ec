"""The processors' state for one input partition number, backed by a compacted changelog topic.

Changelog record format (topic ``<prefix>ddeflow-processors.state-changelog``,
compacted, one partition per input partition number)::

    key     b"f:" + fixtureId   → FixtureState
            b"a:" + actionId    → ActionState
            b"s:" + fixtureId   → StatisticsState
    value   the state's ``to_dict()`` as compact JSON (every dict carries its format version "v")

Writes made while processing a transaction go to an overlay; ``commit`` folds
them into the committed view after Kafka committed the transaction, and
``discard`` drops them after an abort, so the in-memory view never holds
anything the changelog does not.  Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TypeAlias

from processors.core import ActionState, FixtureState, StatisticsState

State: TypeAlias = FixtureState | ActionState | StatisticsState

_PREFIXES: dict[bytes, type[FixtureState] | type[ActionState] | type[StatisticsState]] = {
    b"f:": FixtureState,
    b"a:": ActionState,
    b"s:": StatisticsState,
}


def fixture_key(fixture_id: str) -> bytes:
    return b"f:" + fixture_id.encode()


def action_key(action_id: str) -> bytes:
    return b"a:" + action_id.encode()


def statistics_key(fixture_id: str) -> bytes:
    return b"s:" + fixture_id.encode()


def encode_state(state: State) -> bytes:
    return json.dumps(state.to_dict(), separators=(",", ":"), sort_keys=True).encode()


def decode_state(key: bytes, value: bytes) -> State:
    kind = _PREFIXES.get(key[:2])
    if kind is None:
        raise ValueError(f"changelog key {key[:40]!r} has no known prefix")
    return kind.from_dict(json.loads(value))


class PartitionStore:
    def __init__(self) -> None:
        self._committed: dict[bytes, State] = {}
        self._overlay: dict[bytes, State] = {}

    def __len__(self) -> int:
        return len(self._committed)

    def restore(self, key: bytes, value: bytes | None) -> None:
        """Apply one changelog record (a tombstone removes the key)."""
        if value is None:
            self._committed.pop(key, None)
        else:
            self._committed[key] = decode_state(key, value)

    def _get(self, key: bytes) -> State | None:
        found = self._overlay.get(key)
        return found if found is not None else self._committed.get(key)

    def fixture(self, fixture_id: str) -> FixtureState | None:
        state = self._get(fixture_key(fixture_id))
        return state if isinstance(state, FixtureState) else None

    def action(self, action_id: str) -> ActionState | None:
        state = self._get(action_key(action_id))
        return state if isinstance(state, ActionState) else None

    def statistics(self, fixture_id: str) -> StatisticsState | None:
        state = self._get(statistics_key(fixture_id))
        return state if isinstance(state, StatisticsState) else None

    def put(self, key: bytes, state: State) -> None:
        self._overlay[key] = state

    def pending(self) -> Iterator[tuple[bytes, bytes]]:
        """The changelog records of the open transaction: the last state per key."""
        for key, state in self._overlay.items():
            yield key, encode_state(state)

    def commit(self) -> None:
        self._committed.update(self._overlay)
        self._overlay.clear()

    def discard(self) -> None:
        self._overlay.clear()
