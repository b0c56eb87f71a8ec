"""The Confluent wire format, byte for byte, with no registry."""

from __future__ import annotations

import pytest

from ddeflow import avro
from ddeflow.errors import AvroDecodeError

SCHEMA = avro.parse_schema(
    {
        "type": "record",
        "name": "Score",
        "namespace": "test",
        "fields": [{"name": "home", "type": "int"}, {"name": "team", "type": ["null", "string"]}],
    }
)


def test_header_is_magic_zero_and_big_endian_id() -> None:
    data = avro.encode(258, SCHEMA, {"home": 3, "team": None})
    # magic 0, id 258 = 0x00000102, then zigzag varint 3 = 0x06 and union branch 0 (null) = 0x00
    assert data == b"\x00\x00\x00\x01\x02\x06\x00"


def test_round_trip() -> None:
    record = {"home": -7, "team": "Lakers"}
    data = avro.encode(1, SCHEMA, record)
    assert avro.split(data)[0] == 1
    assert avro.decode(data, SCHEMA) == record


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x00", "shorter than the 5-byte"),
        (b"\x01\x00\x00\x00\x01\x06\x00", "magic byte is 1"),
        (b"\x00\x00\x00\x00\x01", "does not match its writer schema"),
    ],
)
def test_bad_frames_are_our_error(data: bytes, message: str) -> None:
    with pytest.raises(AvroDecodeError, match=message):
        avro.decode(data, SCHEMA)
