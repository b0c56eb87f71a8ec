"""Parsing the DDE feed's websocket frames and REST bodies into the models of ``dde``.

Every entry point takes the bytes as received and returns a frozen model or
raises ``PacketError`` (nothing else) with a reason, the dotted path of the
field to blame and the raw bytes.

Wire format
-----------
UTF-8 JSON with camelCase keys.  ``?`` marks a key that may be absent (absent
and ``null`` are treated alike); keys not listed are ignored.  ``int`` excludes
booleans and must fit in 64 bits; ``int32`` must fit in 32 bits (the derived
records carry it as an Avro ``int``); ``number`` is any finite JSON number;
``timestamp`` is ISO 8601, read as UTC when it carries no offset.  A ``string``
read into the model must be valid Unicode (no unpaired surrogate escape)::

    ActionPacket =>                       # an /actions frame; REST /actions sends an array of them
      version => int                      # 2 in the REST sample, 3 on the 2026 websocket samples
      finished? => bool                   # top level in v2; inside fixtureSummary in 2026 v3 samples
      traceId? => string
      fixtureAction => FixtureAction
      fixtureSummary => FixtureSummary
      websocket? => {timestamp? => number, id? => string}    # v3

    FixtureAction =>
      actionId => string                  # shared by every version (re-send) of one action
      fixtureId => string
      fixtureSeqNum => int                # new for every packet; the live order within a fixture
      fixtureActionTypeId => int32        # sport-specific; 2026 samples send Steal as 22
      fixtureActionType? => string
      fixtureActionSubTypeId? => int32
      fixtureActionSubType? => string
      sendTypeId? => int32                # 1 Pending .. 6 Restored; wins over sendType
      sendType? => string                 # at least one of sendTypeId and sendType is required
      period => int32                     # 0 for pre-match actions
      clockTime? => string                # "mm:ss"
      timestamp => timestamp
      timelineSequence? => number
      relatedFixtureActionIds? => [string]
      team? => {id => string, name? => string, homeTeam? => bool}
      player? => {id => string, name? => string}
      metadata? => object                 # kept as sent, read-only

    FixtureSummary =>
      homeTeamScore? => int32             # 0 when absent
      awayTeamScore? => int32             # 0 when absent
      isTied? => bool
      finished? => bool                   # see ActionPacket.finished
      currentPeriod? => int32
      currentStatus? => string            # FixtureStatus; unknown text kept
      collectionStatus? => string         # CollectionStatus; absent in the v2 REST sample
      currentClockTime? => string
      currentClockState? => string        # "running" | "stopped"
      isHomeTeamInPossesion? => bool      # sic
      periods? => [Period]

    Period =>
      id => int32
      label? => string
      type? => string                     # PeriodType: "Regular", "Shootout", ...
      start? => timestamp
      end? => timestamp                   # null while in progress
      homeTeamScore?, awayTeamScore? => int              # cumulative; 0 when absent
      homeTeamPeriodScore?, awayTeamPeriodScore? => int32  # within the period; 0 when absent

    StatisticsPacket =>                   # a /statistics frame
      seqNum => int
      traceId? => string
      version => int
      finished? => bool                   # false when absent
      fixtureId => string
      timestamp => timestamp
      teamActionAggregates? => [{
        team => {id => string, name? => string, homeTeam? => bool or "true"/"false"},
        gameActionAggregates? => [ActionAggregate],
        periodActionAggregates? => [{period => int, label? => string, type? => string,
                                     aggregates? => [ActionAggregate]}],
        playerActionAggregates? => [{player => {id, name?}, gameActionAggregates?, periodActionAggregates?}]}]
      advancedSportStatistics? => {       # snooker's blocks below; any other block kept as sent
        startingStriker? => string,
        breaksStatistics? => {breaks? => [{score => int32, breakSeq => int32, playerId => string,
                                           playerName? => string, pottedBalls => Balls,
                                           startTimestamp => timestamp, endTimestamp? => timestamp|null (in progress),
                                           periodNumber => int32}]},
        remainingBallsStatistics? => {possiblePoints => int, remainingBalls => Balls,
                                      nextExpectedBall? => string},
        averageShotTimeStatistics? => {
          averageShotTimes? => {<id> => duration},
          playersShotTimes? => {<id> => {playerId? => string,
                                         shotTimes? => [{shotStart => timestamp, shotEnd => timestamp,
                                                         duration => duration}]}}}}

    ActionAggregate => {action? => string, actionId => int, actionAggregate => int,
                        subActionAggregates? => [{subAction? => string, subActionId => int,
                                                  subActionAggregate => int}]}
    Balls => {redBalls?, yellowBalls?, greenBalls?, brownBalls?, blueBalls?, pinkBalls?, blackBalls? => int32}
    duration => string "hh:mm:ss.fffffff" (.NET TimeSpan; "-" and "d." prefixes allowed)

    Fixture =>                            # REST /fixtures (an array) and /fixtures/{id}
      id => string
      name?, coverageLevel? => string
      status? => string                   # FixtureStatus
      collectionStatus? => string         # CollectionStatus
      type? => string                     # FixtureType: Official, Simulation, Training
      startDateUTC? => timestamp
      teams? => [{id => string, name? => string}]
      competition?, venue? => object      # kept as sent

Websocket frames
----------------
``classify_frame`` decides what a frame is.  Heartbeats have no documented
shape, so the rule is about what a *data packet attempt* looks like:

1. A frame longer than ``max_bytes`` is rejected (``too_large``), whatever it is.
2. A JSON object with a ``fixtureAction`` key is an action packet; one with
   both ``seqNum`` and ``fixtureId`` is a statistics packet.  Either must then
   parse, or it is a ``PacketError``: a broken packet is never a heartbeat.
3. Any other JSON object is a heartbeat.
4. A frame that is not a JSON object (invalid UTF-8, invalid JSON, or a JSON
   array, string, number...) is a heartbeat, unless its bytes contain
   ``"fixtureAction"``, or both ``"seqNum"`` and ``"fixtureId"``: then it is a
   truncated or corrupted packet and raises (``malformed_json`` or
   ``not_a_packet``).

Error reasons: ``too_large``; ``malformed_json`` (invalid UTF-8, invalid JSON,
including NaN/Infinity and nesting too deep to decode); ``not_a_packet`` (valid
JSON of the wrong shape: an array where an object is expected, an object
without the packet's keys); ``missing_field``; ``wrong_type``; ``bad_value``
(right type, unusable value: unparseable timestamp or duration, integer beyond
64 bits or, for an ``int32``, 32 bits, infinite number, unpaired surrogate).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final, NoReturn, TypeVar

import msgspec

from ddeflow.dde._decode_actions import decode_action_packet
from ddeflow.dde._decode_fixtures import decode_fixture
from ddeflow.dde._decode_statistics import decode_statistics_packet
from ddeflow.dde._fields import BAD_VALUE, FieldError, describe
from ddeflow.dde.actions import ActionPacket
from ddeflow.dde.errors import PacketError
from ddeflow.dde.fixtures import Fixture
from ddeflow.dde.heartbeat import Heartbeat
from ddeflow.dde.statistics import StatisticsPacket

T = TypeVar("T")

MAX_FRAME_BYTES: Final = 4 * 1024 * 1024
"""Default limit for one websocket frame or one REST object."""
MAX_BODY_BYTES: Final = 64 * 1024 * 1024
"""Default limit for a REST array (a whole match of actions, a page of fixtures)."""

TOO_LARGE: Final = "too_large"
MALFORMED_JSON: Final = "malformed_json"
NOT_A_PACKET: Final = "not_a_packet"

_ACTION_MARKER: Final = b'"fixtureAction"'
_SEQ_MARKER: Final = b'"seqNum"'
_FIXTURE_MARKER: Final = b'"fixtureId"'


class _NotJsonError(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


_fast_json = msgspec.json.Decoder()


def _decode(data: bytes) -> Any:
    """The JSON value of ``data`` as the standard library reads it; msgspec first, being several times faster."""
    try:
        return _fast_json.decode(data)
    except (msgspec.DecodeError, RecursionError):
        pass  # the standard library says why, or reads what msgspec refuses (1e400, an unpaired surrogate escape)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _NotJsonError(f"invalid UTF-8 at byte {exc.start}") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise _NotJsonError("JSON nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and int digit limits
        raise _NotJsonError(str(exc)) from None


def _check_size(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise PacketError(TOO_LARGE, f"{len(data)} bytes, limit is {max_bytes}", raw=data)


def _load(data: bytes, max_bytes: int) -> Any:
    _check_size(data, max_bytes)
    try:
        return _decode(data)
    except _NotJsonError as exc:
        raise PacketError(MALFORMED_JSON, exc.detail, raw=data) from None


def _load_object(data: bytes, max_bytes: int, what: str) -> dict[str, Any]:
    obj = _load(data, max_bytes)
    if type(obj) is not dict:
        raise PacketError(NOT_A_PACKET, f"expected a JSON object ({what}), got {describe(obj)}", raw=data)
    return obj


def _load_array(data: bytes, max_bytes: int, what: str) -> list[Any]:
    items = _load(data, max_bytes)
    if type(items) is not list:
        raise PacketError(NOT_A_PACKET, f"expected a JSON array ({what}), got {describe(items)}", raw=data)
    return items


def _build(decode: Callable[[dict[str, Any]], T], obj: dict[str, Any], data: bytes) -> T:
    try:
        return decode(obj)
    except FieldError as exc:
        raise PacketError(exc.reason, exc.detail, field=exc.path, raw=data) from None
    except RecursionError:  # metadata nested deeper than we can copy
        raise PacketError(BAD_VALUE, "JSON nested too deeply", raw=data) from None


def _build_each(decode: Callable[[dict[str, Any]], T], items: list[Any], data: bytes) -> tuple[T, ...]:
    built: list[T] = []
    for index, item in enumerate(items):
        try:
            if type(item) is not dict:
                raise FieldError(NOT_A_PACKET, f"expected a JSON object, got {describe(item)}")
            built.append(decode(item))
        except FieldError as exc:
            raise PacketError(exc.reason, exc.detail, field=exc.within(index).path, raw=data) from None
        except RecursionError:
            raise PacketError(BAD_VALUE, "JSON nested too deeply", field=f"[{index}]", raw=data) from None
    return tuple(built)


# --- entry points ---------------------------------------------------------------------


def parse_action_packet(data: bytes, *, max_bytes: int = MAX_FRAME_BYTES) -> ActionPacket:
    """One action packet (an ``/actions`` websocket frame)."""
    return _build(decode_action_packet, _load_object(data, max_bytes, "an action packet"), data)


def parse_action_packets(data: bytes, *, max_bytes: int = MAX_BODY_BYTES) -> tuple[ActionPacket, ...]:
    """The REST ``/actions`` body: an array of action packets, in the order sent (not by seq).

    An error's ``field`` starts with the element's index, e.g. ``[6].fixtureAction.period``.
    """
    return _build_each(decode_action_packet, _load_array(data, max_bytes, "action packets"), data)


def parse_statistics_packet(data: bytes, *, max_bytes: int = MAX_FRAME_BYTES) -> StatisticsPacket:
    """One statistics packet (a ``/statistics`` websocket frame)."""
    return _build(decode_statistics_packet, _load_object(data, max_bytes, "a statistics packet"), data)


def parse_fixture(obj: Mapping[str, Any]) -> Fixture:
    """One fixture from an already decoded REST body (e.g. an element of ``response.json()``).

    There are no bytes to keep, so a ``PacketError`` from here has an empty ``raw``.
    """
    if not isinstance(obj, Mapping):
        raise PacketError(NOT_A_PACKET, f"expected a JSON object (a fixture), got {describe(obj)}")
    plain = obj if type(obj) is dict else dict(obj)
    return _build(decode_fixture, plain, b"")


def parse_fixture_json(data: bytes, *, max_bytes: int = MAX_FRAME_BYTES) -> Fixture:
    """The REST ``/fixtures/{id}`` body: one fixture."""
    return _build(decode_fixture, _load_object(data, max_bytes, "a fixture"), data)


def parse_fixtures_json(data: bytes, *, max_bytes: int = MAX_BODY_BYTES) -> tuple[Fixture, ...]:
    """The REST ``/fixtures`` body: an array of fixtures."""
    return _build_each(decode_fixture, _load_array(data, max_bytes, "fixtures"), data)


def classify_frame(data: bytes, *, max_bytes: int = MAX_FRAME_BYTES) -> ActionPacket | StatisticsPacket | Heartbeat:
    """What a websocket frame is: a data packet (parsed) or a heartbeat; see the rule above."""
    _check_size(data, max_bytes)
    try:
        obj = _decode(data)
    except _NotJsonError as exc:
        if _mentions_packet(data):
            raise PacketError(MALFORMED_JSON, exc.detail, raw=data) from None
        return Heartbeat(data)
    if type(obj) is dict:
        if "fixtureAction" in obj:
            return _build(decode_action_packet, obj, data)
        if "seqNum" in obj and "fixtureId" in obj:
            return _build(decode_statistics_packet, obj, data)
        return Heartbeat(data)
    if _mentions_packet(data):
        raise PacketError(NOT_A_PACKET, f"expected a JSON object, got {describe(obj)}", raw=data)
    return Heartbeat(data)


def _mentions_packet(data: bytes) -> bool:
    return _ACTION_MARKER in data or (_SEQ_MARKER in data and _FIXTURE_MARKER in data)
