"""The REST side of the feed: fixtures, one fixture, and a finished fixture's actions.  Pure.

Answers (all JSON, ``Content-Type: application/json;charset=UTF-8``):

``GET /{feed}/fixtures``
    Filters: ``live`` (true|false), ``status`` (comma-separated, any case),
    ``dateFrom`` / ``dateTo`` (date or date-time, inclusive, on ``startDateUTC``;
    a date-only ``dateTo`` covers its whole day), ``type``, ``coverageLevel``,
    ``subscribed`` (every fixture is subscribed), ``sort`` (``field[,asc|desc]``
    with field ``startDateUTC`` (default), ``name``, ``id`` or ``status``),
    ``size`` (1..1000, default 20), ``page`` (from 0).  A bad value is a 400.
    The body is a Spring Data page, the shape of the feed's paged REST APIs::

        {"content": [fixture, ...], "pageable": {"pageNumber": 0, "pageSize": 20, "offset": 0,
         "paged": true, "unpaged": false, "sort": {...}}, "totalElements": 42, "totalPages": 3,
         "size": 20, "number": 0, "numberOfElements": 20, "first": true, "last": false,
         "empty": false, "sort": {"sorted": true, "unsorted": false, "empty": false}}

    The feed made paging opt-in with a ``paged: true`` request header; the
    simulator always pages, except that ``paged: false`` gets the page's
    fixtures as a bare array.
``GET /{feed}/fixtures/{id}``
    The fixture object, or 404.
``GET /{feed}/fixtures/{id}/actions``
    Once the fixture is over: every action packet, byte for byte, in file order,
    as one JSON array.  Before that: **409** ``{"status": 409, "error": "Conflict",
    "message": "Actions for fixture <id> are available once the match is over;
    it is <status> now", ...}``.

Fixture objects are ``fixture.json`` with ``status`` and ``collectionStatus``
following the simulator clock when the fixture has action packets:
Scheduled/CollectionScheduled before go-live, Live/CollectingLive while its
packets are still coming, then the last packet's ``fixtureSummary`` values
(Completed/CollectionCompleted when it has none).  Errors are
``{"status", "error", "message", "path"}``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any

from ddeflow.simulator.server.catalog import Catalog, FixtureEntry
from ddeflow.simulator.server.routes import (
    FixtureActionsRoute,
    FixtureListRoute,
    FixtureRoute,
    QueryError,
    RestRoute,
    last_value,
)
from ddeflow.simulator.server.timeline import Phase, parse_utc_s, phase_at

JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 20
SORT_FIELDS = ("startDateUTC", "name", "id", "status")


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ActionsAnswer:
    """200 with the fixture's actions array: the shell reads the file off the event loop."""

    entry: FixtureEntry


def json_answer(status: int, payload: object, headers: tuple[tuple[str, str], ...] = ()) -> HttpAnswer:
    return HttpAnswer(status, json.dumps(payload, separators=(",", ":")).encode("utf-8"), headers)


def error_answer(status: int, message: str, path: str, headers: tuple[tuple[str, str], ...] = ()) -> HttpAnswer:
    phrase = HTTPStatus(status).phrase
    return json_answer(status, {"status": status, "error": phrase, "message": message, "path": path}, headers)


@dataclass(frozen=True, slots=True)
class FixtureClock:
    """The live state of every fixture at a moment: go-live times, time scale, now."""

    go_live_s: Mapping[str, float]
    time_scale: float
    now_s: float

    def phase(self, entry: FixtureEntry) -> Phase | None:
        """None for a fixture without action packets: its status is whatever fixture.json says."""
        if entry.actions is None:
            return None
        return phase_at(self.now_s, self.go_live_s.get(entry.fixture_id, 0.0), entry.actions.end_rel_s, self.time_scale)


def fixture_view(entry: FixtureEntry, phase: Phase | None) -> dict[str, Any]:
    """The REST fixture object at this phase."""
    view = dict(entry.fixture)
    view["id"] = entry.fixture_id
    if phase is Phase.SCHEDULED:
        view["status"], view["collectionStatus"] = "Scheduled", "CollectionScheduled"
    elif phase is Phase.LIVE:
        view["status"], view["collectionStatus"] = "Live", "CollectingLive"
    elif phase is Phase.OVER:
        view["status"] = entry.final_status or "Completed"
        view["collectionStatus"] = entry.final_collection_status or "CollectionCompleted"
    return view


def _bool_param(query: dict[str, list[str]], name: str) -> bool | None:
    raw = last_value(query, name)
    if raw is None or raw == "":
        return None
    lowered = raw.lower()
    if lowered not in ("true", "false"):
        raise QueryError(f"{name} must be true or false, got {raw!r}")
    return lowered == "true"


