"""``ddeflow topics create | describe | check``: the deployment's topics on a real cluster, for operators.

The layout (partitions per family, replication) comes from the settings
(``DDEFLOW_RAW_PARTITIONS``, ``DDEFLOW_DERIVED_PARTITIONS``,
``DDEFLOW_REPLICATION_FACTOR``); ``check`` says what differs from it
(``ddeflow.topic_check``) and exits 1 when the worker would refuse to run.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from rich.console import Console
from rich.table import Table

from ddeflow.admin import describe_topics, ensure_topics, layout_findings
from ddeflow.config import Settings
from ddeflow.endpoints import kafka_options, resolve
from ddeflow.topic_check import Finding
from ddeflow.topics import all_topics

# The topic configs ``describe`` shows: the ones ddeflow sets, and the one replication depends on.
SHOWN_CONFIGS = ("cleanup.policy", "retention.ms", "min.insync.replicas", "max.message.bytes")


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "topics", help="create, describe or check the deployment's topics on the cluster"
    )
    actions = parser.add_subparsers(dest="topics_action", metavar="ACTION", required=True)
    actions.add_parser(
        "create", help="create every missing topic ahead of time (safe to repeat), then check them"
    ).set_defaults(handler=_create)
    actions.add_parser("describe", help="each topic with its partitions, leaders and configs").set_defaults(
        handler=_describe
    )
    actions.add_parser(
        "check", help="what differs from the expected layout (exit 1 when the worker would refuse to run)"
    ).set_defaults(handler=_check)


def _options(settings: Settings) -> dict[str, Any]:
    return kafka_options(settings, resolve(settings))


def _report(findings: list[Finding], console: Console) -> int:
    if not findings:
        console.print("every topic is laid out as expected")
        return 0
    for finding in findings:
        style = "bold red" if finding.fatal else "yellow"
        console.print(str(finding), style=style, highlight=False)
    fatal = sum(1 for finding in findings if finding.fatal)
    if fatal:
        console.print(f"{fatal} error(s): the worker refuses to run on these topics", style="bold red")
        return 1
    return 0


def _create(args: argparse.Namespace, settings: Settings) -> int:
    async def run() -> int:
        options, layout = _options(settings), settings.topic_layout
        created = await ensure_topics(
            options, all_topics(settings.topic_prefix, layout), replication=layout.replication
        )
        console = Console()
        console.print(f"created {len(created)} topic(s)" + (": " + ", ".join(created) if created else ""))
        return _report(await layout_findings(options, settings.topic_prefix, layout, just_created=True), console)

    return asyncio.run(run())


def _check(args: argparse.Namespace, settings: Settings) -> int:
    async def run() -> int:
        findings = await layout_findings(_options(settings), settings.topic_prefix, settings.topic_layout)
        return _report(findings, Console())

    return asyncio.run(run())


def _describe(args: argparse.Namespace, settings: Settings) -> int:
    async def run() -> int:
        specs = all_topics(settings.topic_prefix, settings.topic_layout)
        observed = await describe_topics(_options(settings), [spec.name for spec in specs])
        table = Table("topic", "partitions", "replicas", "leaders", *SHOWN_CONFIGS)
        for spec in specs:
            found = observed[spec.name]
            if found is None:
                table.add_row(spec.name, "[red]missing[/red]", *[""] * (2 + len(SHOWN_CONFIGS)))
                continue
            leaders = " ".join(str(leader) if leader >= 0 else "-" for leader in found.leaders)
            replicas = str(found.replication) + (f" ({found.under_replicated} under)" if found.under_replicated else "")
            table.add_row(
                spec.name,
                str(found.partitions),
                replicas,
                leaders,
                *(found.config.get(name, "") for name in SHOWN_CONFIGS),
            )
        Console().print(table)
        return 0

    return asyncio.run(run())
