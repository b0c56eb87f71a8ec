"""Fixtures as listed by the REST fixtures API (``GET /{sport}/fixtures``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ddeflow.dde.enums import CollectionStatus, FixtureStatus, FixtureType
from ddeflow.dde.jsonvalue import JsonObject
from ddeflow.dde.refs import TeamRef


@dataclass(frozen=True, slots=True, kw_only=True)
class Fixture:
    """One fixture.  Fields the API adds beyond these are ignored."""

    id: str
    name: str | None = None
    status: FixtureStatus = FixtureStatus.UNKNOWN
    status_raw: str | None = None
    collection_status: CollectionStatus = CollectionStatus.UNKNOWN
    collection_status_raw: str | None = None
    type: FixtureType = FixtureType.UNKNOWN
    type_raw: str | None = None
    coverage_level: str | None = None
    """As sent, e.g. ``Low Latency Stream``."""
    start_date_utc: datetime | None = None
    teams: tuple[TeamRef, ...] = ()
    competition: JsonObject | None = field(default=None, hash=False)
    """As sent, read-only: its shape is not confirmed by any sample."""
    venue: JsonObject | None = field(default=None, hash=False)
    """As sent, read-only: its shape is not confirmed by any sample."""
