"""`ddeflow topics create | describe | check` on the real broker, and the worker refusing a broken layout."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ddeflow import topics
from ddeflow.admin import ensure_topics
from ddeflow.config import Settings
from ddeflow.endpoints import kafka_options, resolve
from ddeflow.errors import ConfigError
from ddeflow.registry import SchemaRegistry
from processors.worker import prepare


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers or "",
        "SCHEMA_REGISTRY_URL": settings.schema_registry_url or "",
        "DDEFLOW_TOPIC_PREFIX": settings.topic_prefix,
        "COLUMNS": "250",
    }
    return subprocess.run(
        [sys.executable, "-m", "ddeflow.cli", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_create_then_describe_then_check(settings: Settings) -> None:
    missing = _cli(settings, "topics", "check")
    assert missing.returncode == 1
    assert missing.stdout.count(": missing") == len(topics.all_topics())

    created = _cli(settings, "topics", "create")
    assert created.returncode == 0, created.stdout + created.stderr
    assert f"created {len(topics.all_topics())} topic(s)" in created.stdout
    assert "every topic is laid out as expected" in created.stdout

    described = _cli(settings, "topics", "describe")
    assert described.returncode == 0, described.stderr
    changelog = topics.state_changelog(settings.topic_prefix)
    row = next(line for line in described.stdout.splitlines() if changelog.name in line)
    assert "compact" in row and f" {changelog.partitions} " in row

    again = _cli(settings, "topics", "create")
    assert again.returncode == 0 and "created 0 topic(s)" in again.stdout


async def test_a_raw_topic_with_three_partitions_is_refused_loudly(settings: Settings) -> None:
    odd = topics.raw_topics(settings.topic_prefix)[0]
    await ensure_topics(kafka_options(settings, resolve(settings)), [topics.TopicSpec(odd.name, 3, odd.config)])

    created = _cli(settings, "topics", "create")  # makes the others; cannot mend the odd one
    assert created.returncode == 1
    assert f"ERROR: {odd.name}: 3 partitions, expected 6: the worker needs every raw topic" in created.stdout
    checked = _cli(settings, "topics", "check")
    assert checked.returncode == 1
    assert "different partition counts [3, 6]" in checked.stdout
    assert "the worker refuses to run on these topics" in checked.stdout

    async with SchemaRegistry(resolve(settings).registry_url) as registry:
        with pytest.raises(ConfigError, match=f"{odd.name}: 3 partitions, expected 6"):
            await prepare(settings, registry)
