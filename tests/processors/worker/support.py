"""What the Transformer tests share: an Avro codec that never talks to a registry, and record builders."""

from __future__ import annotations

from functools import cache
from typing import Any

import fastavro

from ddeflow import topic_schemas
from ddeflow.avro import AvroCodec
from ddeflow.processors.core import RetentionPolicy
from ddeflow.registry import SchemaRegistry

PREFIX = "p."
RECEIVED_AT = (("received-at-ns", b"1700000000123456789"),)
T0_MS = 1_700_000_000_000
"""A record timestamp to count stream time from."""
RETENTION = RetentionPolicy(grace_ms=3_600_000, marker_ms=86_400_000)


@cache
def codec(prefix: str = PREFIX) -> AvroCodec:
    """Every derived subject pre-registered under ids 1, 2, ... (``topic_schemas.bindings`` order).  Shared: after
    ``use`` a codec only reads its subjects, and reading and parsing the schemas dominates a short run."""
    avro_codec = AvroCodec(SchemaRegistry("http://127.0.0.1:9"))  # never contacted: every subject is pre-registered
    for number, binding in enumerate(topic_schemas.bindings(prefix), start=1):
        avro_codec.use(binding.subject, number, binding.schema)
    return avro_codec


def schemas_by_topic(prefix: str = PREFIX) -> dict[str, tuple[int, Any]]:
    """Derived topic → (schema id as ``codec`` registers it, parsed schema)."""
    return {
        binding.topic: (number, fastavro.parse_schema(binding.schema))
        for number, binding in enumerate(topic_schemas.bindings(prefix), start=1)
    }
