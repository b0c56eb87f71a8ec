"""`ddeflow topics create | describe | check` on the real broker, and the worker refusing a broken layout."""

from __future__ import annotations

import pytest

from ddeflow import topics
from ddeflow.admin import ensure_topics
from ddeflow.config import Settings
from ddeflow.endpoints import kafka_options, resolve
from ddeflow.errors import ConfigError
from ddeflow.processors.worker import prepare
from ddeflow.registry import SchemaRegistry
from tests.cli import run_cli


def test_create_then_describe_then_check(settings: Settings) -> None:
    missing = run_cli(settings, "topics", "check")
    assert missing.returncode == 1
    assert missing.stdout.count(": missing") == len(topics.all_topics())

    created = run_cli(settings, "topics", "create")
    assert created.returncode == 0, created.stdout + created.stderr
    assert f"created {len(topics.all_topics())} topic(s)" in created.stdout
    assert "every topic is laid out as expected" in created.stdout

    described = run_cli(settings, "topics", "describe")
    assert described.returncode == 0, described.stderr
    changelog = topics.state_changelog(settings.topic_prefix)
    row = next(line for line in described.stdout.splitlines() if changelog.name in line)
    assert "compact" in row and f" {changelog.partitions} " in row

    again = run_cli(settings, "topics", "create")
    assert again.returncode == 0 and "created 0 topic(s)" in again.stdout


async def test_a_raw_topic_with_three_partitions_is_refused_loudly(settings: Settings) -> None:
    odd = topics.raw_topics(settings.topic_prefix)[0]
    await ensure_topics(kafka_options(settings, resolve(settings)), [topics.TopicSpec(odd.name, 3, odd.config)])

    created = run_cli(settings, "topics", "create")  # makes the others; cannot mend the odd one
    assert created.returncode == 1
    assert f"ERROR: {odd.name}: 3 partitions, expected 6: the worker needs every raw topic" in created.stdout
    checked = run_cli(settings, "topics", "check")
    assert checked.returncode == 1
    assert "different partition counts [3, 6]" in checked.stdout
    assert "the worker refuses to run on these topics" in checked.stdout

    async with SchemaRegistry(resolve(settings).registry_url) as registry:
        with pytest.raises(ConfigError, match=f"{odd.name}: 3 partitions, expected 6"):
            await prepare(settings, registry)
