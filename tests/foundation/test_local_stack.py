"""`ddeflow local up/status/down` as a user runs them: real JVMs, a real round trip, nothing left behind.

This starts a stack of its own (beside the session's) in a private home on free ports.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from ddeflow.admin import ensure_topics
from ddeflow.avro import AvroCodec
from ddeflow.local.layout import StackLayout
from ddeflow.local.processes import is_ours
from ddeflow.registry import SchemaRegistry
from ddeflow.topics import TopicSpec
from tests.infra import local_stack_settings

SCHEMA = {
    "type": "record",
    "name": "Hello",
    "namespace": "ddeflow.test",
    "fields": [{"name": "greeting", "type": "string"}],
}


def _ddeflow(env: dict[str, str], *args: str, timeout_s: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ddeflow.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def _env_for(home: Path) -> dict[str, str]:
    settings = local_stack_settings(home)
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP_SERVERS", "SCHEMA_REGISTRY_URL")}
    env.update(
        DDEFLOW_HOME=str(home),
        DDEFLOW_CACHE_DIR=str(settings.jar_cache),
        DDEFLOW_LOCAL_KAFKA_PORT=str(settings.local_kafka_port),
        DDEFLOW_LOCAL_CONTROLLER_PORT=str(settings.local_controller_port),
        DDEFLOW_LOCAL_REGISTRY_PORT=str(settings.local_registry_port),
        DDEFLOW_LOCAL_REGISTRY_MANAGEMENT_PORT=str(settings.local_registry_management_port),
    )
    return env


def _printed(stdout: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in stdout.splitlines() if "=" in line)


async def _round_trip(bootstrap: str, registry_url: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        async with SchemaRegistry(registry_url) as registry:
            codec = AvroCodec(registry)
            schema_id = await codec.register("hello-value", SCHEMA)
            # Auto-creation is off on the local broker: topics are created explicitly.
            await ensure_topics({"bootstrap_servers": bootstrap}, [TopicSpec("hello", 1)])
            await producer.send_and_wait("hello", codec.encode("hello-value", {"greeting": "hi"}), key=b"k")
            assert (await registry.schema(schema_id)) == SCHEMA
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer("hello", bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        message = await asyncio.wait_for(consumer.getone(), 30)
        async with SchemaRegistry(registry_url) as fresh:
            assert await AvroCodec(fresh).decode(message.value) == {"greeting": "hi"}
    finally:
        await consumer.stop()


@pytest.mark.integration
def test_up_round_trip_reuse_and_down(tmp_path: Path) -> None:
    env = _env_for(tmp_path)
    layout = StackLayout(tmp_path)
    try:
        first = _ddeflow(env, "local", "up")
        assert first.returncode == 0, first.stderr
        assert "local stack started" in first.stdout
        addresses = _printed(first.stdout)
        assert addresses["KAFKA_BOOTSTRAP_SERVERS"] == f"127.0.0.1:{env['DDEFLOW_LOCAL_KAFKA_PORT']}"
        state = json.loads(layout.state_file.read_text())
        pids = {name: state[f"{name}_pid"] for name in ("kafka", "registry")}
        assert all(is_ours(pid, layout.marker(name)) for name, pid in pids.items())

        asyncio.run(_round_trip(addresses["KAFKA_BOOTSTRAP_SERVERS"], addresses["SCHEMA_REGISTRY_URL"]))

        second = _ddeflow(env, "local", "up")
        assert second.returncode == 0, second.stderr
        assert "already running" in second.stdout
        assert _printed(second.stdout) == addresses
        again = json.loads(layout.state_file.read_text())
        assert {name: again[f"{name}_pid"] for name in pids} == pids

        status = _ddeflow(env, "local", "status")
        assert status.returncode == 0
        assert status.stdout.count("running, answering") == 2
    finally:
        down = _ddeflow(env, "local", "down")
    assert down.returncode == 0, down.stderr
    assert "kafka: stopped" in down.stdout and "registry: stopped" in down.stdout
    assert not any(is_ours(pid, layout.marker(name)) for name, pid in pids.items())
    after = _ddeflow(env, "local", "status")
    assert after.returncode == 3
    assert after.stdout.count("not running") == 2
    assert "not running" in _ddeflow(env, "local", "down").stdout  # down twice is harmless


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        (
            "DDEFLOW_JAVA",
            "/nonexistent/java",
            "DDEFLOW_JAVA=/nonexistent/java is not an executable java binary",
        ),
        ("DDEFLOW_KAFKA_VERSION", "0.0.0-missing", "Maven could not fetch Apache Kafka 0.0.0-missing"),
    ],
)
def test_setup_failures_say_what_is_wrong(tmp_path: Path, variable: str, value: str, expected: str) -> None:
    env = _env_for(tmp_path)
    env["DDEFLOW_CACHE_DIR"] = str(tmp_path / "empty-cache")
    env[variable] = value
    done = _ddeflow(env, "local", "up", timeout_s=300)
    assert done.returncode == 2
    assert expected in done.stderr
    assert "Traceback" not in done.stderr
    state_file = StackLayout(tmp_path).state_file
    assert not state_file.exists() or "kafka_pid" not in json.loads(state_file.read_text())


def test_missing_maven_is_named(tmp_path: Path) -> None:
    env = _env_for(tmp_path)
    env["DDEFLOW_CACHE_DIR"] = str(tmp_path / "empty-cache")
    env["PATH"] = str(Path(sys.executable).parent)  # python only: no mvn
    done = _ddeflow(env, "local", "up", timeout_s=120)
    assert done.returncode == 2
    assert "Maven is missing" in done.stderr
    assert "Traceback" not in done.stderr
