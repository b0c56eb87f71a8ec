"""The compiled Avro writer writes fastavro's bytes, and leaves to fastavro every record it does not take as it is."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import fastavro
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ddeflow.avro import AvroCodec
from ddeflow.avro_writer import MismatchError, compile_writer
from ddeflow.topic_schemas import every_binding

SCHEMAS = {binding.schema["name"]: binding.schema for binding in every_binding()}


def _fastavro_bytes(schema: dict[str, Any], record: Any) -> bytes:
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, fastavro.parse_schema(schema), record)
    return buffer.getvalue()


def _values(schema: Any) -> st.SearchStrategy[Any]:
    """Values of the exact Python types the compiled writer takes for ``schema``."""
    if isinstance(schema, list):
        return st.one_of(*(_values(branch) for branch in schema))
    kind = schema if isinstance(schema, str) else schema["type"]
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "int":
        return st.integers(-(2**31), 2**31 - 1)
    if kind == "long":
        return st.integers(-(2**63), 2**63 - 1)
    if kind == "string":
        return st.text()
    if kind == "enum":
        return st.sampled_from(schema["symbols"])
    if kind == "array":
        return st.lists(_values(schema["items"]), max_size=5)
    assert kind == "record", schema
    return st.fixed_dictionaries({field["name"]: _values(field["type"]) for field in schema["fields"]})


@pytest.mark.parametrize("name", sorted(SCHEMAS))
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_every_shipped_schema_compiles_to_fastavros_bytes(name: str, data: st.DataObject) -> None:
    schema = SCHEMAS[name]
    write = compile_writer(schema)
    assert write is not None
    record = data.draw(_values(schema))
    assert write(record) == _fastavro_bytes(schema, record)


SCORE = {
    "type": "record",
    "name": "Score",
    "fields": [
        {"name": "home", "type": "int"},
        {"name": "team", "type": ["null", "string"], "default": None},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-micros"}},
    ],
}


def _codec() -> AvroCodec:
    codec = AvroCodec(None)  # type: ignore[arg-type]  # encoding needs no registry
    codec.use("score", 7, SCORE)
    return codec


@pytest.mark.parametrize(
    "record",
    [
        {"home": True, "team": None, "at": 0},  # a bool where an int goes
        {"home": 2**31, "team": None, "at": 0},  # out of the int's range
        {"home": 1, "at": 0},  # a field left to its default
        {"home": 1, "team": None, "at": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)},  # a datetime for a timestamp
        {"home": 1, "team": None, "at": 0, "extra": [1]},  # a field the schema lacks
    ],
)
def test_what_fastavro_coerces_is_written_as_fastavro_writes_it(record: dict[str, Any]) -> None:
    write = compile_writer(SCORE)
    assert write is not None
    if "extra" not in record:
        with pytest.raises(MismatchError):
            write(record)
    assert _codec().encode("score", record) == b"\x00\x00\x00\x00\x07" + _fastavro_bytes(SCORE, record)


def test_a_tuple_in_a_union_is_left_to_fastavro() -> None:
    schema = {"type": "record", "name": "Ids", "fields": [{"name": "ids", "type": ["null", "string"]}]}
    write = compile_writer(schema)
    assert write is not None
    record = {"ids": ("string", "a")}  # fastavro's notation for a value in a named branch
    with pytest.raises(MismatchError):
        write(record)
    codec = AvroCodec(None)  # type: ignore[arg-type]  # encoding needs no registry
    codec.use("ids", 1, schema)
    assert codec.encode("ids", record) == b"\x00\x00\x00\x00\x01" + _fastavro_bytes(schema, record)


@pytest.mark.parametrize(
    "record",
    [
        {"home": "three", "team": None, "at": 0},
        {"home": 1, "team": 5, "at": 0},
        {"home": 1, "team": "\ud800", "at": 0},
        {"team": None, "at": 0},
    ],
)
def test_what_fastavro_refuses_raises_fastavros_error(record: dict[str, Any]) -> None:
    try:
        _fastavro_bytes(SCORE, record)
    except Exception as exc:  # whatever fastavro raises, the codec must raise the same
        expected = exc
    else:
        raise AssertionError("fastavro wrote the record")
    with pytest.raises(type(expected)) as raised:
        _codec().encode("score", record)
    assert str(raised.value) == str(expected)


@pytest.mark.parametrize(
    "field_type",
    [
        "double",
        "bytes",
        {"type": "map", "values": "int"},
        ["null", "int", "string"],
        ["int", "string"],
        {"type": "string", "logicalType": "uuid"},
        {"type": "fixed", "name": "F", "size": 2},
        "Elsewhere",  # a named type defined in another schema
    ],
)
def test_schemas_beyond_the_compiled_types_are_left_to_fastavro(field_type: Any) -> None:
    assert compile_writer({"type": "record", "name": "R", "fields": [{"name": "f", "type": field_type}]}) is None
