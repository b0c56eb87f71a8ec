"""Decoded JSON to ``Fixture``.  Private: use ``ddeflow.dde.parse``, which documents the wire format."""

from __future__ import annotations

from typing import Any

from ddeflow.dde._decode_actions import decode_team
from ddeflow.dde._fields import each, opt_json_object, opt_str, opt_timestamp, req_str
from ddeflow.dde.enums import CollectionStatus, FixtureStatus, FixtureType
from ddeflow.dde.fixtures import Fixture


def decode_fixture(obj: dict[str, Any]) -> Fixture:
    status = opt_str(obj, "status")
    collection = opt_str(obj, "collectionStatus")
    fixture_type = opt_str(obj, "type")
    return Fixture(
        id=req_str(obj, "id"),
        name=opt_str(obj, "name"),
        status=FixtureStatus.from_raw(status),
        status_raw=status,
        collection_status=CollectionStatus.from_raw(collection),
        collection_status_raw=collection,
        type=FixtureType.from_raw(fixture_type),
        type_raw=fixture_type,
        coverage_level=opt_str(obj, "coverageLevel"),
        start_date_utc=opt_timestamp(obj, "startDateUTC"),
        teams=each(obj, "teams", decode_team),
        competition=opt_json_object(obj, "competition"),
        venue=opt_json_object(obj, "venue"),
    )
