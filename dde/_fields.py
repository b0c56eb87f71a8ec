"""Typed reads of fields from decoded JSON objects, reporting the failing field's path.

Private to ``dde``.  A reader raises ``FieldError`` naming the key it read;
builders of enclosing objects add their own key or array index as the error
passes through them (``FieldError.within``), so the path costs nothing unless
something is wrong.  ``ddeflow.dde.parse`` turns it into a ``PacketError`` with the raw
bytes.

Rules shared by every reader:
- ``bool`` is not an integer and integers are not booleans.
- An integer is accepted where a number is expected.
- Integers must fit in 64 bits, or in 32 bits where the derived records carry
  the value as an Avro ``int`` (``bits=32``), and numbers must be finite
  (downstream encodings cannot hold anything else).
- Strings must be valid Unicode: JSON can escape an unpaired surrogate
  (``"\ud800"``), but no UTF-8 encoder (Avro's included) can write it.
- For an optional field, absent and ``null`` mean the same thing.
- For a required field, absent is ``missing_field`` and ``null`` is ``wrong_type``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Final, TypeVar

from ddeflow.dde.jsonvalue import JsonObject, freeze_json_object

T = TypeVar("T")

MISSING_FIELD: Final = "missing_field"
WRONG_TYPE: Final = "wrong_type"
BAD_VALUE: Final = "bad_value"

_INT_RANGES: Final = {64: (-(2**63), 2**63 - 1), 32: (-(2**31), 2**31 - 1)}
_ABSENT: Final = object()

_JSON_TYPE_NAMES: Final[dict[type, str]] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    type(None): "null",
    list: "array",
    dict: "object",
}


class FieldError(Exception):
    """A field of a decoded packet is missing or wrong.  Internal to ``dde``."""

    def __init__(self, reason: str, detail: str, segment: str | int | None = None) -> None:
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail
        # Innermost first; reversed when the path is rendered.
        self.segments: list[str | int] = [] if segment is None else [segment]

    def within(self, segment: str | int) -> FieldError:
        """Record that the failing field sits inside ``segment`` (a key or an array index)."""
        self.segments.append(segment)
        return self

    @property
    def path(self) -> str | None:
        """The dotted path, e.g. ``fixtureSummary.periods[2].id``; None for the whole document."""
        if not self.segments:
            return None
        parts: list[str] = []
        for segment in reversed(self.segments):
            if isinstance(segment, int):
                parts.append(f"[{segment}]")
            elif parts:
                parts.append(f".{segment}")
            else:
                parts.append(segment)
        return "".join(parts)


def describe(value: Any) -> str:
    """A value's JSON type and, for scalars, a short rendering: ``string '12'``, ``boolean true``."""
    kind = _JSON_TYPE_NAMES.get(type(value), type(value).__name__)
    if value is None or isinstance(value, dict | list):
        return kind
    if isinstance(value, bool):
        return f"{kind} {'true' if value else 'false'}"
    if isinstance(value, int) and value.bit_length() > 128:
        return f"{kind} with {len(str(abs(value)))} digits"
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{kind} {text}"


def wrong_type(expected: str, value: Any, segment: str | int | None) -> FieldError:
    return FieldError(WRONG_TYPE, f"expected {expected}, got {describe(value)}", segment)


def _missing_or_wrong(value: Any, expected: str, key: str) -> FieldError:
    if value is _ABSENT:
        return FieldError(MISSING_FIELD, f"required field is missing (expected {expected})", key)
    return wrong_type(expected, value, key)


def _checked_int(value: int, key: str | int, bits: int = 64) -> int:
    low, high = _INT_RANGES[bits]
    if low <= value <= high:
        return value
    raise FieldError(BAD_VALUE, f"integer out of {bits}-bit range: {describe(value)}", key)


def _checked_str(value: str, key: str | int) -> str:
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FieldError(BAD_VALUE, f"string with an unpaired surrogate at character {exc.start}", key) from None
    return value


