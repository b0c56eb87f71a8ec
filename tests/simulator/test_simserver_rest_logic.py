"""REST answers, filters and paging over in-memory fixtures: pure, no I/O."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ddeflow.dde.sports import Sport
from ddeflow.simulator.server.catalog import Catalog, FixtureEntry, StreamFile
from ddeflow.simulator.server.control import answer_control
from ddeflow.simulator.server.faults import FaultBook
from ddeflow.simulator.server.rest import (
    ActionsAnswer,
    FixtureClock,
    HttpAnswer,
    ListQuery,
    answer_rest,
    fixture_view,
    matches,
    page_of,
    parse_list_query,
)
from ddeflow.simulator.server.routes import (
    ControlRoute,
    ControlTarget,
    FixtureActionsRoute,
    FixtureListRoute,
    FixtureRoute,
    QueryError,
    StreamKind,
)
from ddeflow.simulator.server.timeline import Phase


def entry(
    fixture_id: str,
    *,
    start: str = "2026-05-06T17:00:00",
    end_rel_s: float | None = 100.0,
    final_status: str | None = "Completed",
    kind: str = "Official",
    sport: Sport = Sport.BASKETBALL,
) -> FixtureEntry:
    fixture = {
        "id": fixture_id,
        "name": f"Match {fixture_id}",
        "status": "Scheduled",
        "type": kind,
        "coverageLevel": "Full",
        "startDateUTC": start,
    }
    actions = (
        StreamFile(StreamKind.ACTIONS, Path("/nonexistent") / fixture_id, end_rel_s) if end_rel_s is not None else None
    )
    return FixtureEntry(
        sport,
        fixture_id,
        fixture,
        Path("/nonexistent"),
        0.0,
        actions,
        None,
        final_status,
        "PostMatchChecked" if final_status else None,
    )


def body(answer: HttpAnswer | ActionsAnswer) -> Any:
    assert isinstance(answer, HttpAnswer)
    return json.loads(answer.body)


def test_fixture_view_follows_the_phase() -> None:
    e = entry("a")
    assert fixture_view(e, Phase.SCHEDULED)["status"] == "Scheduled"
    assert fixture_view(e, Phase.LIVE) == {**e.fixture, "status": "Live", "collectionStatus": "CollectingLive"}
    over = fixture_view(e, Phase.OVER)
    assert (over["status"], over["collectionStatus"]) == ("Completed", "PostMatchChecked")
    abandoned = fixture_view(entry("b", final_status="Abandoned"), Phase.OVER)
    assert abandoned["status"] == "Abandoned"
    assert fixture_view(entry("c", final_status=None), Phase.OVER)["status"] == "Completed"
    assert fixture_view(e, None)["status"] == "Scheduled"  # no actions: fixture.json as is


def test_clock_phases_per_fixture() -> None:
    clock = FixtureClock({"a": 0.0, "b": 5.0}, time_scale=0.01, now_s=1.5)
    assert clock.phase(entry("a", end_rel_s=100)) is Phase.OVER
    assert clock.phase(entry("a", end_rel_s=200)) is Phase.LIVE
    assert clock.phase(entry("b")) is Phase.SCHEDULED
    assert clock.phase(entry("a", end_rel_s=None)) is None


def test_parse_list_query() -> None:
    q = parse_list_query(
        {
            "live": ["TRUE"],
            "status": ["Live,completed"],
            "size": ["5"],
            "page": ["2"],
            "sort": ["name,desc"],
            "dateFrom": ["2026-05-06"],
            "dateTo": ["2026-05-06"],
            "type": ["official"],
        }
    )
    assert q.live is True
    assert q.statuses == frozenset({"live", "completed"})
    assert (q.size, q.page, q.sort_field, q.descending) == (5, 2, "name", True)
    assert q.date_to_s is not None and q.date_from_s is not None
    assert q.date_to_s - q.date_from_s == pytest.approx(86400, abs=1e-3)
    assert parse_list_query({}) == ListQuery()


@pytest.mark.parametrize(
    "query",
    [
        {"live": ["yes"]},
        {"size": ["0"]},
        {"size": ["1001"]},
        {"page": ["-1"]},
        {"sort": ["colour"]},
        {"sort": ["name,up"]},
        {"dateFrom": ["tomorrow"]},
        {"size": ["ten"]},
    ],
)
def test_parse_list_query_refusals(query: dict[str, list[str]]) -> None:
    with pytest.raises(QueryError):
        parse_list_query(query)


def test_filters() -> None:
    live = {"id": "a", "status": "Live", "type": "Official", "startDateUTC": "2026-05-06T17:00:00"}
    assert matches(live, ListQuery(live=True))
    assert not matches(live, ListQuery(live=False))
    assert matches(live, ListQuery(statuses=frozenset({"live"})))
    assert not matches(live, ListQuery(types=frozenset({"simulation"})))
    day = 1778025600.0  # 2026-05-06T00:00:00Z
    assert matches(live, ListQuery(date_from_s=day, date_to_s=day + 86399))
    assert not matches(live, ListQuery(date_from_s=day + 86400))
    assert not matches({"id": "x"}, ListQuery(date_from_s=day))
    assert not matches(live, ListQuery(subscribed=False))


views = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.uuids().map(str),
            "name": st.text(max_size=5),
            "startDateUTC": st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1)).map(
                lambda d: d.strftime("%Y-%m-%dT%H:%M:%S")
            ),
            "status": st.sampled_from(["Live", "Scheduled", "Completed"]),
        }
    ),
    max_size=40,
    unique_by=lambda v: v["id"],
)


@given(views, st.integers(1, 7), st.sampled_from(["startDateUTC", "name", "id"]), st.booleans())
def test_pages_cover_every_match_once_in_order(items: list[dict[str, Any]], size: int, field: str, desc: bool) -> None:
    pages = []
    number = 0
    while True:
        page = page_of(items, ListQuery(size=size, page=number, sort_field=field, descending=desc))
        pages.append(page)
        assert page["totalElements"] == len(items)
        assert page["numberOfElements"] == len(page["content"]) <= size
        if page["last"]:
            break
        number += 1
    seen = [v["id"] for page in pages for v in page["content"]]
    assert sorted(seen) == sorted(v["id"] for v in items)
    assert len(pages) == max(1, pages[0]["totalPages"])
    if field == "startDateUTC" and not desc:
        starts = [v["startDateUTC"] for page in pages for v in page["content"]]
        assert starts == sorted(starts)


def test_answers() -> None:
    catalog = Catalog(
        [
            entry("a", start="2026-05-06T18:00:00"),
            entry("b", end_rel_s=1000.0),
            entry("z", sport=Sport.SOCCER),
        ]
    )
    clock = FixtureClock({"a": 0.0, "b": 0.0, "z": 0.0}, time_scale=0.01, now_s=2.0)
    listing = body(
        answer_rest(FixtureListRoute(Sport.BASKETBALL), {}, path="/p", paged=True, catalog=catalog, clock=clock)
    )
    assert [v["id"] for v in listing["content"]] == ["b", "a"]
    assert [v["status"] for v in listing["content"]] == ["Live", "Completed"]
    assert listing["pageable"]["pageSize"] == 20
    bare = body(
        answer_rest(
            FixtureListRoute(Sport.BASKETBALL),
            {"live": ["true"]},
            path="/p",
            paged=False,
            catalog=catalog,
            clock=clock,
        )
    )
    assert [v["id"] for v in bare] == ["b"]
    bad = answer_rest(
        FixtureListRoute(Sport.BASKETBALL),
        {"size": ["0"]},
        path="/p",
        paged=True,
        catalog=catalog,
        clock=clock,
    )
    assert isinstance(bad, HttpAnswer) and bad.status == 400
    assert (
        body(answer_rest(FixtureRoute(Sport.BASKETBALL, "b"), {}, path="/p", paged=True, catalog=catalog, clock=clock))[
            "status"
        ]
        == "Live"
    )
    missing = answer_rest(FixtureRoute(Sport.BASKETBALL, "z"), {}, path="/p", paged=True, catalog=catalog, clock=clock)
    assert isinstance(missing, HttpAnswer) and missing.status == 404  # z is soccer
    assert isinstance(
        answer_rest(
            FixtureActionsRoute(Sport.BASKETBALL, "a"),
            {},
            path="/p",
            paged=True,
            catalog=catalog,
            clock=clock,
        ),
        ActionsAnswer,
    )
    early = answer_rest(
        FixtureActionsRoute(Sport.BASKETBALL, "b"), {}, path="/p", paged=True, catalog=catalog, clock=clock
    )
    assert isinstance(early, HttpAnswer) and early.status == 409
    assert "Live" in body(early)["message"]


def test_control_answers() -> None:
    book = FaultBook()

    def ask(target: ControlTarget, method: str, query: dict[str, list[str]]) -> HttpAnswer:
        return answer_control(
            ControlRoute(target),
            method,
            query,
            path="/_sim/x",
            faults=book,
            fixture_exists=lambda f: f == "known",
            stats=lambda: {"ok": 1},
        )

    faults = ControlTarget.FAULTS
    set_one = ask(faults, "POST", {"fixture": ["known"], "drop_after_packets": ["2"]})
    assert body(set_one) == {"global": {}, "fixtures": {"known": {"drop_after_packets": 2}}}
    assert ask(faults, "POST", {"fixture": ["nope"], "drop_after_packets": ["2"]}).status == 404
    assert ask(faults, "POST", {"bogus": ["2"]}).status == 400
    ask(faults, "POST", {"silence_s": ["1"]})
    assert body(ask(faults, "GET", {}))["global"] == {"silence_s": 1.0}
    ask(faults, "DELETE", {"fixture": ["known"]})
    assert book.snapshot() == {"global": {"silence_s": 1.0}, "fixtures": {}}
    ask(faults, "DELETE", {"all": ["true"]})
    assert book.snapshot() == {"global": {}, "fixtures": {}}
    assert ask(faults, "PUT", {}).status == 405
    assert body(ask(ControlTarget.STATS, "GET", {})) == {"ok": 1}
    assert ask(ControlTarget.STATS, "POST", {}).status == 405
