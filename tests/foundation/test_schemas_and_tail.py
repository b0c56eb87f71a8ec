"""`ddeflow schemas` and `ddeflow tail` against the real registry and broker."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import fastavro
import pytest
from aiokafka import AIOKafkaProducer

from ddeflow import topic_schemas, topics
from ddeflow.admin import ensure_topics
from ddeflow.avro import AvroCodec
from ddeflow.config import Settings, load_settings
from ddeflow.dlq import dead_letter
from ddeflow.endpoints import kafka_options, resolve
from ddeflow.errors import PacketError, SchemaIncompatibleError
from ddeflow.processors import registry as processor_registry
from ddeflow.registry import SchemaRegistry
from tests.cli import run_cli


def _all_bindings() -> list[topic_schemas.Binding]:
    """The built-in schemas, the feed status' and those of the processors enabled by default (the shipped examples)."""
    extra = processor_registry.extra_bindings(processor_registry.enabled(load_settings()))
    return topic_schemas.every_binding() + extra


def test_every_schema_field_is_documented() -> None:
    for binding in _all_bindings():
        fastavro.parse_schema(binding.schema)

        def walk(record: dict[str, object], where: str) -> None:
            assert record.get("doc"), f"{where} has no doc"
            for field in record["fields"]:  # type: ignore[attr-defined]
                assert field.get("doc"), f"{where}.{field['name']} has no doc"
                if isinstance(field["type"], dict) and field["type"].get("type") == "record":
                    walk(field["type"], f"{where}.{field['name']}")

        walk(binding.schema, binding.schema_name)


async def test_register_then_check_then_refuse_a_breaking_change(settings: Settings) -> None:
    first = run_cli(settings, "schemas", "check")
    assert first.returncode == 0, first.stderr
    assert first.stdout.count(": new") == len(_all_bindings())

    registered = run_cli(settings, "schemas", "register")
    assert registered.returncode == 0, registered.stderr
    again = run_cli(settings, "schemas", "check")
    assert again.returncode == 0
    assert again.stdout.count(": compatible") == len(_all_bindings())

    # Changing a field's type breaks BACKWARD readers: check says so and register refuses.
    binding = next(b for b in topic_schemas.bindings(settings.topic_prefix) if b.schema_name == "score_change")
    broken = copy.deepcopy(binding.schema)
    next(f for f in broken["fields"] if f["name"] == "homeScore")["type"] = "string"
    async with SchemaRegistry(resolve(settings).registry_url) as registry:
        assert not await registry.is_compatible(binding.subject, broken)
        # An additive field with a default is fine.
        extended = copy.deepcopy(binding.schema)
        extended["fields"].append({"name": "note", "type": ["null", "string"], "default": None, "doc": "x"})
        assert await registry.is_compatible(binding.subject, extended)


async def test_register_all_refuses_before_registering_anything(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with SchemaRegistry(resolve(settings).registry_url) as registry:
        await topic_schemas.register_all(registry, settings.topic_prefix)
        original = topic_schemas.load_schema

        def breaking(name: str) -> dict[str, object]:
            schema = original(name)
            if name == "fixture_event":
                next(f for f in schema["fields"] if f["name"] == "fixtureSeqNum")["type"] = "string"
            return schema

        monkeypatch.setattr(topic_schemas, "load_schema", breaking)
        with pytest.raises(SchemaIncompatibleError, match="fixture-events-value"):
            await topic_schemas.register_all(registry, settings.topic_prefix)


async def test_tail_decodes_avro_raw_and_dlq(settings: Settings) -> None:
    options = kafka_options(settings, resolve(settings))
    prefix = settings.topic_prefix
    await ensure_topics(options, topics.derived_topics(prefix))
    await ensure_topics(options, [t for t in topics.raw_topics(prefix) if t.name.endswith("soccer.actions")])
    async with SchemaRegistry(resolve(settings).registry_url) as registry:
        codec = AvroCodec(registry)
        subject = settings.topic(topics.SCORE_CHANGES) + "-value"
        await codec.register(subject, topic_schemas.load_schema("score_change"))
        change = {
            "fixtureId": "f-1",
            "sport": "soccer",
            "homeScore": 1,
            "awayScore": 0,
            "previousHomeScore": 0,
            "previousAwayScore": 0,
            "period": 1,
            "homePeriodScore": 1,
            "awayPeriodScore": 0,
            "previousHomePeriodScore": 0,
            "previousAwayPeriodScore": 0,
            "isCorrection": False,
            "causeActionId": "a-1",
            "causeSendType": "Confirmed",
            "causeActionType": "Goal",
            "fixtureSeqNum": 17,
            "feedTimestamp": datetime(2026, 5, 6, 19, 5, 8, 376151, tzinfo=UTC),
            "receivedAt": None,
        }
        producer = AIOKafkaProducer(**options)
        await producer.start()
        try:
            await producer.send_and_wait(
                settings.topic(topics.SCORE_CHANGES), codec.encode(subject, change), key=b"f-1"
            )
            await producer.send_and_wait(
                settings.topic("dde.raw.soccer.actions"),
                b'{"fixtureAction": {}}',
                key=b"f-1",
                headers=[("source", b"file")],
            )
            letter = dead_letter(
                PacketError("malformed_json", "cut off", raw=b"{oops"), origin="processor", failed_at_ns=5
            )
            await producer.send_and_wait(
                settings.topic(topics.DLQ), letter.value, key=None, headers=list(letter.headers)
            )
        finally:
            await producer.stop()

    scores = run_cli(settings, "tail", topics.SCORE_CHANGES, "--from-beginning", "--until-idle", "1")
    assert scores.returncode == 0, scores.stderr
    (line,) = scores.stdout.splitlines()
    item = json.loads(line)
    assert item["key"] == "f-1"
    assert item["value"]["homeScore"] == 1 and item["value"]["causeSendType"] == "Confirmed"
    assert item["value"]["feedTimestamp"] == "2026-05-06T19:05:08.376151Z"

    table = run_cli(
        settings, "tail", topics.SCORE_CHANGES, "--from-beginning", "--until-idle", "1", "--format", "table"
    )
    header, row = table.stdout.splitlines()
    assert header.split()[:3] == ["offset", "key", "period"]
    assert row.split()[:2] == ["0", "f-1"]

    raw = json.loads(
        run_cli(settings, "tail", "dde.raw.soccer.actions", "--from-beginning", "--until-idle", "1").stdout
    )
    assert raw["value"] == {"fixtureAction": {}} and raw["headers"] == {"source": "file"}

    dlq = json.loads(run_cli(settings, "tail", topics.DLQ, "--from-beginning", "--until-idle", "1").stdout)
    assert dlq["value"] == "{oops" and dlq["headers"]["dlq.reason"] == "malformed_json"


def test_tail_of_a_missing_topic_is_one_clear_error(settings: Settings) -> None:
    done = run_cli(settings, "tail", "no.such.topic", "--until-idle", "1")
    assert done.returncode == 2
    assert "does not exist" in done.stderr and "Traceback" not in done.stderr
