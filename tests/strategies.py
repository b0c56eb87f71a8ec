"""Hypothesis strategies shared by the property tests.

``json_values``: any JSON document.  ``action_wires`` and ``statistics_wires``: packets as the feed sends
them (decoded JSON objects), valid by the spec in ``ddeflow.dde.parse`` but arbitrary within it: optional keys
absent, null or set, unknown enum text, duplicate period ids, extreme integers and timestamps.  Ids and
sequence numbers come from small pools, so that re-deliveries, stale re-sends and an actionId shared by two
fixtures are frequent.  ``wire_bytes`` is the frame: compact JSON in UTF-8.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from ddeflow.dde.enums import CollectionStatus, FixtureStatus, PeriodType, SendType

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)

FIXTURE_IDS = ("fx-1", "fx-2")
ACTION_IDS = tuple(f"a{i}" for i in range(6))
PLAYER_IDS = ("p-1", "p-2", "p-3")

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
INT32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)
SEQ_NUMS = st.integers(min_value=0, max_value=30) | INT64
"""Mostly a small range, so that equal and lower sequence numbers meet; sometimes any 64-bit one."""


def _mostly(small: st.SearchStrategy[int], wide: st.SearchStrategy[int]) -> st.SearchStrategy[int]:
    return st.one_of(small, small, small, wide)


SCORES = _mostly(st.integers(min_value=0, max_value=120), INT32)
PERIOD_IDS = _mostly(st.integers(min_value=0, max_value=6), INT32)
texts = st.sampled_from(["", "x", "Home", "Jos\u00e9", "\u0000", "\U0001f3c0", "a" * 300])
"""A few telling strings, in one draw: a packet draws dozens of values and each draw costs time.
Arbitrary text is the byte-level properties' business."""


