"""Avro in the Confluent wire format.

Wire format of every derived record's value (and of nothing else)::

    byte 0      magic byte, always 0
    bytes 1-4   schema id, unsigned 32-bit big-endian, as assigned by the registry
    bytes 5-    the record in Avro binary encoding (no container header)

Standard Confluent-compatible deserializers read this directly.  The pure
``encode``/``decode`` functions take parsed schemas; ``AvroCodec`` adds the
registry round trips and caches them, and writes with a compiled writer (``ddeflow.avro_writer``) where the
schema and the record allow, else with fastavro.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import fastavro

from ddeflow.avro_writer import MismatchError, compile_writer
from ddeflow.errors import AvroDecodeError, DdeflowError
from ddeflow.registry import SchemaRegistry

MAGIC = 0
_HEADER = struct.Struct(">bI")


def parse_schema(schema: dict[str, Any]) -> Any:
    return fastavro.parse_schema(schema)


def header(schema_id: int) -> bytes:
    return _HEADER.pack(MAGIC, schema_id)


def encode(schema_id: int, parsed_schema: Any, record: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    buffer.write(header(schema_id))
    fastavro.schemaless_writer(buffer, parsed_schema, record)
    return buffer.getvalue()


def split(data: bytes) -> tuple[int, bytes]:
    """The schema id and the Avro payload of a framed record."""
    if len(data) < _HEADER.size:
        raise AvroDecodeError(f"record of {len(data)} bytes is shorter than the 5-byte Confluent header")
    magic, schema_id = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise AvroDecodeError(f"magic byte is {magic}, not 0: not a Confluent-framed Avro record")
    return schema_id, data[_HEADER.size :]


def decode(data: bytes, parsed_schema: Any, reader_schema: Any = None) -> dict[str, Any]:
    """The record written with ``parsed_schema``; with ``reader_schema``, resolved to it by Avro's rules (fields the
    reader lacks are dropped, those the writer lacks take the reader's defaults)."""
    _, payload = split(data)
    try:
        record = fastavro.schemaless_reader(io.BytesIO(payload), parsed_schema, reader_schema)
    except (EOFError, ValueError, IndexError, UnicodeDecodeError) as exc:
        raise AvroDecodeError(f"payload does not match its writer schema: {exc}") from None
    if not isinstance(record, dict):
        raise AvroDecodeError("writer schema is not a record schema")
    return record


@dataclass(frozen=True, slots=True)
class _Writer:
    schema_id: int
    parsed: Any
    header: bytes
    compiled: Callable[[Mapping[str, Any]], bytes] | None


def _writer(schema_id: int, schema: dict[str, Any]) -> _Writer:
    return _Writer(schema_id, parse_schema(schema), header(schema_id), compile_writer(schema))


class AvroCodec:
    """Serializes records under registered subjects and decodes any framed record through the registry."""

    def __init__(self, registry: SchemaRegistry) -> None:
        self._registry = registry
        self._writers: dict[str, _Writer] = {}
        self._readers: dict[int, Any] = {}

    async def register(self, subject: str, schema: dict[str, Any]) -> int:
        schema_id = await self._registry.register(subject, schema)
        self._writers[subject] = _writer(schema_id, schema)
        return schema_id

    def use(self, subject: str, schema_id: int, schema: dict[str, Any]) -> None:
        """Write ``subject`` with a schema already registered under ``schema_id``."""
        self._writers[subject] = _writer(schema_id, schema)

    def encode(self, subject: str, record: dict[str, Any]) -> bytes:
        try:
            writer = self._writers[subject]
        except KeyError:
            raise DdeflowError(f"subject {subject!r} was not registered before use") from None
        if writer.compiled is not None:
            try:
                return writer.header + writer.compiled(record)
            except MismatchError:
                pass  # fastavro writes it as it always did, or says why not
        return encode(writer.schema_id, writer.parsed, record)

    async def writer_schema(self, schema_id: int) -> Any:
        """The parsed writer schema with ``schema_id``: fetched from the registry the first time it is seen."""
        parsed = self._readers.get(schema_id)
        if parsed is None:
            parsed = parse_schema(await self._registry.schema(schema_id))
            self._readers[schema_id] = parsed
        return parsed

    def cached_writer_schema(self, schema_id: int) -> Any | None:
        """The parsed writer schema with ``schema_id`` if it was fetched already, else None: no I/O."""
        return self._readers.get(schema_id)

    async def decode(self, data: bytes) -> dict[str, Any]:
        schema_id, _ = split(data)
        return decode(data, await self.writer_schema(schema_id))
