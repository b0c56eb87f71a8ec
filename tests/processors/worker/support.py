"""Shared pieces of the worker's pure tests: a codec that needs no registry."""

from __future__ import annotations

from ddeflow import schemas
from ddeflow.avro import AvroCodec
from ddeflow.registry import SchemaRegistry

PREFIX = "p."


def offline_codec() -> AvroCodec:
    codec = AvroCodec(SchemaRegistry("http://127.0.0.1:9"))  # never contacted: every subject is pre-registered
    for number, binding in enumerate(schemas.bindings(PREFIX), start=1):
        codec.use(binding.subject, number, binding.schema)
    return codec
