"""Which Avro schema each derived topic carries, and keeping the registry in step with ``schemas/*.avsc``.

Subjects follow the Confluent TopicNameStrategy: ``<topic>-value``, with the
topic under ``DDEFLOW_TOPIC_PREFIX``.  Every subject is kept at BACKWARD
compatibility, so a consumer with the new schema can read records written with
the old one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ddeflow import topics
from ddeflow.dde.sports import Sport
from ddeflow.errors import ConfigError, SchemaIncompatibleError
from ddeflow.registry import SchemaRegistry

COMPATIBILITY = "BACKWARD"


@dataclass(frozen=True, slots=True)
class Binding:
    topic: str
    schema_name: str
    schema: dict[str, Any]

    @property
    def subject(self) -> str:
        return f"{self.topic}-value"


def load_schema(name: str) -> dict[str, Any]:
    """``schemas/<name>.avsc`` as a parsed JSON document."""
    try:
        text = resources.files("ddeflow.schemas").joinpath(f"{name}.avsc").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"no schema file schemas/{name}.avsc") from None
    document = json.loads(text)
    if not isinstance(document, dict):
        raise ConfigError(f"schemas/{name}.avsc is not a record schema")
    return document


def bindings(prefix: str = "") -> list[Binding]:
    """Every derived topic with the schema of its values."""
    pairs = [(topics.derived_actions(sport), "action_state") for sport in Sport]
    pairs += [
        (topics.SCORE_CHANGES, "score_change"),
        (topics.BREAK_COMPLETIONS, "break_completion"),
        (topics.FIXTURE_EVENTS, "fixture_event"),
    ]
    return [Binding(prefix + topic, name, load_schema(name)) for topic, name in pairs]


def feed_status_binding(prefix: str = "") -> Binding:
    """``dde.feed-status``, which the producers write (``ddeflow.producers.status_writer``), not the processors."""
    return Binding(prefix + topics.FEED_STATUS, "feed_status", load_schema("feed_status"))


def every_binding(prefix: str = "") -> list[Binding]:
    """Every ddeflow topic that holds Avro: the derived topics and the feed status."""
    return [*bindings(prefix), feed_status_binding(prefix)]


@dataclass(frozen=True, slots=True)
class CheckResult:
    subject: str
    schema_name: str
    verdict: str  # "new", "compatible" or "INCOMPATIBLE"


async def check(registry: SchemaRegistry, prefix: str = "", extra: Sequence[Binding] = ()) -> list[CheckResult]:
    """Whether each local schema (and each of ``extra``: processors' own) may be registered over the registry's."""
    existing = set(await registry.subjects())
    results: list[CheckResult] = []
    for binding in [*bindings(prefix), *extra]:
        if binding.subject not in existing:
            verdict = "new"
        elif await registry.is_compatible(binding.subject, binding.schema):
            verdict = "compatible"
        else:
            verdict = "INCOMPATIBLE"
        results.append(CheckResult(binding.subject, binding.schema_name, verdict))
    return results


async def register_all(registry: SchemaRegistry, prefix: str = "", extra: Sequence[Binding] = ()) -> dict[str, int]:
    """Register every schema (a no-op for unchanged ones) at BACKWARD compatibility; subject → schema id.

    Raises ``SchemaIncompatibleError`` naming the subjects that would break readers, before registering any.
    """
    results = await check(registry, prefix, extra)
    broken = [r.subject for r in results if r.verdict == "INCOMPATIBLE"]
    if broken:
        raise SchemaIncompatibleError(
            f"local schemas are not {COMPATIBILITY}-compatible with the registry for: {', '.join(broken)}"
        )
    ids: dict[str, int] = {}
    for binding in [*bindings(prefix), *extra]:
        ids[binding.subject] = await registry.register(binding.subject, binding.schema)
        await registry.set_compatibility(binding.subject, COMPATIBILITY)
    return ids
