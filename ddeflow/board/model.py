"""The board's rows, folded from derived records.  Pure: no I/O, no clock (times come in as arguments).

Each derived record, as ``ddeflow.decode.view`` shows it (timestamps as ISO-8601 text), updates
one fixture's row.  Records of one fixture arrive in order within a topic, but the topics are read
side by side, so what depends on "latest" (clock, period, last event) follows ``fixtureSeqNum``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ddeflow import topics

FeedState = Literal["up", "down", "finished"]
FEED_STATES: tuple[FeedState, ...] = ("up", "down", "finished")
_PERIOD_WORD = {"basketball": "quarter", "soccer": "half", "volleyball": "set", "snooker": "frame"}
ACTIONS_PREFIX = "dde.actions."


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """What the producer last said about one stream of a fixture (topic ``dde.feed-status``)."""

    fixture_id: str
    state: FeedState
    since_ms: int
    """When the stream entered ``state`` (the record's ``since``, else its timestamp)."""
    stream: str = "actions"


Pair = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Change:
    """One score change: the period's score and the match score, before and after.

    Kept as numbers and named when drawn: the period's label may only arrive later, on another topic.
    """

    period: int
    before: Pair
    after: Pair
    match_before: Pair
    match_after: Pair


@dataclass(frozen=True, slots=True)
class Correction:
    change: Change
    cause: str
    """The causing packet's sendType (Updated, Deleted...)."""
    at_ms: int
    """When the correction was committed (the derived record's timestamp)."""


@dataclass(frozen=True, slots=True)
class FixtureRow:
    fixture_id: str
    sport: str = ""
    teams: tuple[str, ...] = ()
    """Team ids in the order the action states named them (the derived records do not say which is home)."""
    team_names: Mapping[str, str] = field(default_factory=dict)
    """Names the derived records carry (snooker break completions name their player)."""
    status: str = ""
    period: int | None = None
    period_labels: Mapping[int, str] = field(default_factory=dict)
    clock: str = ""
    home: int = 0
    away: int = 0
    score_period: int | None = None
    period_home: int = 0
    period_away: int = 0
    last_change: Change | None = None
    last_event: str = ""
    last_seq: int = -1
    """fixtureSeqNum of what set clock, period and last event."""
    score_changes: int = 0
    corrections: int = 0
    latest_correction: Correction | None = None
    breaks: int = 0
    feed: Mapping[str, FeedStatus] = field(default_factory=dict)
    """The latest status of each of the fixture's streams (actions, statistics)."""

    def period_name(self, period: int) -> str:
        label = self.period_labels.get(period)
        return label if label else f"{_PERIOD_WORD.get(self.sport, 'period')} {period}"


@dataclass(frozen=True, slots=True)
class Derived:
    """One decoded derived record: the topic's name without the prefix, its value and its timestamp."""

    topic: str
    value: Mapping[str, Any]
    timestamp_ms: int


@dataclass(frozen=True, slots=True)
class Board:
    rows: Mapping[str, FixtureRow] = field(default_factory=dict)

    def ordered(self) -> list[FixtureRow]:
        return sorted(self.rows.values(), key=lambda r: (r.sport, r.fixture_id))


def change_of(value: Mapping[str, Any]) -> Change:
    return Change(
        period=int(value["period"]),
        before=(int(value["previousHomePeriodScore"]), int(value["previousAwayPeriodScore"])),
        after=(int(value["homePeriodScore"]), int(value["awayPeriodScore"])),
        match_before=(int(value["previousHomeScore"]), int(value["previousAwayScore"])),
        match_after=(int(value["homeScore"]), int(value["awayScore"])),
    )


def change_text(row: FixtureRow, change: Change | None) -> str:
    """What changed, and only that (``1st set: 6-4 → 7-4``), with the match score when it moved too."""
    if change is None:
        return ""
    parts = []
    if change.before != change.after:
        before, after = change.before, change.after
        parts.append(f"{row.period_name(change.period)}: {before[0]}-{before[1]} → {after[0]}-{after[1]}")
    if change.match_before != change.match_after or not parts:
        before, after = change.match_before, change.match_after
        parts.append(f"match: {before[0]}-{before[1]} → {after[0]}-{after[1]}")
    return ", ".join(parts)


def correction_text(row: FixtureRow) -> str:
    fix = row.latest_correction
    return "" if fix is None else f"{change_text(row, fix.change)} ({fix.cause})"


def _with_team(row: FixtureRow, team_id: str | None) -> FixtureRow:
    if not team_id or team_id in row.teams:
        return row
    return dataclasses.replace(row, teams=(*row.teams, team_id))


def _later(row: FixtureRow, value: Mapping[str, Any]) -> bool:
    return int(value.get("fixtureSeqNum", -1)) >= row.last_seq


def _score_change(row: FixtureRow, value: Mapping[str, Any], at_ms: int) -> FixtureRow:
    change = change_of(value)
    row = dataclasses.replace(
        row,
        home=int(value["homeScore"]),
        away=int(value["awayScore"]),
        score_period=int(value["period"]),
        period_home=int(value["homePeriodScore"]),
        period_away=int(value["awayPeriodScore"]),
        last_change=change,
        score_changes=row.score_changes + 1,
    )
    if value.get("isCorrection"):
        row = dataclasses.replace(
            row,
            corrections=row.corrections + 1,
            latest_correction=Correction(change, str(value["causeSendType"]), at_ms),
        )
    return row


def _action_state(row: FixtureRow, value: Mapping[str, Any]) -> FixtureRow:
    row = _with_team(row, value.get("teamId"))
    if not _later(row, value):
        return row
    label = value.get("actionType") or f"type {value.get('actionTypeId')}"
    status = value.get("status")
    return dataclasses.replace(
        row,
        clock=value.get("clockTime") or row.clock,
        period=int(value["period"]) if value.get("period") else row.period,
        last_event=label if status == "Confirmed" else f"{label} ({status})",
        last_seq=int(value["fixtureSeqNum"]),
    )


def _fixture_event(row: FixtureRow, value: Mapping[str, Any]) -> FixtureRow:
    kind = value.get("eventType")
    period = value.get("period")
    if kind in ("PeriodStarted", "PeriodEnded") and period is not None and value.get("current"):
        row = dataclasses.replace(row, period_labels={**row.period_labels, int(period): str(value["current"])})
    if kind == "StatusChanged" and value.get("current"):
        row = dataclasses.replace(row, status=str(value["current"]))
    if kind == "CollectionStatusChanged" or not _later(row, value):
        return row
    if kind == "PeriodStarted" and period is not None:
        row = dataclasses.replace(row, period=int(period))
    text = {
        "StatusChanged": f"status {value.get('current')}",
        "PeriodStarted": f"{row.period_name(int(period or 0))} started",
        "PeriodEnded": f"{row.period_name(int(period or 0))} ended",
        "Finished": "finished",
    }.get(str(kind), str(kind))
    return dataclasses.replace(row, last_event=text, last_seq=int(value["fixtureSeqNum"]))


def _break(row: FixtureRow, value: Mapping[str, Any]) -> FixtureRow:
    names = dict(row.team_names)
    if value.get("playerName"):
        names[str(value["playerId"])] = str(value["playerName"])
    row = _with_team(row, value.get("playerId"))
    return dataclasses.replace(
        row, team_names=names, breaks=row.breaks + (1 if value.get("revision") == 1 else 0), sport="snooker"
    )


def _millis(text: object) -> int | None:
    if not isinstance(text, str):
        return None
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


def feed_status(value: Mapping[str, Any], timestamp_ms: int) -> FeedStatus | None:
    """A ``dde.feed-status`` value as the board's model; None when its state is not one the board knows."""
    state = str(value.get("state", "")).lower()
    if state not in FEED_STATES or not value.get("fixtureId"):
        return None
    since = _millis(value.get("since"))
    stream = str(value.get("stream") or "actions")
    return FeedStatus(str(value["fixtureId"]), state, timestamp_ms if since is None else since, stream)


def _feed(row: FixtureRow, value: Mapping[str, Any], timestamp_ms: int) -> FixtureRow:
    status = feed_status(value, timestamp_ms)
    if status is None:
        return row
    return dataclasses.replace(row, feed={**row.feed, status.stream: status})


def feed_summary(row: FixtureRow) -> FeedStatus | None:
    """The fixture's feed as one status: down while any stream is down (since the earliest), finished once every
    stream finished, else up; None before any status."""
    statuses = list(row.feed.values())
    down = [s for s in statuses if s.state == "down"]
    if down:
        return min(down, key=lambda s: s.since_ms)
    if statuses and all(s.state == "finished" for s in statuses):
        return max(statuses, key=lambda s: s.since_ms)
    return next((s for s in statuses if s.state == "up"), None)


def apply(board: Board, record: Derived, feed_topic: str | None = None) -> Board:
    """The board after one derived record (records of other topics leave it as it was)."""
    value, name = record.value, record.topic
    fixture_id = value.get("fixtureId")
    if not isinstance(fixture_id, str):
        return board
    row = board.rows.get(fixture_id) or FixtureRow(fixture_id)
    if value.get("sport") and not row.sport:
        row = dataclasses.replace(row, sport=str(value["sport"]))
    if name == topics.SCORE_CHANGES:
        row = _score_change(row, value, record.timestamp_ms)
    elif name.startswith(ACTIONS_PREFIX):
        row = _action_state(row, value)
    elif name == topics.FIXTURE_EVENTS:
        row = _fixture_event(row, value)
    elif name == topics.BREAK_COMPLETIONS:
        row = _break(row, value)
    elif feed_topic is not None and name == feed_topic:
        row = _feed(row, value, record.timestamp_ms)
    else:
        return board
    return Board({**board.rows, fixture_id: row})


def build(records: Iterable[Derived], feed_topic: str | None = None) -> Board:
    board = Board()
    for record in records:
        board = apply(board, record, feed_topic)
    return board


def selected(board: Board, *, sport: str | None = None, fixture: str | None = None) -> list[FixtureRow]:
    """The rows to show under ``--sport`` and ``--fixture`` (a fixture id or its first characters)."""
    return [
        row
        for row in board.ordered()
        if (sport is None or row.sport == sport) and (fixture is None or row.fixture_id.startswith(fixture))
    ]