# --- scalars -------------------------------------------------------------------------


def req_str(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key, _ABSENT)
    if type(value) is str:
        return _checked_str(value, key)
    raise _missing_or_wrong(value, "string", key)


def opt_str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if type(value) is str:
        return _checked_str(value, key)
    raise wrong_type("string", value, key)


def req_int(obj: dict[str, Any], key: str, *, bits: int = 64) -> int:
    value = obj.get(key, _ABSENT)
    if type(value) is int:
        return _checked_int(value, key, bits)
    raise _missing_or_wrong(value, "integer", key)


def opt_int(obj: dict[str, Any], key: str, *, bits: int = 64) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if type(value) is int:
        return _checked_int(value, key, bits)
    raise wrong_type("integer", value, key)


def int_or(obj: dict[str, Any], key: str, default: int, *, bits: int = 64) -> int:
    """An integer that the feed may omit; ``default`` then, but never for a wrong type."""
    value = obj.get(key)
    if value is None:
        return default
    if type(value) is int:
        return _checked_int(value, key, bits)
    raise wrong_type("integer", value, key)


def _as_float(value: Any, key: str) -> float:
    if type(value) is float:
        if math.isfinite(value):
            return value
        raise FieldError(BAD_VALUE, f"number is not finite: {value!r}", key)
    return float(_checked_int(value, key))


def opt_float(obj: dict[str, Any], key: str) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if type(value) is float or type(value) is int:
        return _as_float(value, key)
    raise wrong_type("number", value, key)


def opt_bool(obj: dict[str, Any], key: str) -> bool | None:
    value = obj.get(key)
    if value is None or type(value) is bool:
        return value
    raise wrong_type("boolean", value, key)


def opt_loose_bool(obj: dict[str, Any], key: str) -> bool | None:
    """A boolean that the docs also show as the strings ``"true"``/``"false"`` (``homeTeam``)."""
    value = obj.get(key)
    if value is None or type(value) is bool:
        return value
    if type(value) is str:
        folded = value.casefold()
        if folded == "true":
            return True
        if folded == "false":
            return False
    raise wrong_type("boolean", value, key)


# --- times ---------------------------------------------------------------------------


def to_datetime(text: str, key: str) -> datetime:
    moment = _read_iso(text)
    if moment is None:
        raise FieldError(BAD_VALUE, f"expected an ISO 8601 timestamp, got {describe(text)}", key)
    return moment


