"""Which processors exist and which run: the ``ddeflow.processors`` entry points, filtered by the settings.

A package declares its processors in its ``pyproject.toml``::

    [project.entry-points."ddeflow.processors"]
    my-processor = "my_package.my_module:PROCESSOR"

The entry point's name is the processor's name; it points at an ``ActionsProcessor`` or ``StatisticsProcessor``.
ddeflow declares its own (the four built-ins and the two examples) the same way; the built-ins are also known
without the entry points, so a source checkout that was never installed still runs them.

``DDEFLOW_PROCESSORS`` (default ``all``) names those to run and ``DDEFLOW_PROCESSORS_DISABLED`` those not to:
enabling or disabling one is a setting, not a code change.  The order is the built-ins' (the order of their
records for one packet), then the others by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from ddeflow import topic_schemas, topics
from ddeflow.config import Settings
from ddeflow.errors import ProcessorError
from ddeflow.processors.api import Processor
from ddeflow.processors.builtins import BUILTIN_NAMES, BUILTINS

GROUP = "ddeflow.processors"


@dataclass(frozen=True, slots=True)
class Installed:
    processor: Processor[Any]
    source: str
    """Where it comes from: the entry point's target (``module:attribute``)."""


def installed() -> list[Installed]:
    """Every processor found, built-ins first; raises ``ProcessorError`` on an entry point that is not one."""
    found: dict[str, Installed] = {p.name: Installed(p, f"{p.handle.__module__}:built-in") for p in BUILTINS}
    for point in entry_points(group=GROUP):
        try:
            target = point.load()
        except Exception as exc:
            raise ProcessorError(f"processor entry point {point.name} = {point.value} cannot be loaded: {exc}") from exc
        if not isinstance(target, Processor):
            raise ProcessorError(f"processor entry point {point.name} = {point.value} is not a processor declaration")
        if target.name != point.name:
            raise ProcessorError(f"processor entry point {point.name} = {point.value} declares {target.name!r}")
        known = found.get(target.name)
        if known is not None and known.processor is not target:
            if target.name in BUILTIN_NAMES:
                raise ProcessorError(f"{point.value} declares {target.name!r}, the name of a built-in processor")
            raise ProcessorError(f"two processors are named {target.name!r}: {known.source} and {point.value}")
        found[target.name] = Installed(target, point.value)
    builtins = [found.pop(p.name) for p in BUILTINS]
    return builtins + [found[name] for name in sorted(found)]


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def enabled_names(settings: Settings, available: Iterable[str]) -> list[str]:
    """The names of the processors to run, in ``available``'s order."""
    names = list(available)
    wanted = _names(settings.processors)
    disabled = _names(settings.processors_disabled)
    unknown = sorted({name for name in [*wanted, *disabled] if name != "all" and name not in names})
    if unknown:
        raise ProcessorError(
            f"DDEFLOW_PROCESSORS / DDEFLOW_PROCESSORS_DISABLED name processors that are not installed: "
            f"{', '.join(unknown)} (installed: {', '.join(names)})"
        )
    run = set(names) if "all" in wanted else set(wanted)
    return [name for name in names if name in run and name not in disabled]


def enabled(settings: Settings) -> list[Processor[Any]]:
    """The processors the worker, replay and rebuild run under these settings."""
    found = installed()
    keep = set(enabled_names(settings, (i.processor.name for i in found)))
    return [i.processor for i in found if i.processor.name in keep]


def _schema_name(processor: Processor[Any]) -> str:
    return Path(processor.schema.name).stem


def extra_bindings(processors: Sequence[Processor[Any]], prefix: str = "") -> list[topic_schemas.Binding]:
    """The topics and schemas of the processors that are not built in (those are in ``topic_schemas.bindings``)."""
    out: list[topic_schemas.Binding] = []
    for processor in processors:
        if processor.name in BUILTIN_NAMES:
            continue
        schema = processor.load_schema()
        out.extend(topic_schemas.Binding(topic, _schema_name(processor), schema) for topic in processor.topics(prefix))
    return out


def extra_topics(
    processors: Sequence[Processor[Any]], prefix: str = "", layout: topics.TopicLayout = topics.DEFAULT_LAYOUT
) -> list[topics.TopicSpec]:
    """The topics of the processors that are not built in and not in ``topics.derived_topics`` (the shipped
    examples are), laid out like the built-in derived topics."""
    known = {spec.name for spec in topics.derived_topics(prefix, layout)}
    return [
        topics.processor_topic(topic, layout, compacted=processor.compacted)
        for processor in processors
        if processor.name not in BUILTIN_NAMES
        for topic in processor.topics(prefix)
        if topic not in known
    ]