def _int_param(query: dict[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    raw = last_value(query, name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise QueryError(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise QueryError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _date_param(query: dict[str, list[str]], name: str, *, end_of_day: bool) -> float | None:
    raw = last_value(query, name)
    if raw is None or raw == "":
        return None
    if len(raw) == 10:
        try:
            day = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise QueryError(f"{name} must be a date or date-time, got {raw!r}") from None
        if end_of_day:
            day += timedelta(days=1) - timedelta(microseconds=1)
        return day.timestamp()
    value = parse_utc_s(raw)
    if value is None:
        raise QueryError(f"{name} must be a date or date-time, got {raw!r}")
    return value


def _set_param(query: dict[str, list[str]], name: str) -> frozenset[str] | None:
    values = [part.strip().lower() for raw in query.get(name, []) for part in raw.split(",") if part.strip()]
    return frozenset(values) if values else None


@dataclass(frozen=True, slots=True)
class ListQuery:
    live: bool | None = None
    statuses: frozenset[str] | None = None
    date_from_s: float | None = None
    date_to_s: float | None = None
    types: frozenset[str] | None = None
    coverage_levels: frozenset[str] | None = None
    subscribed: bool | None = None
    sort_field: str = "startDateUTC"
    descending: bool = False
    size: int = DEFAULT_PAGE_SIZE
    page: int = 0


def parse_list_query(query: dict[str, list[str]]) -> ListQuery:
    """The ``/fixtures`` query; raises ``QueryError`` (answered 400) for bad values."""
    sort_field, descending = "startDateUTC", False
    raw_sort = last_value(query, "sort")
    if raw_sort:
        field, _, direction = raw_sort.partition(",")
        matches = [name for name in SORT_FIELDS if name.lower() == field.strip().lower()]
        if not matches:
            raise QueryError(f"sort field must be one of {', '.join(SORT_FIELDS)}, got {field!r}")
        sort_field = matches[0]
        direction = direction.strip().lower() or "asc"
        if direction not in ("asc", "desc"):
            raise QueryError(f"sort direction must be asc or desc, got {direction!r}")
        descending = direction == "desc"
    return ListQuery(
        live=_bool_param(query, "live"),
        statuses=_set_param(query, "status"),
        date_from_s=_date_param(query, "dateFrom", end_of_day=False),
        date_to_s=_date_param(query, "dateTo", end_of_day=True),
        types=_set_param(query, "type"),
        coverage_levels=_set_param(query, "coverageLevel"),
        subscribed=_bool_param(query, "subscribed"),
        sort_field=sort_field,
        descending=descending,
        size=_int_param(query, "size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
        page=_int_param(query, "page", 0, 0, 10**9),
    )


def _text(view: Mapping[str, Any], name: str) -> str:
    value = view.get(name)
    return value if isinstance(value, str) else ""


def matches(view: Mapping[str, Any], q: ListQuery) -> bool:
    """Whether one fixture object passes the query's filters."""
    if q.subscribed is False:
        return False
    status = _text(view, "status")
    if q.live is not None and (status == "Live") != q.live:
        return False
    if q.statuses is not None and status.lower() not in q.statuses:
        return False
    if q.types is not None and _text(view, "type").lower() not in q.types:
        return False
    if q.coverage_levels is not None and _text(view, "coverageLevel").lower() not in q.coverage_levels:
        return False
    if q.date_from_s is not None or q.date_to_s is not None:
        start_s = parse_utc_s(view.get("startDateUTC"))
        if start_s is None:
            return False
        if q.date_from_s is not None and start_s < q.date_from_s:
            return False
        if q.date_to_s is not None and start_s > q.date_to_s:
            return False
    return True


def _sort_key(field: str) -> Callable[[Mapping[str, Any]], tuple[float, str, str]]:
    def key(view: Mapping[str, Any]) -> tuple[float, str, str]:
        if field == "startDateUTC":
            start_s = parse_utc_s(view.get("startDateUTC"))
            return (start_s if start_s is not None else math.inf, "", _text(view, "id"))
        return (0.0, _text(view, field).lower(), _text(view, "id"))

    return key


def page_of(views: Sequence[Mapping[str, Any]], q: ListQuery) -> dict[str, Any]:
    """Filter, sort and page fixture objects into a Spring Data page."""
    selected = sorted((v for v in views if matches(v, q)), key=_sort_key(q.sort_field), reverse=q.descending)
    total = len(selected)
    offset = q.page * q.size
    content = selected[offset : offset + q.size]
    total_pages = math.ceil(total / q.size)
    sort = {"sorted": True, "unsorted": False, "empty": False}
    return {
        "content": content,
        "pageable": {
            "pageNumber": q.page,
            "pageSize": q.size,
            "offset": offset,
            "paged": True,
            "unpaged": False,
            "sort": sort,
        },
        "totalElements": total,
        "totalPages": total_pages,
        "size": q.size,
        "number": q.page,
        "numberOfElements": len(content),
        "first": q.page == 0,
        "last": q.page >= total_pages - 1,
        "empty": not content,
        "sort": sort,
    }


def answer_rest(
    route: RestRoute,
    query: dict[str, list[str]],
    *,
    path: str,
    paged: bool,
    catalog: Catalog,
    clock: FixtureClock,
) -> HttpAnswer | ActionsAnswer:
    """The answer to an authenticated, admitted REST request."""
    if isinstance(route, FixtureListRoute):
        try:
            q = parse_list_query(query)
        except QueryError as exc:
            return error_answer(400, str(exc), path)
        views = [fixture_view(entry, clock.phase(entry)) for entry in catalog.of_sport(route.sport)]
        page = page_of(views, q)
        return json_answer(200, page if paged else page["content"])
    entry = catalog.get(route.sport, route.fixture_id)
    if entry is None:
        return error_answer(404, f"Fixture {route.fixture_id} not found", path)
    phase = clock.phase(entry)
    if isinstance(route, FixtureRoute):
        return json_answer(200, fixture_view(entry, phase))
    assert isinstance(route, FixtureActionsRoute)
    if phase is Phase.OVER:
        return ActionsAnswer(entry)
    status = fixture_view(entry, phase).get("status")
    if entry.actions is None:
        return error_answer(404, f"Fixture {route.fixture_id} has no actions", path)
    return error_answer(
        409,
        f"Actions for fixture {route.fixture_id} are available once the match is over; it is {status} now",
        path,
    )
