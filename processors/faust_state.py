"""The Faust engine's table: the default engine's partition state, plus where each input partition stands.  Pure.

Table record format (one Faust table, changelog ``<app id>-state-changelog``, one partition per input partition
number, like ``ddeflow-processors.state-changelog``)::

    key     b"<p>/" + a PartitionStore key      → that state, encoded as in ``ddeflow.processors.store``
            b"<p>/o:" + input topic              → the next offset of the input partition (topic, p) to apply,
                                                   decimal ASCII
    value   as above, or None (a tombstone)

``<p>`` is the input partition number in decimal.  Faust keeps all of a worker's partitions in one table, and a
store key such as a topic's stream time (``t:``) exists once per partition, so the number keeps them apart; the
state's own key and value bytes are the default engine's, so both restore one data model (``restore``).

The input positions are what keeps the state and the input in step.  They are written with the state changes of
each input record, after that record's outputs were delivered, so whatever Faust's consumer group has committed,
the table says exactly which records the state holds (``Positions.verdict``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ddeflow.processors.store import PartitionStore

_POSITION = b"o:"


def table_key(partition: int, key: bytes) -> bytes:
    """The table key of partition ``partition``'s store key ``key``."""
    return b"%d/%s" % (partition, key)


def position_key(partition: int, topic: str) -> bytes:
    return table_key(partition, _POSITION + topic.encode())


def split_key(key: bytes) -> tuple[int, bytes]:
    """(partition number, the rest) of a table key."""
    number, slash, rest = key.partition(b"/")
    if not slash or not number.isdigit():
        raise ValueError(f"not a table key: {key[:40]!r}")
    return int(number), rest


class Verdict(enum.Enum):
    APPLY = "apply"
    """The next record of its input partition: apply it."""
    APPLIED = "applied"
    """Already in the state (its outputs were delivered): Faust's committed offset lagged the state; skip it."""
    MISSED = "missed"
    """Records between the state's position and this one were never applied: read and apply them first."""


@dataclass
class Positions:
    """The next offset to apply per input topic, of one partition number."""

    next: dict[str, int] = field(default_factory=dict)

    def verdict(self, topic: str, offset: int, *, log_start: int | None = None) -> Verdict:
        """What to do with the record at ``offset``.  ``log_start``: the partition's first offset still held
        (raw topics are never compacted, and their producers write no transactions, so offsets have no gaps
        except where retention removed records)."""
        expected = self.next.get(topic)
        if expected is None or offset == expected:
            return Verdict.APPLY
        if offset < expected:
            return Verdict.APPLIED
        if log_start is not None and log_start >= offset:
            return Verdict.APPLY  # the records in between are gone: nothing to read again
        return Verdict.MISSED

    def applied(self, topic: str, offset: int) -> bytes:
        """Record that ``offset`` was applied; the position's value for the table."""
        self.next[topic] = offset + 1
        return self.value(topic)

    def value(self, topic: str) -> bytes:
        """The position of ``topic`` as the table holds it."""
        return str(self.next[topic]).encode()


@dataclass
class Restored:
    store: PartitionStore
    positions: Positions


def restore(partition: int, items: Iterable[tuple[bytes, bytes | None]]) -> Restored:
    """Partition ``partition``'s store and positions from the table's items (any partitions'; others are skipped)."""
    store = PartitionStore()
    positions = Positions()
    for key, value in items:
        number, rest = split_key(key)
        if number != partition or value is None:
            continue
        if rest.startswith(_POSITION):
            positions.next[rest[len(_POSITION) :].decode()] = int(value)
        else:
            store.restore(rest, value)
    return Restored(store, positions)


def changes(partition: int, store: PartitionStore) -> Iterator[tuple[bytes, bytes | None]]:
    """The table records of the store's open changes (``PartitionStore.pending``), under ``partition``."""
    for key, value in store.pending():
        yield table_key(partition, key), value
