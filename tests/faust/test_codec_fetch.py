"""How the codec fetches a writer schema when the registry fails: through ``SchemaRegistry``'s transport seam.

A registry that cannot answer for a while (503) is waited out; one that does not know the id (404) leaves the
record to decoding, which reports it as a bad value.
"""

from __future__ import annotations

import json

import httpx
import pytest

from ddeflow import avro, topic_schemas
from ddeflow.avro import AvroCodec
from ddeflow.errors import AvroDecodeError
from ddeflow.faust.codec import RecordCodec
from ddeflow.registry import SchemaRegistry

SCHEMA_ID = 41
BINDING = next(b for b in topic_schemas.bindings() if b.schema_name == "score_change")
RECORD = {
    "fixtureId": "f1",
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
    "causeActionId": None,
    "causeSendType": "Confirmed",
    "causeActionType": None,
    "fixtureSeqNum": 7,
    "feedTimestamp": 1_772_390_000_000_000,
    "receivedAt": None,
}
WRITTEN = avro.encode(SCHEMA_ID, avro.parse_schema(BINDING.schema), RECORD)


def _registry(statuses: list[int]) -> tuple[SchemaRegistry, list[str]]:
    """A registry answering each request with the next status of ``statuses`` (200: the schema); the paths asked."""
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        status = statuses.pop(0)
        if status != 200:
            return httpx.Response(status, json={"message": "no"})
        return httpx.Response(200, json={"schema": json.dumps(BINDING.schema)})

    return SchemaRegistry("http://registry", transport=httpx.MockTransport(answer)), asked


async def test_an_unreachable_registry_is_waited_out_and_a_fetched_id_never_asked_again() -> None:
    registry, asked = _registry([503, 503, 200])
    codec = RecordCodec(AvroCodec(registry), BINDING)
    await codec.fetch_writer_schema(WRITTEN)
    await codec.fetch_writer_schema(WRITTEN)
    assert asked == [f"/schemas/ids/{SCHEMA_ID}"] * 3
    assert codec.loads(WRITTEN)["homeScore"] == 1
    await registry.close()


async def test_an_id_the_registry_does_not_know_is_a_decode_error() -> None:
    registry, asked = _registry([404])
    codec = RecordCodec(AvroCodec(registry), BINDING)
    await codec.fetch_writer_schema(WRITTEN)
    assert asked == [f"/schemas/ids/{SCHEMA_ID}"]
    with pytest.raises(AvroDecodeError, match=f"writer schema id {SCHEMA_ID} is not known"):
        codec.loads(WRITTEN)
    await registry.close()