# Every packet repeats the start and end of each period so far: the same texts, read once.
@lru_cache(maxsize=4096)
def _read_iso(text: str) -> datetime | None:
    """``text`` as an aware datetime (UTC when it carries no offset); None when it is no ISO 8601 time."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        return moment
    # The feed's timestamps without an offset (period start/end, startDateUTC) are UTC.  Parsing
    # again with the offset is several times faster than replace(tzinfo=UTC), but not every ISO
    # form takes one (a bare date ignores it), hence the check.
    try:
        aware = datetime.fromisoformat(text + "+00:00")
    except ValueError:
        return moment.replace(tzinfo=UTC)
    if aware.tzinfo is None or aware.replace(tzinfo=None) != moment:
        return moment.replace(tzinfo=UTC)
    return aware


def req_timestamp(obj: dict[str, Any], key: str) -> datetime:
    value = obj.get(key, _ABSENT)
    if type(value) is str:
        return to_datetime(value, key)
    raise _missing_or_wrong(value, "timestamp string", key)


def opt_timestamp(obj: dict[str, Any], key: str) -> datetime | None:
    value = obj.get(key)
    if value is None:
        return None
    if type(value) is str:
        return to_datetime(value, key)
    raise wrong_type("timestamp string", value, key)


# .NET TimeSpan "c" format: [-][d.]hh:mm:ss[.fffffff]
_DURATION: Final = re.compile(
    r"(-)?(?:([0-9]{1,8})\.)?([0-9]{1,9}):([0-5][0-9]):([0-5][0-9])(?:\.([0-9]{1,9}))?",
)


def req_duration_s(obj: dict[str, Any], key: str) -> float:
    value = obj.get(key, _ABSENT)
    if value is _ABSENT:
        raise _missing_or_wrong(value, "duration string", key)
    return duration_s(value, key)


def duration_s(value: Any, segment: str) -> float:
    """Seconds in a duration sent as ``hh:mm:ss.fffffff`` (optionally ``-`` and ``d.`` in front)."""
    if type(value) is not str:
        raise wrong_type("duration string", value, segment)
    match = _DURATION.fullmatch(value)
    if match is None:
        raise FieldError(BAD_VALUE, f"expected a duration hh:mm:ss.fffffff, got {describe(value)}", segment)
    sign, days, hours, minutes, seconds, fraction = match.groups()
    total = int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    total_s = total + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)
    return -total_s if sign else total_s


# --- containers ----------------------------------------------------------------------


def req_obj(obj: dict[str, Any], key: str) -> dict[str, Any]:
    value = obj.get(key, _ABSENT)
    if type(value) is dict:
        return value
    raise _missing_or_wrong(value, "object", key)


def opt_obj(obj: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = obj.get(key)
    if value is None or type(value) is dict:
        return value
    raise wrong_type("object", value, key)


def nested(obj: dict[str, Any], key: str, build: Callable[[dict[str, Any]], T]) -> T:
    """``build`` applied to the required object at ``key``."""
    value = req_obj(obj, key)
    try:
        return build(value)
    except FieldError as exc:
        raise exc.within(key) from None


def opt_nested(obj: dict[str, Any], key: str, build: Callable[[dict[str, Any]], T]) -> T | None:
    """``build`` applied to the object at ``key``, or None when it is absent or null."""
    value = opt_obj(obj, key)
    if value is None:
        return None
    try:
        return build(value)
    except FieldError as exc:
        raise exc.within(key) from None


def each(obj: dict[str, Any], key: str, build: Callable[[dict[str, Any]], T]) -> tuple[T, ...]:
    """``build`` applied to every object in the array at ``key``; () when absent or null."""
    items = obj.get(key)
    if items is None:
        return ()
    if type(items) is not list:
        raise wrong_type("array", items, key)
    built: list[T] = []
    for index, item in enumerate(items):
        if type(item) is not dict:
            raise wrong_type("object", item, index).within(key)
        try:
            built.append(build(item))
        except FieldError as exc:
            raise exc.within(index).within(key) from None
    return tuple(built)


def each_entry(obj: dict[str, Any], key: str, build: Callable[[str, Any], T]) -> tuple[T, ...]:
    """``build(name, value)`` for every member of the object at ``key``; () when absent or null."""
    members = opt_obj(obj, key)
    if members is None:
        return ()
    built: list[T] = []
    for name, value in members.items():
        try:
            built.append(build(name, value))
        except FieldError as exc:
            raise exc.within(name).within(key) from None
    return tuple(built)


def str_tuple(obj: dict[str, Any], key: str) -> tuple[str, ...]:
    """The array of strings at ``key``; () when absent or null."""
    items = obj.get(key)
    if items is None:
        return ()
    if type(items) is not list:
        raise wrong_type("array of strings", items, key)
    for index, item in enumerate(items):
        if type(item) is not str:
            raise wrong_type("string", item, index).within(key)
        try:
            _checked_str(item, index)
        except FieldError as exc:
            raise exc.within(key) from None
    return tuple(items)


def opt_json_object(obj: dict[str, Any], key: str) -> JsonObject | None:
    """The object at ``key`` kept as sent, read-only; None when absent or null."""
    value = opt_obj(obj, key)
    if value is None:
        return None
    return freeze_json_object(value)
