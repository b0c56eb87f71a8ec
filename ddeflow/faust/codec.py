"""Faust serialization of ddeflow's topics: the Confluent wire format through the schema registry.

The wire format itself (magic byte, 4-byte schema id, Avro body) is ``ddeflow.avro``'s; this module only
fits it to Faust.  Faust codecs are synchronous, but a writer schema may have to be fetched: a record
written with a schema id this process has not seen yet, because the schema evolved and ddeflow
registered a new version.  So ``RegistrySchema`` runs an asynchronous step before Faust's own decoding,
in the coroutine Faust compiles for each topic: it reads the record's schema id and fetches that schema
once (``AvroCodec`` caches every id; ids are immutable).  ``RecordCodec`` then decodes with no I/O,
resolving the writer's schema to the topic's local one, so a field added in a newer schema is dropped
and one the writer lacked takes its default: the model always gets the fields it declares.

For writing, ``RecordCodec.register`` registers the local schema under the topic's subject (a no-op when
the registry already holds it) and caches its id before the first record is sent.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import faust
from faust.serializers.codecs import Codec
from faust.types import AppT, EventT, Message

from ddeflow.avro import AvroCodec, decode, parse_schema, split
from ddeflow.backoff import BackoffPolicy, backoff_delays
from ddeflow.errors import AvroDecodeError, RegistryError
from ddeflow.topic_schemas import Binding

log = logging.getLogger(__name__)

REGISTRY_BACKOFF = BackoffPolicy(initial_s=0.5, max_s=10.0)

OnDecodeError = Callable[[Exception, Message], Awaitable[None]]


async def _ignore(exc: Exception, message: Message) -> None:
    return None


def plain(value: Any) -> Any:
    """A model's representation with every nested model as a dict, as the Avro writer wants it."""
    if isinstance(value, faust.Record):
        return plain(value.to_representation())
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


class RecordCodec(Codec):
    """The values of one topic (``binding``): read from any registered version, written as the local schema."""

    def __init__(self, avro: AvroCodec, binding: Binding) -> None:
        super().__init__()
        self.avro = avro
        self.binding = binding
        self._reader = parse_schema(binding.schema)

    async def register(self) -> int:
        """Register the local schema under the topic's subject, for writing; returns its id."""
        return await self.avro.register(self.binding.subject, self.binding.schema)

    async def fetch_writer_schema(self, data: bytes) -> None:
        """Make sure the schema ``data`` was written with is cached, retrying while the registry is unreachable.

        A schema id the registry refuses (unknown to it) is left for decoding to report, as Faust reports any
        value it cannot decode."""
        try:
            schema_id, _ = split(data)
        except AvroDecodeError:
            return  # not framed: decoding reports it
        if self.avro.cached_writer_schema(schema_id) is not None:
            return
        delays = backoff_delays(REGISTRY_BACKOFF, random.Random())
        while True:
            try:
                await self.avro.writer_schema(schema_id)
                return
            except RegistryError as exc:
                if not exc.retriable:
                    log.error("schema id %d of %s: %s", schema_id, self.binding.topic, exc)
                    return
                delay_s = next(delays)
                log.warning("schema id %d of %s: %s; retrying in %.1f s", schema_id, self.binding.topic, exc, delay_s)
                await asyncio.sleep(delay_s)

    def _loads(self, s: bytes) -> Any:
        schema_id, _ = split(s)
        writer = self.avro.cached_writer_schema(schema_id)
        if writer is None:
            raise AvroDecodeError(
                f"writer schema id {schema_id} is not known: the registry refused it, or it was not fetched "
                "(read through RegistrySchema)"
            )
        return decode(s, writer, self._reader)

    def _dumps(self, s: Any) -> bytes:
        return self.avro.encode(self.binding.subject, plain(s))


class RegistrySchema(faust.Schema[str, Any]):
    """A ddeflow topic's schema for ``app.topic(..., schema=...)``: keys are strings, values ``value_type`` models
    read and written by ``codec``, each new writer schema fetched before Faust decodes."""

    def __init__(self, codec: RecordCodec, value_type: type[faust.Record]) -> None:
        super().__init__(key_type=str, value_type=value_type, key_serializer="raw", value_serializer=codec)
        self.codec = codec

    def compile(
        self,
        app: AppT,
        *,
        on_key_decode_error: OnDecodeError = _ignore,
        on_value_decode_error: OnDecodeError = _ignore,
        default_propagate: bool = False,
    ) -> Callable[..., Awaitable[EventT[Any]]]:
        decode_event = super().compile(
            app,
            on_key_decode_error=on_key_decode_error,
            on_value_decode_error=on_value_decode_error,
            default_propagate=default_propagate,
        )
        fetch = self.codec.fetch_writer_schema

        async def fetch_then_decode(message: Message, *, propagate: bool = default_propagate) -> EventT[Any]:
            if message.value is not None:
                await fetch(message.value)
            return await decode_event(message, propagate=propagate)

        return fetch_then_decode
