"""Each ``faust.Record`` of ``ddeflow.faust.records`` against its ``.avsc``: same fields, types and defaults."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

import faust
import pytest

from ddeflow import topic_schemas, topics
from ddeflow.faust.app import avro_bindings
from ddeflow.faust.records import BY_SCHEMA, PottedBalls, ScoreChange

_PRIMITIVES: dict[str, type] = {
    "string": str,
    "int": int,
    "long": int,
    "boolean": bool,
    "float": float,
    "double": float,
}


def expected_annotation(avro_type: Any, models: dict[str, type[faust.Record]]) -> Any:
    """The Python type the codec hands a model for a value of ``avro_type``."""
    if isinstance(avro_type, str):
        return _PRIMITIVES[avro_type]
    if isinstance(avro_type, list):
        others = [t for t in avro_type if t != "null"]
        assert len(others) == 1 and len(avro_type) == 2, f"unions other than [null, T] are not mapped: {avro_type}"
        return expected_annotation(others[0], models) | None
    kind = avro_type["type"]
    if avro_type.get("logicalType", "").startswith("timestamp-"):
        return datetime
    if kind == "enum":
        return str
    if kind == "array":
        return list[expected_annotation(avro_type["items"], models)]  # type: ignore[misc]
    if kind == "record":
        return models[avro_type["name"]]
    return expected_annotation(kind, models)


def mismatches(model: type[faust.Record], schema: dict[str, Any]) -> list[str]:
    """How ``model`` differs from the record ``schema``, nested records included; empty when it mirrors it."""
    models = {m.__name__: m for m in (*BY_SCHEMA.values(), PottedBalls)}
    found: list[str] = []
    fields = model._options.fields
    defaults = model._options.defaults
    names = [f["name"] for f in schema["fields"]]
    found += [f"{model.__name__} lacks field {name}" for name in names if name not in fields]
    found += [f"{model.__name__}.{name} is not in the schema" for name in fields if name not in names]
    for field in schema["fields"]:
        name = field["name"]
        if name not in fields:
            continue
        want = expected_annotation(field["type"], models)
        if fields[name] != want:
            found.append(f"{model.__name__}.{name} is {fields[name]}, the schema's type reads as {want}")
        if isinstance(field["type"], dict) and field["type"]["type"] == "record":
            found += mismatches(want, field["type"])
        # An array's default ([]) is left out on purpose: see ActionState.relatedActionIds.
        if "default" in field and field["default"] != [] and defaults.get(name, ...) != field["default"]:
            found.append(f"{model.__name__}.{name} should default to {field['default']!r}")
        if "default" not in field and name in defaults:
            found.append(f"{model.__name__}.{name} has a default the schema does not give")
    return found


@pytest.mark.parametrize("binding", avro_bindings(), ids=lambda b: b.topic)
def test_every_avro_topic_has_a_model_that_mirrors_its_schema(binding: topic_schemas.Binding) -> None:
    assert mismatches(BY_SCHEMA[binding.schema_name], binding.schema) == []


def test_every_avro_topic_is_bound_derived_and_feed_status_alike() -> None:
    avro_topics = {spec.name for spec in topics.derived_topics()} - {topics.DLQ} | {topics.FEED_STATUS}
    assert {b.topic for b in avro_bindings()} == avro_topics


def test_a_field_the_schema_gains_or_changes_is_found() -> None:
    schema = copy.deepcopy(topic_schemas.load_schema("score_change"))
    schema["fields"].append({"name": "venue", "type": ["null", "string"], "default": None})
    next(f for f in schema["fields"] if f["name"] == "period")["type"] = "string"
    next(f for f in schema["fields"] if f["name"] == "sport")["default"] = "soccer"
    assert mismatches(ScoreChange, schema) == [
        "ScoreChange lacks field venue",
        "ScoreChange.sport should default to 'soccer'",
        "ScoreChange.period is <class 'int'>, the schema's type reads as <class 'str'>",
    ]
