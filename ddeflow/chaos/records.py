"""What of a run's derived records the chaos suite compares: per topic, per key, canonical values in offset order.

Fields that carry a wall clock differ between any two runs and are left out: ``receivedAt`` (when
``ingest live`` received the packet) in every Avro value, and in dead letters the failure time and
the raw record's partition and offset (the raw topic's layout differs when frames are delivered twice).
"""

from __future__ import annotations

import json
from typing import Any

from ddeflow import topics
from ddeflow.dlq import read_dlq_headers
from ddeflow.harness.derived import DLQ_VOLATILE_HEADERS, Derived

WALL_CLOCK_FIELDS = frozenset({"receivedAt"})
DLQ_PLACEMENT_HEADERS = frozenset({"dlq.source.partition", "dlq.source.offset"})

Comparable = dict[str, dict[str | None, list[str]]]


def canonical(value: Any) -> str:
    """A value as text that is equal exactly when the values are (keys sorted, wall-clock fields dropped)."""
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k not in WALL_CLOCK_FIELDS}
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)


def dead_letter(value: bytes, headers: tuple[tuple[str, bytes], ...], prefix: str) -> str:
    kept = {
        k: v
        for k, v in read_dlq_headers(list(headers)).items()
        if k not in DLQ_VOLATILE_HEADERS and k not in DLQ_PLACEMENT_HEADERS
    }
    if kept.get("dlq.source.topic", "").startswith(prefix):
        kept["dlq.source.topic"] = kept["dlq.source.topic"][len(prefix) :]
    return json.dumps({"value": value.hex(), "headers": kept}, sort_keys=True, separators=(",", ":"))


def comparable(derived: Derived) -> Comparable:
    out: Comparable = {}
    for name, records in derived.records.items():
        by_key = out.setdefault(name, {})
        for o in records:
            text = dead_letter(o.value, o.headers, derived.prefix) if name == topics.DLQ else canonical(o.value)
            by_key.setdefault(o.key, []).append(text)
    return out


def record_counts(found: Comparable) -> dict[str, int]:
    return {name: sum(len(values) for values in by_key.values()) for name, by_key in sorted(found.items())}
