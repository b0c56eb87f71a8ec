"""``ddeflow schemas check | register``: keep the registry in step with ``schemas/*.avsc``."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from ddeflow import topic_schemas
from ddeflow.config import Settings
from ddeflow.endpoints import registry_client


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "schemas", help="check or register the Avro schemas (derived topics, feed status) against the registry"
    )
    actions = parser.add_subparsers(dest="schemas_action", metavar="ACTION", required=True)
    actions.add_parser(
        "check", help="is every local schema BACKWARD-compatible with the registry? (exit 1 if not)"
    ).set_defaults(handler=_check)
    actions.add_parser("register", help="register every schema at BACKWARD compatibility").set_defaults(
        handler=_register
    )


def _check(args: argparse.Namespace, settings: Settings) -> int:
    async def run() -> int:
        async with registry_client(settings) as registry:
            results = await topic_schemas.check(registry, settings.topic_prefix, _extra(settings))
        for result in results:
            print(f"{result.subject}: {result.verdict} ({result.schema_name}.avsc)")
        return 1 if any(r.verdict == "INCOMPATIBLE" for r in results) else 0

    return asyncio.run(run())


def _register(args: argparse.Namespace, settings: Settings) -> int:
    async def run() -> int:
        async with registry_client(settings) as registry:
            ids = await topic_schemas.register_all(registry, settings.topic_prefix, _extra(settings))
        for subject, schema_id in ids.items():
            print(f"{subject}: id {schema_id}")
        return 0

    return asyncio.run(run())


def _processors_bindings(settings: Settings) -> list[topic_schemas.Binding]:
    """The schemas of the enabled processors that are not built in (``ddeflow processors list``)."""
    from ddeflow.processors import registry as processor_registry  # the processors load their entry points

    return processor_registry.extra_bindings(processor_registry.enabled(settings), settings.topic_prefix)


def _extra(settings: Settings) -> list[topic_schemas.Binding]:
    """Beyond the built-in derived topics': the enabled processors' schemas and the producers' feed status."""
    return [*_processors_bindings(settings), topic_schemas.feed_status_binding(settings.topic_prefix)]
