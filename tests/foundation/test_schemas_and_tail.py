"""`ddeflow schemas` and `ddeflow tail` against the real registry and broker."""

from __future__ import annotations

import asyncio
import copy
import json
import time
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
    assert header.split()[:4] == ["p", "offset", "time", "fixture"]
    assert row.split()[1] == "0" and row.split()[3] == "f-1" and "0-0 → 1-0" in row

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
    bad = run_cli(settings, "tail", topics.SCORE_CHANGES, "--from", "yesterday-ish")
    assert bad.returncode == 2 and "--from 'yesterday-ish'" in bad.stderr and "Traceback" not in bad.stderr


async def test_tail_for_people_filters_marks_starts_at_a_time_and_stops_at_the_end(settings: Settings) -> None:
    options = kafka_options(settings, resolve(settings))
    await ensure_topics(
        options, [*topics.derived_topics(settings.topic_prefix), topics.feed_status(settings.topic_prefix)]
    )
    async with SchemaRegistry(resolve(settings).registry_url) as registry:
        feed_status = topic_schemas.feed_status_binding(settings.topic_prefix)
        ids = await topic_schemas.register_all(registry, settings.topic_prefix, [feed_status])
        codec = AvroCodec(registry)
        for binding in topic_schemas.every_binding(settings.topic_prefix):
            codec.use(binding.subject, ids[binding.subject], binding.schema)
        scores = settings.topic(topics.SCORE_CHANGES)

        def change(fixture: str, home: int, *, correction: bool) -> bytes:
            value = {
                "fixtureId": fixture,
                "sport": "soccer",
                "homeScore": home,
                "awayScore": 0,
                "previousHomeScore": 1,
                "previousAwayScore": 0,
                "period": 1,
                "homePeriodScore": home,
                "awayPeriodScore": 0,
                "previousHomePeriodScore": 1,
                "previousAwayPeriodScore": 0,
                "isCorrection": correction,
                "causeActionId": "a-1",
                "causeSendType": "Deleted" if correction else "Confirmed",
                "causeActionType": "Goal",
                "fixtureSeqNum": 17,
                "feedTimestamp": datetime(2026, 12, 1, 18, 0, 1, tzinfo=UTC),
                "receivedAt": None,
            }
            return codec.encode(scores + "-value", value)

        status = {
            "fixtureId": "f-2",
            "sport": "soccer",
            "stream": "actions",
            "media": False,
            "state": "down",
            "since": datetime(2026, 12, 1, 18, 0, 4, 900000, tzinfo=UTC),
            "at": datetime(2026, 12, 1, 18, 0, 24, 900000, tzinfo=UTC),
            "reason": "silence",
            "detail": "no frame for 20 s",
            "silenceThresholdMs": 20000,
            "downForMs": None,
            "position": 41,
            "lastSeqNum": 1049,
            "gapHealed": None,
        }
        producer = AIOKafkaProducer(**options)
        await producer.start()
        try:
            await producer.send_and_wait(scores, change("f-1", 2, correction=False), key=b"f-1")
            await asyncio.sleep(0.05)
            between_ms = int(time.time() * 1000)
            await asyncio.sleep(0.05)
            await producer.send_and_wait(scores, change("f-2", 0, correction=True), key=b"f-2")
            await producer.send_and_wait(
                settings.topic(topics.FEED_STATUS),
                codec.encode(settings.topic(topics.FEED_STATUS) + "-value", status),
                key=b"f-2",
            )
        finally:
            await producer.stop()

    # --no-follow ends at the end the topic had at start, without --until-idle
    table = run_cli(settings, "tail", topics.SCORE_CHANGES, "--from-beginning", "--no-follow", "--format", "table")
    assert table.returncode == 0, table.stderr
    header, *rows = table.stdout.splitlines()
    assert header.split()[:4] == ["p", "offset", "time", "fixture"]
    assert sorted(row.split()[3] for row in rows) == ["f-1", "f-2"]
    (correction,) = [row for row in rows if "f-2" in row]
    assert correction.endswith("CORRECTION") and "1-0 → 0-0" in correction
    assert not any(row.endswith("CORRECTION") for row in rows if "f-1" in row)
    assert "aiokafka" not in table.stderr  # the client's chatter stays out unless -v

    only = run_cli(settings, "tail", topics.SCORE_CHANGES, "--from-beginning", "--no-follow", "--fixture", "f-1")
    assert [json.loads(line)["key"] for line in only.stdout.splitlines()] == ["f-1"]
    later = run_cli(settings, "tail", topics.SCORE_CHANGES, "--from", str(between_ms), "--no-follow")
    assert later.returncode == 0, later.stderr
    assert [json.loads(line)["key"] for line in later.stdout.splitlines()] == ["f-2"]

    feed = run_cli(settings, "tail", topics.FEED_STATUS, "--from-beginning", "--no-follow", "--format", "table")
    assert feed.returncode == 0, feed.stderr
    _, down = feed.stdout.splitlines()
    assert down.split()[3:7] == ["f-2", "soccer", "actions", "down"] and down.endswith("DOWN")
    assert "18:00:04.900" in down and "silence" in down
