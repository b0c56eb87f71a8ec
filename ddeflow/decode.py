"""Turning any ddeflow record into JSON-able data for people and scripts.

Raw topics hold the feed's JSON (shown parsed, or as text when it is not JSON);
``dde.dlq`` holds original bytes with ``dlq.*`` headers; every other ddeflow
topic holds Confluent-framed Avro, decoded through the registry.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from ddeflow import topics
from ddeflow.avro import AvroCodec
from ddeflow.producers.raw_records import RawRecord

RAW = "raw"
DLQ = "dlq"
AVRO = "avro"


def kind_of(topic: str, prefix: str = "") -> str:
    name = topic.removeprefix(prefix)
    if name.startswith("dde.raw."):
        return RAW
    if name == topics.DLQ:
        return DLQ
    return AVRO


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return "base64:" + base64.b64encode(data).decode("ascii")


def _json_or_text(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return _text(data)


def jsonable(value: Any) -> Any:
    """Avro-decoded values made JSON-friendly: datetimes as ISO-8601, bytes as text."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, bytes):
        return _text(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


async def view(record: RawRecord, codec: AvroCodec | None, prefix: str = "") -> dict[str, Any]:
    """One record as a dict: position, key, headers and the decoded value."""
    kind = kind_of(record.topic, prefix)
    value: Any
    if record.value is None:
        value = None
    elif kind == RAW:
        value = _json_or_text(record.value)
    elif kind == DLQ:
        value = _text(record.value)
    elif codec is None:
        value = "base64:" + base64.b64encode(record.value).decode("ascii")
    else:
        value = jsonable(await codec.decode(record.value))
    return {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp": datetime.fromtimestamp(record.timestamp_ms / 1000).astimezone().isoformat(),
        "key": _text(record.key) if record.key is not None else None,
        "headers": {name: _text(raw) for name, raw in record.headers},
        "value": value,
    }


def render_table(rows: list[list[str]], columns: list[str]) -> str:
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)
