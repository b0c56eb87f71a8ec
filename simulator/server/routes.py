"""Which resource a request path names, and the stream query parameters.  Pure: no I/O.

Paths the simulator answers (``{feed}`` is a sport's feed path: ``basketball``,
``soccer``, ``snooker`` or ``v2/volleyball``)::

    websocket  /{feed}/fixtures/{id}/actions          StreamRoute(kind=ACTIONS)
               /{feed}/fixtures/{id}/statistics       StreamRoute(kind=STATISTICS)
               /media/{feed}/fixtures/{id}/...        the same, media=True
    REST       /{feed}/fixtures                       FixtureListRoute
               /{feed}/fixtures/{id}                  FixtureRoute
               /{feed}/fixtures/{id}/actions          FixtureActionsRoute
    control    /_sim/faults, /_sim/stats              ControlRoute

The websocket and REST ``/actions`` paths are the same string (the real feed
serves them from two hosts); the shell tells them apart by the ``Upgrade``
header.  Query: ``startPosition`` (int >= 0, default 0) and ``speed``
(``fast`` | ``normal``, default ``normal``, case-insensitive); anything else is
ignored, as a web service would.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, unquote, urlsplit

from ddeflow.dde.sports import Sport
from ddeflow.errors import UnknownSportError

MEDIA_PREFIX = "media"
CONTROL_PREFIX = "_sim"


class StreamKind(StrEnum):
    ACTIONS = "actions"
    STATISTICS = "statistics"


class Speed(StrEnum):
    NORMAL = "normal"
    FAST = "fast"


class ControlTarget(StrEnum):
    FAULTS = "faults"
    STATS = "stats"


_STREAM_KINDS = frozenset(kind.value for kind in StreamKind)
_CONTROL_TARGETS = frozenset(target.value for target in ControlTarget)


@dataclass(frozen=True, slots=True)
class StreamRoute:
    sport: Sport
    fixture_id: str
    kind: StreamKind
    media: bool


@dataclass(frozen=True, slots=True)
class FixtureListRoute:
    sport: Sport


@dataclass(frozen=True, slots=True)
class FixtureRoute:
    sport: Sport
    fixture_id: str


@dataclass(frozen=True, slots=True)
class FixtureActionsRoute:
    sport: Sport
    fixture_id: str


@dataclass(frozen=True, slots=True)
class ControlRoute:
    target: ControlTarget


@dataclass(frozen=True, slots=True)
class UnknownRoute:
    path: str


RestRoute = FixtureListRoute | FixtureRoute | FixtureActionsRoute


@dataclass(frozen=True, slots=True)
class StreamQuery:
    start_position: int = 0
    speed: Speed = Speed.NORMAL


class QueryError(ValueError):
    """A query parameter has a value the simulator refuses (answered with HTTP 400)."""


def split_target(target: str) -> tuple[str, dict[str, list[str]]]:
    """A request target (``/path?query``) as its decoded path and its query parameters."""
    parts = urlsplit(target)
    return unquote(parts.path), parse_qs(parts.query, keep_blank_values=True)


def _segments(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment]


def _sport_and_rest(segments: list[str]) -> tuple[Sport, list[str]] | None:
    # Feed paths have one or two segments (``v2/volleyball``); try the longer one first.
    for width in (2, 1):
        if len(segments) < width:
            continue
        try:
            sport = Sport.from_feed_path("/".join(segments[:width]))
        except UnknownSportError:
            continue
        return sport, segments[width:]
    return None


def parse_stream_path(path: str) -> StreamRoute | UnknownRoute:
    """The websocket stream a path names, or ``UnknownRoute``."""
    segments = _segments(path)
    media = bool(segments) and segments[0] == MEDIA_PREFIX
    found = _sport_and_rest(segments[1:] if media else segments)
    if found is not None:
        sport, rest = found
        if len(rest) == 3 and rest[0] == "fixtures" and rest[2] in _STREAM_KINDS:
            return StreamRoute(sport, rest[1], StreamKind(rest[2]), media)
    return UnknownRoute(path)


def parse_http_path(path: str) -> RestRoute | ControlRoute | UnknownRoute:
    """The REST resource or control endpoint a path names, or ``UnknownRoute``."""
    segments = _segments(path)
    if len(segments) == 2 and segments[0] == CONTROL_PREFIX:
        if segments[1] in _CONTROL_TARGETS:
            return ControlRoute(ControlTarget(segments[1]))
        return UnknownRoute(path)
    found = _sport_and_rest(segments)
    if found is None:
        return UnknownRoute(path)
    sport, rest = found
    if rest == ["fixtures"]:
        return FixtureListRoute(sport)
    if len(rest) == 2 and rest[0] == "fixtures":
        return FixtureRoute(sport, rest[1])
    if len(rest) == 3 and rest[0] == "fixtures" and rest[2] == "actions":
        return FixtureActionsRoute(sport, rest[1])
    return UnknownRoute(path)


def last_value(query: dict[str, list[str]], name: str) -> str | None:
    """The last value given for ``name``, or None when absent."""
    values = query.get(name)
    return values[-1] if values else None


def parse_stream_query(query: dict[str, list[str]]) -> StreamQuery:
    """``startPosition`` and ``speed``; raises ``QueryError`` for values the feed would refuse."""
    raw_start = last_value(query, "startPosition")
    start = 0
    if raw_start is not None and raw_start != "":
        try:
            start = int(raw_start)
        except ValueError:
            raise QueryError(f"startPosition must be a non-negative integer, got {raw_start!r}") from None
        if start < 0:
            raise QueryError(f"startPosition must be a non-negative integer, got {raw_start!r}")
    raw_speed = last_value(query, "speed")
    speed = Speed.NORMAL
    if raw_speed is not None and raw_speed != "":
        try:
            speed = Speed(raw_speed.lower())
        except ValueError:
            raise QueryError(f"speed must be 'fast' or 'normal', got {raw_speed!r}") from None
    return StreamQuery(start, speed)
