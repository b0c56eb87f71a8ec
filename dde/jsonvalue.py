"""Read-only JSON values, for the parts of a packet we keep as sent (metadata, unknown blocks).

``freeze_json`` turns decoded JSON into immutable values (objects become
read-only mappings, arrays become tuples) so that frozen models stay frozen all
the way down; ``thaw_json`` turns them back into plain dicts and lists, e.g.
for ``json.dumps``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, TypeAlias

JsonValue: TypeAlias = bool | int | float | str | tuple["JsonValue", ...] | Mapping[str, "JsonValue"] | None
JsonObject: TypeAlias = Mapping[str, JsonValue]


def freeze_json(value: Any) -> JsonValue:
    """An immutable copy of a value decoded by ``json.loads``."""
    # Plain loops, not comprehensions: one stack frame per level of nesting, so that anything
    # json.loads could decode can be frozen too.
    kind = type(value)
    if kind is dict:
        frozen: dict[str, JsonValue] = {}
        for key, item in value.items():
            frozen[key] = freeze_json(item)
        return MappingProxyType(frozen)
    if kind is list:
        items: list[JsonValue] = []
        for item in value:
            items.append(freeze_json(item))
        return tuple(items)
    return value  # type: ignore[no-any-return]  # a JSON scalar


def freeze_json_object(value: dict[str, Any]) -> JsonObject:
    """An immutable copy of a JSON object decoded by ``json.loads``."""
    frozen: dict[str, JsonValue] = {}
    for key, item in value.items():
        frozen[key] = freeze_json(item)
    return MappingProxyType(frozen)


def empty_json_object() -> JsonObject:
    """A new empty read-only JSON object (a default for model fields)."""
    return MappingProxyType({})


def thaw_json(value: JsonValue) -> Any:
    """Plain dicts and lists again, ready for ``json.dumps``."""
    if isinstance(value, Mapping):
        return {key: thaw_json(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [thaw_json(item) for item in value]
    return value
