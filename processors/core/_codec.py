"""Helpers shared by the state and record types: microsecond timestamps, content digests and
strict reading of stored dicts (a table value that does not read back raises ``StateError``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

import msgspec

from ddeflow.errors import StateError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch (Avro ``timestamp-micros``); a naive time is read as UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return (aware - _EPOCH) // _ONE_US


def opt_micros(moment: datetime | None) -> int | None:
    return None if moment is None else micros(moment)


def digest(*parts: object) -> str:
    """A short, stable fingerprint of JSON-able parts: 16 hex digits of BLAKE2b.

    Stable across processes and Python versions (no ``hash()``), so a restored
    table compares equal to what the uninterrupted run stored.
    """
    return hashlib.blake2b(_json_text(parts), digest_size=8).hexdigest()


_PLAIN: Final = frozenset({int, str, bool, type(None)})


def _json_text(parts: tuple[object, ...]) -> bytes:
    """``json.dumps(parts)`` compact and ASCII-only, as the fingerprints have always been taken.

    msgspec writes the same bytes, many times faster, for integers, booleans, null and strings of printable ASCII
    (floats and escapes it writes otherwise), so it is used exactly there.
    """
    if all(type(p) in _PLAIN or (type(p) is list and all(type(i) in _PLAIN for i in p)) for p in parts):
        text = msgspec.json.encode(parts)
        if text.isascii() and b"\\" not in text and b"\x7f" not in text:
            return text
    return json.dumps(parts, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode("ascii")


# --- reading stored dicts --------------------------------------------------------------


def as_object(value: object, what: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise StateError(f"{what}: expected an object, got {type(value).__name__}")
    return value


def as_list(value: object, what: str) -> Sequence[object]:
    if not isinstance(value, list | tuple):
        raise StateError(f"{what}: expected an array, got {type(value).__name__}")
    return value


def check_version(obj: Mapping[str, object], what: str, version: int) -> None:
    found = obj.get("v")
    if found != version or type(found) is not int:
        raise StateError(f"{what}: stored version {found!r}, this code reads version {version}")


def int_at(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise StateError(f"{what}: expected an integer, got {value!r}")
    return value


def opt_int_at(value: object, what: str) -> int | None:
    return None if value is None else int_at(value, what)


def str_at(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise StateError(f"{what}: expected a string, got {value!r}")
    return value


def opt_str_at(value: object, what: str) -> str | None:
    return None if value is None else str_at(value, what)


def bool_at(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise StateError(f"{what}: expected a boolean, got {value!r}")
    return value


def member(obj: Mapping[str, object], key: str, what: str) -> object:
    if key not in obj:
        raise StateError(f"{what}: missing {key!r}")
    return obj[key]
