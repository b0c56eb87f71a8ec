"""``ddeflow.faust.codec`` against the real registry: the wire format both ways, and a schema that evolves.

A record written with a schema id the codec has not seen (the topic's schema gained a field and ddeflow
registered the new version) is fetched once, then decoded into the model the app knows: the new field
dropped, the rest intact.
"""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime
from typing import Any

import faust
import pytest
from faust.types.tuples import Message

from ddeflow import avro, topic_schemas, topics
from ddeflow.avro import AvroCodec
from ddeflow.config import load_settings
from ddeflow.endpoints import registry_client
from ddeflow.errors import AvroDecodeError
from ddeflow.faust.codec import RecordCodec, RegistrySchema
from ddeflow.faust.records import ScoreChange
from tests.infra import Infra

FEED_AT = datetime(2026, 3, 1, 18, 30, 5, 123456, tzinfo=UTC)


def _change(home: int) -> ScoreChange:
    return ScoreChange(
        fixtureId="f1",
        sport="soccer",
        homeScore=home,
        awayScore=0,
        previousHomeScore=home - 1,
        previousAwayScore=0,
        period=1,
        homePeriodScore=home,
        awayPeriodScore=0,
        previousHomePeriodScore=home - 1,
        previousAwayPeriodScore=0,
        isCorrection=False,
        causeSendType="Confirmed",
        fixtureSeqNum=10 + home,
        feedTimestamp=FEED_AT,
        causeActionId=f"a{home}",
    )


def _message(topic: str, value: bytes, offset: int) -> Message:
    return Message(topic, 0, offset, 0.0, 0, [], b"f1", value, None)


async def test_the_codec_writes_and_reads_the_wire_format_and_fetches_an_evolved_schema(infra: Infra) -> None:
    settings = load_settings(
        KAFKA_BOOTSTRAP_SERVERS=infra.bootstrap_servers,
        SCHEMA_REGISTRY_URL=infra.registry_url,
        DDEFLOW_TOPIC_PREFIX=f"fcodec{uuid.uuid4().hex[:8]}.",
    )
    binding = next(b for b in topic_schemas.bindings(settings.topic_prefix) if b.schema_name == "score_change")
    assert binding.topic == settings.topic(topics.SCORE_CHANGES)
    app = faust.App("codec-probe", broker="kafka://127.0.0.1:9")
    async with registry_client(settings) as writer_registry, registry_client(settings) as reader_registry:
        writer = RecordCodec(AvroCodec(writer_registry), binding)
        first_id = await writer.register()
        written, _ = RegistrySchema(writer, ScoreChange).dumps_value(app, _change(1), headers=None)
        assert isinstance(written, bytes)
        assert avro.split(written)[0] == first_id
        # Any Confluent-format reader sees the record: the project's own decoder, with the registry.
        assert await AvroCodec(reader_registry).decode(written) == avro.decode(
            written, avro.parse_schema(binding.schema)
        )

        evolved: dict[str, Any] = copy.deepcopy(binding.schema)
        evolved["fields"].append({"name": "venue", "type": ["null", "string"], "default": None})
        second_id = await writer_registry.register(binding.subject, evolved)
        assert second_id != first_id
        record = {**ScoreChange.to_representation(_change(2)), "venue": "Anfield"}
        written_evolved = avro.encode(second_id, avro.parse_schema(evolved), record)

        reading = AvroCodec(reader_registry)
        reader = RecordCodec(reading, binding)
        with pytest.raises(AvroDecodeError, match="is not known"):
            reader.loads(written_evolved)  # the synchronous codec alone never does I/O
        decode = RegistrySchema(reader, ScoreChange).compile(app, default_propagate=True)
        events = [
            await decode(_message(binding.topic, value, offset))
            for offset, value in enumerate((written, written_evolved))
        ]
        assert reading.cached_writer_schema(second_id) is not None
    assert [event.key for event in events] == ["f1", "f1"]
    assert [event.value for event in events] == [_change(1), _change(2)]
    assert events[1].value.feedTimestamp == FEED_AT
