"""How ``ddeflow tail --format table`` lays records out for people.  Pure.

Each kind of topic has fixed columns, so lines align as they arrive (a followed topic has no last row to size the
columns by): partition, offset and the record's time first, then what matters in that topic.  A cell longer than
its column is cut with ``…``.  Records that need a reader's eye carry a ``Mark``:
corrections in ``dde.score-changes``, every dead letter, a feed stream that went down, an action flagged as an
anomaly.  The shell colours a marked line on a terminal; the mark's text is in the line either way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from ddeflow import decode

Item = dict[str, Any]
"""A record as ``ddeflow.decode.view`` gives it."""


class Mark(StrEnum):
    CORRECTION = "CORRECTION"
    DEAD_LETTER = "DEAD LETTER"
    DOWN = "DOWN"
    ANOMALY = "ANOMALY"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    width: int
    cell: Callable[[Item], str]
    right: bool = False


def _value(item: Item) -> dict[str, Any]:
    value = item.get("value")
    return value if isinstance(value, dict) else {}


def _field(name: str) -> Callable[[Item], str]:
    def cell(item: Item) -> str:
        found = _value(item).get(name)
        return "" if found is None else str(found)

    return cell


def _top(name: str) -> Callable[[Item], str]:
    def cell(item: Item) -> str:
        found = item.get(name)
        return "" if found is None else str(found)

    return cell


def _header(name: str) -> Callable[[Item], str]:
    def cell(item: Item) -> str:
        headers = item.get("headers") or {}
        return str(headers.get(name, ""))

    return cell


def _time(item: Item) -> str:
    try:
        moment = datetime.fromisoformat(str(item.get("timestamp")))
    except ValueError:
        return ""
    return moment.strftime("%H:%M:%S.%f")[:-3]


def _change(before_home: str, before_away: str, home: str, away: str) -> Callable[[Item], str]:
    def cell(item: Item) -> str:
        value = _value(item)
        return f"{value.get(before_home)}-{value.get(before_away)} → {value.get(home)}-{value.get(away)}"

    return cell


def _seconds(name: str) -> Callable[[Item], str]:
    def cell(item: Item) -> str:
        found = _value(item).get(name)
        return "" if found is None else f"{found / 1000:.1f} s"

    return cell


def _clock(name: str) -> Callable[[Item], str]:
    """An ISO time field as its time of day (UTC as written)."""

    def cell(item: Item) -> str:
        found = _value(item).get(name)
        return "" if found is None else str(found)[11:23]

    return cell


_ID = 36
"""The feed's fixture and action ids are UUIDs: shown whole, since people copy them into ``--fixture``."""

_POSITION = (
    Column("p", 2, _top("partition"), right=True),
    Column("offset", 8, _top("offset"), right=True),
    Column("time", 12, _time),
)

LAYOUTS: dict[str, tuple[Column, ...]] = {
    "score_change": (
        Column("fixture", _ID, _top("key")),
        Column("sport", 10, _field("sport")),
        Column("period", 6, _field("period"), right=True),
        Column(
            "period score",
            13,
            _change("previousHomePeriodScore", "previousAwayPeriodScore", "homePeriodScore", "awayPeriodScore"),
        ),
        Column("match score", 13, _change("previousHomeScore", "previousAwayScore", "homeScore", "awayScore")),
        Column("cause", 10, _field("causeSendType")),
        Column("action", 16, _field("causeActionType")),
        Column("seq", 7, _field("fixtureSeqNum"), right=True),
    ),
    "action_state": (
        Column("fixture", _ID, _field("fixtureId")),
        Column("action", _ID, _top("key")),
        Column("type", 18, _field("actionType")),
        Column("status", 10, _field("status")),
        Column("rev", 3, _field("revision"), right=True),
        Column("period", 6, _field("period"), right=True),
        Column("clock", 8, _field("clockTime")),
        Column("seq", 7, _field("fixtureSeqNum"), right=True),
        Column("anomaly", 12, _field("anomaly")),
    ),
    "break_completion": (
        Column("fixture", _ID, _top("key")),
        Column("frame", 5, _field("frame"), right=True),
        Column("break", 5, _field("breakSeq"), right=True),
        Column("player", 20, _field("playerName")),
        Column("points", 6, _field("points"), right=True),
        Column("rev", 3, _field("revision"), right=True),
        Column("ended", 12, _clock("endedAt")),
    ),
    "fixture_event": (
        Column("fixture", _ID, _top("key")),
        Column("sport", 10, _field("sport")),
        Column("event", 23, _field("eventType")),
        Column("previous", 18, _field("previous")),
        Column("current", 18, _field("current")),
        Column("period", 6, _field("period"), right=True),
        Column("seq", 7, _field("fixtureSeqNum"), right=True),
    ),
    "feed_status": (
        Column("fixture", _ID, _top("key")),
        Column("sport", 10, _field("sport")),
        Column("stream", 10, _field("stream")),
        Column("state", 8, _field("state")),
        Column("since", 12, _clock("since")),
        Column("down for", 9, _seconds("downForMs"), right=True),
        Column("position", 8, _field("position"), right=True),
        Column("last seq", 8, _field("lastSeqNum"), right=True),
        Column("healed", 6, _field("gapHealed")),
        Column("reason", 15, _field("reason")),
    ),
    decode.RAW: (
        Column("fixture", _ID, _top("key")),
        Column("source", 8, _header("source")),
        Column("stream", 10, _header("stream")),
        Column("pos", 6, _header("stream-position"), right=True),
        Column("bytes", 7, lambda item: str(len(str(item.get("value", "")))), right=True),
    ),
    decode.DLQ: (
        Column("fixture", _ID, _top("key")),
        Column("reason", 14, _header("dlq.reason")),
        Column("origin", 12, _header("dlq.origin")),
        Column("field", 24, _header("dlq.field")),
        Column("detail", 40, _header("dlq.detail")),
    ),
}
_FALLBACK = (Column("key", 24, _top("key")),)


def columns(layout: str) -> tuple[Column, ...]:
    """The columns of a topic whose records are of ``layout`` (a schema name, ``decode.RAW`` or ``decode.DLQ``)."""
    return _POSITION + LAYOUTS.get(layout, _FALLBACK)


def _fit(text: str, column: Column) -> str:
    if len(text) > column.width:
        text = text[: column.width - 1] + "…"
    return text.rjust(column.width) if column.right else text.ljust(column.width)


def header(layout: tuple[Column, ...]) -> str:
    return "  ".join(_fit(column.name, column) for column in layout) + "  note"


def mark(item: Item, layout: str) -> Mark | None:
    value = _value(item)
    if layout == decode.DLQ:
        return Mark.DEAD_LETTER
    if layout == "score_change" and value.get("isCorrection"):
        return Mark.CORRECTION
    if layout == "feed_status" and value.get("state") == "down":
        return Mark.DOWN
    if layout == "action_state" and value.get("anomaly"):
        return Mark.ANOMALY
    return None


def line(item: Item, layout: tuple[Column, ...], note: Mark | None) -> str:
    """One record as a line under ``header(layout)``: every column padded to its width, the mark last."""
    cells = [_fit(column.cell(item), column) for column in layout]
    return ("  ".join(cells) + ("  " + note.value if note is not None else "")).rstrip()


def keeps(item: Item, fixture_id: str | None) -> bool:
    """Whether ``--fixture`` keeps the record: its key, or its value's fixtureId (action states are keyed by
    actionId)."""
    if fixture_id is None:
        return True
    return item.get("key") == fixture_id or _value(item).get("fixtureId") == fixture_id
