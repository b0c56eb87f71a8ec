"""Path and query parsing for the simulator: pure, no I/O."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ddeflow.dde.sports import Sport
from ddeflow.simulator.server.routes import (
    ControlRoute,
    ControlTarget,
    FixtureActionsRoute,
    FixtureListRoute,
    FixtureRoute,
    QueryError,
    Speed,
    StreamKind,
    StreamRoute,
    UnknownRoute,
    parse_http_path,
    parse_stream_path,
    parse_stream_query,
    split_target,
)

FID = "2ed1cba1-7cf8-4ba2-8a8e-fe248c3e8452"


@pytest.mark.parametrize(
    ("path", "sport"),
    [
        (f"/basketball/fixtures/{FID}/actions", Sport.BASKETBALL),
        (f"/soccer/fixtures/{FID}/actions", Sport.SOCCER),
        (f"/v2/volleyball/fixtures/{FID}/actions", Sport.VOLLEYBALL),
        (f"/snooker/fixtures/{FID}/actions", Sport.SNOOKER),
    ],
)
def test_stream_paths_of_every_sport(path: str, sport: Sport) -> None:
    assert parse_stream_path(path) == StreamRoute(sport, FID, StreamKind.ACTIONS, media=False)


def test_media_prefix_and_statistics() -> None:
    route = parse_stream_path(f"/media/snooker/fixtures/{FID}/statistics")
    assert route == StreamRoute(Sport.SNOOKER, FID, StreamKind.STATISTICS, media=True)
    assert parse_stream_path(f"/media/v2/volleyball/fixtures/{FID}/actions") == StreamRoute(
        Sport.VOLLEYBALL, FID, StreamKind.ACTIONS, media=True
    )


@pytest.mark.parametrize(
    "path",
    [
        f"/volleyball/fixtures/{FID}/actions",  # the feed path is v2/volleyball
        f"/cricket/fixtures/{FID}/actions",
        f"/basketball/fixtures/{FID}/lineups",
        f"/basketball/fixtures/{FID}",
        f"/basketball/fixtures/{FID}/actions/extra",
        f"/media/media/basketball/fixtures/{FID}/actions",
        "/",
        "",
    ],
)
def test_unknown_stream_paths(path: str) -> None:
    assert isinstance(parse_stream_path(path), UnknownRoute)


def test_rest_paths() -> None:
    assert parse_http_path("/basketball/fixtures") == FixtureListRoute(Sport.BASKETBALL)
    assert parse_http_path("/v2/volleyball/fixtures/") == FixtureListRoute(Sport.VOLLEYBALL)
    assert parse_http_path(f"/soccer/fixtures/{FID}") == FixtureRoute(Sport.SOCCER, FID)
    assert parse_http_path(f"/snooker/fixtures/{FID}/actions") == FixtureActionsRoute(Sport.SNOOKER, FID)
    assert parse_http_path("/_sim/faults") == ControlRoute(ControlTarget.FAULTS)
    assert parse_http_path("/_sim/stats") == ControlRoute(ControlTarget.STATS)


@pytest.mark.parametrize(
    "path",
    [
        "/_sim/other",
        "/_sim",
        "/volleyball/fixtures",
        f"/basketball/fixtures/{FID}/statistics",
        "/media/soccer/fixtures",
    ],
)
def test_unknown_rest_paths(path: str) -> None:
    assert isinstance(parse_http_path(path), UnknownRoute)


def test_split_target_decodes_path_and_query() -> None:
    path, query = split_target("/basketball/fixtures/a%20b/actions?startPosition=5&speed=fast&x=")
    assert path == "/basketball/fixtures/a b/actions"
    assert query == {"startPosition": ["5"], "speed": ["fast"], "x": [""]}


def test_stream_query_defaults_and_values() -> None:
    assert parse_stream_query({}) == parse_stream_query({"startPosition": [""], "speed": [""]})
    default = parse_stream_query({})
    assert (default.start_position, default.speed) == (0, Speed.NORMAL)
    query = parse_stream_query({"startPosition": ["1", "7"], "speed": ["FAST"]})
    assert (query.start_position, query.speed) == (7, Speed.FAST)


@pytest.mark.parametrize("raw", [{"startPosition": ["-1"]}, {"startPosition": ["five"]}, {"speed": ["slow"]}])
def test_stream_query_refusals(raw: dict[str, list[str]]) -> None:
    with pytest.raises(QueryError):
        parse_stream_query(raw)


@given(st.integers(min_value=0, max_value=10**12))
def test_start_position_round_trips(position: int) -> None:
    _, query = split_target(f"/x?startPosition={position}")
    assert parse_stream_query(query).start_position == position
