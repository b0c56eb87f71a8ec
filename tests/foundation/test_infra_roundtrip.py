"""A produce/consume round trip, transactions, and Avro through the registry, on the real session infra."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from ddeflow import avro
from ddeflow.admin import ensure_topics
from ddeflow.avro import AvroCodec
from ddeflow.config import Settings
from ddeflow.endpoints import kafka_options, resolve
from ddeflow.errors import RegistryError
from ddeflow.registry import SchemaRegistry
from ddeflow.topics import TopicSpec, derived_topics, raw_topics

SCHEMA_V1 = {
    "type": "record",
    "name": "Probe",
    "namespace": "ddeflow.test",
    "fields": [{"name": "fixtureId", "type": "string"}, {"name": "homeScore", "type": "int"}],
}


async def _read_all(settings: Settings, topic: str, expected: int, isolation: str) -> list[tuple[bytes, bytes]]:
    consumer = AIOKafkaConsumer(
        topic,
        **kafka_options(settings, resolve(settings)),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        isolation_level=isolation,
    )
    await consumer.start()
    try:
        seen: list[tuple[bytes, bytes]] = []
        for _ in range(40):
            batch = await consumer.getmany(timeout_ms=250)
            seen += [(m.key, m.value) for records in batch.values() for m in records]
            if len(seen) >= expected:
                break
        return seen
    finally:
        await consumer.stop()


async def test_topics_are_created_once_with_their_prefix(settings: Settings) -> None:
    options = kafka_options(settings, resolve(settings))
    specs = raw_topics(settings.topic_prefix) + derived_topics(settings.topic_prefix)
    created = await ensure_topics(options, specs)
    assert sorted(created) == sorted(spec.name for spec in specs)
    assert all(name.startswith(settings.topic_prefix) for name in created)
    assert await ensure_topics(options, specs) == []


async def test_produce_consume_round_trip_keeps_bytes_and_order(settings: Settings) -> None:
    topic = settings.topic("roundtrip")
    options = kafka_options(settings, resolve(settings))
    await ensure_topics(options, [TopicSpec(topic, 3)])
    producer = AIOKafkaProducer(**options, acks="all", enable_idempotence=True)
    await producer.start()
    frames = [(b"fixture-1", f'{{"seq":{i}}}'.encode()) for i in range(50)]
    try:
        for key, value in frames:
            await producer.send(topic, value, key=key)
        await producer.flush()
    finally:
        await producer.stop()
    assert await _read_all(settings, topic, len(frames), "read_uncommitted") == frames


async def test_read_committed_sees_only_committed_transactions(settings: Settings) -> None:
    topic = settings.topic("txn")
    options = kafka_options(settings, resolve(settings))
    await ensure_topics(options, [TopicSpec(topic, 1)])
    producer = AIOKafkaProducer(**options, transactional_id=f"probe-{uuid.uuid4()}")
    await producer.start()
    try:
        async with producer.transaction():
            await producer.send(topic, b"committed", key=b"k")
        await producer.begin_transaction()
        await producer.send(topic, b"aborted", key=b"k")
        await producer.abort_transaction()
        async with producer.transaction():
            await producer.send(topic, b"committed-2", key=b"k")
    finally:
        await producer.stop()
    values = [value for _, value in await _read_all(settings, topic, 2, "read_committed")]
    assert values == [b"committed", b"committed-2"]


async def test_avro_schema_registered_and_fetched_by_id(settings: Settings) -> None:
    endpoints = resolve(settings)
    subject = settings.topic("probe-value")
    async with SchemaRegistry(endpoints.registry_url) as registry:
        codec = AvroCodec(registry)
        schema_id = await codec.register(subject, SCHEMA_V1)
        assert await registry.register(subject, SCHEMA_V1) == schema_id  # idempotent
        assert subject in await registry.subjects()

        # A fresh client (empty cache) fetches the writer schema by id from the registry.
        async with SchemaRegistry(endpoints.registry_url) as fresh:
            assert await fresh.schema(schema_id) == SCHEMA_V1
            data = codec.encode(subject, {"fixtureId": "f1", "homeScore": 3})
            assert avro.split(data)[0] == schema_id
            assert await AvroCodec(fresh).decode(data) == {"fixtureId": "f1", "homeScore": 3}

        # The same id through the plain Confluent-compatible REST API.
        async with httpx.AsyncClient(timeout=10) as client:
            raw = (await client.get(f"{endpoints.registry_url}/schemas/ids/{schema_id}")).json()
        assert "homeScore" in raw["schema"]


async def test_compatibility_is_checked_before_registering(settings: Settings) -> None:
    subject = settings.topic("compat-value")
    compatible = {
        **SCHEMA_V1,
        "fields": [*SCHEMA_V1["fields"], {"name": "awayScore", "type": "int", "default": 0}],
    }
    breaking = {**SCHEMA_V1, "fields": [{"name": "fixtureId", "type": "int"}]}
    async with SchemaRegistry(resolve(settings).registry_url) as registry:
        assert await registry.is_compatible(subject, SCHEMA_V1)  # no subject yet
        await registry.register(subject, SCHEMA_V1)
        await registry.set_compatibility(subject, "BACKWARD")
        assert await registry.is_compatible(subject, compatible)
        assert not await registry.is_compatible(subject, breaking)
        with pytest.raises(RegistryError) as refused:
            await registry.register(subject, breaking)
        assert refused.value.status == 409


async def test_concurrent_compatibility_settings_both_succeed(settings: Settings) -> None:
    subject = settings.topic("race-value")
    async with (
        SchemaRegistry(resolve(settings).registry_url) as one,
        SchemaRegistry(resolve(settings).registry_url) as two,
    ):
        await one.register(subject, SCHEMA_V1)
        await asyncio.gather(*(c.set_compatibility(subject, "BACKWARD") for c in (one, two, one, two)))
        assert await one.compatibility(subject) == "BACKWARD"
        await two.set_compatibility(subject, "FULL")
        assert await one.compatibility(subject) == "FULL"