def _known_or_any(names: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(names) | texts


_SEND_TYPE_NAMES = [member.wire_name for member in SendType if member is not SendType.UNKNOWN]
_STATUSES = _known_or_any([member.value for member in FixtureStatus])
_COLLECTION_STATUSES = _known_or_any([member.value for member in CollectionStatus])
_PERIOD_TYPES = _known_or_any([member.value for member in PeriodType])

_T0 = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
_EXTREME_TIMES = [
    "0001-01-02T00:00:00",
    "0001-01-02T00:00:00+14:00",
    "9999-12-30T23:59:59.999999",
    "9999-12-30T23:59:59-12:00",
    "1970-01-01T00:00:00Z",
    "2026-03-01",
    "2026-03-01T18:00:00.1234567+02:00",
]
timestamps = st.one_of(
    st.integers(min_value=0, max_value=4 * 3600).map(lambda s: (_T0 + timedelta(seconds=s)).isoformat()),
    st.sampled_from(_EXTREME_TIMES),
)
"""Mostly times within a match, sometimes the extremes of the ISO range (in one or two draws)."""


def _maybe(draw: st.DrawFn, target: dict[str, Any], key: str, values: st.SearchStrategy[Any]) -> None:
    """Set an optional key: absent, null, or a drawn value (absent and null mean the same)."""
    choice = draw(st.integers(min_value=0, max_value=3))
    if choice == 1:
        target[key] = None
    elif choice >= 2:
        target[key] = draw(values)


@st.composite
def _periods(draw: st.DrawFn) -> dict[str, Any]:
    period: dict[str, Any] = {"id": draw(PERIOD_IDS)}
    _maybe(draw, period, "label", texts)
    _maybe(draw, period, "type", _PERIOD_TYPES)
    _maybe(draw, period, "start", timestamps)
    _maybe(draw, period, "end", timestamps)
    for key in ("homeTeamScore", "awayTeamScore", "homeTeamPeriodScore", "awayTeamPeriodScore"):
        _maybe(draw, period, key, SCORES)
    return period


@st.composite
def _summaries(draw: st.DrawFn) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    _maybe(draw, summary, "homeTeamScore", SCORES)
    _maybe(draw, summary, "awayTeamScore", SCORES)
    _maybe(draw, summary, "finished", st.booleans())
    _maybe(draw, summary, "currentPeriod", PERIOD_IDS)
    _maybe(draw, summary, "currentStatus", _STATUSES)
    _maybe(draw, summary, "collectionStatus", _COLLECTION_STATUSES)
    _maybe(draw, summary, "currentClockState", _known_or_any(["running", "stopped"]))
    _maybe(draw, summary, "periods", st.lists(_periods(), max_size=3))
    return summary


@st.composite
def _fixture_actions(draw: st.DrawFn, fixture_ids: tuple[str, ...], shared_action_ids: bool) -> dict[str, Any]:
    fixture_id = draw(st.sampled_from(fixture_ids))
    action_id = draw(st.sampled_from(ACTION_IDS))
    action: dict[str, Any] = {
        "actionId": action_id if shared_action_ids else f"{fixture_id}/{action_id}",
        "fixtureId": fixture_id,
        "fixtureSeqNum": draw(SEQ_NUMS),
        "fixtureActionTypeId": draw(_mostly(st.sampled_from([22, 210, 211, 231]), INT32)),
        "period": draw(PERIOD_IDS),
        "timestamp": draw(timestamps),
    }
    send = draw(st.sampled_from(["id", "name", "both"]))
    if send != "name":
        action["sendTypeId"] = draw(_mostly(st.integers(min_value=0, max_value=7), INT32))
    if send != "id":
        action["sendType"] = draw(_known_or_any(_SEND_TYPE_NAMES))
    _maybe(draw, action, "fixtureActionType", texts)
    _maybe(draw, action, "fixtureActionSubTypeId", _mostly(st.integers(min_value=0, max_value=9), INT32))
    _maybe(draw, action, "fixtureActionSubType", texts)
    _maybe(draw, action, "clockTime", texts)
    _maybe(draw, action, "relatedFixtureActionIds", st.lists(st.sampled_from(ACTION_IDS) | texts, max_size=3))
    _maybe(draw, action, "team", st.fixed_dictionaries({"id": texts}, optional={"name": texts}))
    _maybe(draw, action, "player", st.fixed_dictionaries({"id": st.sampled_from(PLAYER_IDS) | texts}))
    _maybe(draw, action, "metadata", st.just({"kept": [1, {"as": None}], "sent": "x"}))
    return action


@st.composite
def action_wires(
    draw: st.DrawFn, fixture_ids: tuple[str, ...] = FIXTURE_IDS, *, shared_action_ids: bool = True
) -> dict[str, Any]:
    """One ``/actions`` packet of one of ``fixture_ids``; unless ``shared_action_ids``, no actionId is used
    by two fixtures."""
    packet: dict[str, Any] = {
        "version": draw(st.sampled_from([2, 3])),
        "fixtureAction": draw(_fixture_actions(fixture_ids, shared_action_ids)),
        "fixtureSummary": draw(_summaries()),
    }
    _maybe(draw, packet, "finished", st.booleans())
    _maybe(draw, packet, "traceId", texts)
    return packet


_BALL_KEYS = ["redBalls", "yellowBalls", "greenBalls", "brownBalls", "blueBalls", "pinkBalls", "blackBalls"]


@st.composite
def _breaks(draw: st.DrawFn) -> dict[str, Any]:
    balls: dict[str, Any] = {}
    for key in _BALL_KEYS:
        _maybe(draw, balls, key, SCORES)
    brk: dict[str, Any] = {
        "score": draw(SCORES),
        "breakSeq": draw(PERIOD_IDS),
        "playerId": draw(st.sampled_from(PLAYER_IDS) | texts),
        "pottedBalls": balls,
        "startTimestamp": draw(timestamps),
        "periodNumber": draw(PERIOD_IDS),
    }
    _maybe(draw, brk, "playerName", texts)
    _maybe(draw, brk, "endTimestamp", timestamps)
    return brk


@st.composite
def statistics_wires(draw: st.DrawFn, fixture_ids: tuple[str, ...] = FIXTURE_IDS) -> dict[str, Any]:
    """One ``/statistics`` snapshot of one of ``fixture_ids``, with or without snooker's breaks."""
    packet: dict[str, Any] = {
        "seqNum": draw(SEQ_NUMS),
        "version": 2,
        "fixtureId": draw(st.sampled_from(fixture_ids)),
        "timestamp": draw(timestamps),
    }
    _maybe(draw, packet, "finished", st.booleans())
    advanced: dict[str, Any] = {}
    _maybe(
        draw,
        advanced,
        "breaksStatistics",
        st.fixed_dictionaries({}, optional={"breaks": st.lists(_breaks(), max_size=3)}),
    )
    _maybe(draw, packet, "advancedSportStatistics", st.just(advanced))
    return packet


def wire_bytes(packet: dict[str, Any]) -> bytes:
    return json.dumps(packet, separators=(",", ":")).encode()


_Path = tuple[str | int, ...]


def json_paths(value: Any, path: _Path = ()) -> list[_Path]:
    """The path of every member and element inside a decoded JSON value."""
    found: list[_Path] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        found.append((*path, key))
        found.extend(json_paths(child, (*path, key)))
    return found


OUT_OF_RANGE = st.sampled_from([2**31, -(2**31) - 1, 2**40, 2**63 - 1, 2**63, -(2**63) - 1, 10**30])
UNPAIRED_SURROGATES = st.sampled_from(["\ud800", "x\udfff", "\udc00\ud800"])
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=8)
"""Any code points, unpaired surrogates included (JSON can escape them; UTF-8 cannot carry them)."""


@st.composite
def edited_wires(draw: st.DrawFn, wires: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    """A valid packet with one member or element replaced (by an out-of-range integer, text no UTF-8 can carry,
    or any JSON value) or removed."""
    wire = draw(wires)
    paths = json_paths(wire)
    path = draw(st.sampled_from(paths))
    parent: Any = wire
    for segment in path[:-1]:
        parent = parent[segment]
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(OUT_OF_RANGE | UNPAIRED_SURROGATES | any_text | json_values)
    return wire
