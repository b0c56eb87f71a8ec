"""Action packets: one version of one match action plus the fixture's summary after it.

These are the models only; ``ddeflow.dde.parse`` builds them from the wire format it
documents.  Field names are the wire names in snake_case, except where an
enumeration needs both the enum and the text as sent (``status`` and
``status_raw``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ddeflow.dde.enums import ClockState, CollectionStatus, FixtureStatus, PeriodType, SendType
from ddeflow.dde.jsonvalue import JsonObject
from ddeflow.dde.refs import PlayerRef, TeamRef


@dataclass(frozen=True, slots=True, kw_only=True)
class FixtureAction:
    """``fixtureAction``: one version of one action.

    Every re-send of an action (Pending, then Confirmed, then Updated...) keeps
    ``action_id`` and gets a new ``fixture_seq_num``, so ``fixture_seq_num``
    counts packets, not actions, and orders them within a fixture.
    """

    action_id: str
    fixture_id: str
    fixture_seq_num: int
    fixture_action_type_id: int
    """The action's type id.  Sport-specific and not stable across doc versions
    (2026 basketball samples send Steal as 22, the docs say 222)."""
    fixture_action_type: str | None = None
    fixture_action_sub_type_id: int | None = None
    fixture_action_sub_type: str | None = None
    send_type: SendType
    """From ``sendTypeId`` when present (it wins over the name), else from ``sendType``."""
    send_type_id: int | None = None
    """``sendTypeId`` as sent, also when it is not a known SendType."""
    send_type_name: str | None = None
    """``sendType`` as sent, e.g. ``Confirmed``."""
    period: int
    """The period the action belongs to; 0 for pre-match actions."""
    clock_time: str | None = None
    """Match clock as sent, ``mm:ss``."""
    timestamp: datetime
    """When the action happened (UTC)."""
    timeline_sequence: float | None = None
    """Roughly period + fraction; sorts actions by match time once the match is over."""
    related_fixture_action_ids: tuple[str, ...] = ()
    team: TeamRef | None = None
    player: PlayerRef | None = None
    metadata: JsonObject | None = field(default=None, hash=False)
    """Action-specific details (lineups, court position, colours...), read-only, as sent."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Period:
    """One entry of ``fixtureSummary.periods``: a quarter, half, set or frame."""

    id: int
    label: str | None = None
    type: PeriodType = PeriodType.UNKNOWN
    type_raw: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    """None while the period is in progress."""
    home_team_score: int = 0
    """Cumulative score at the end of this period (or now, if in progress)."""
    away_team_score: int = 0
    home_team_period_score: int = 0
    """Score within this period alone (points in a snooker frame)."""
    away_team_period_score: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class FixtureSummary:
    """``fixtureSummary``: the state of the fixture after this packet.

    Scores are points or goals (basketball, soccer), sets (volleyball) or frames
    (snooker).  They are 0 when the feed omits them (early packets); a score of
    the wrong type is an error, never 0.
    """

    home_team_score: int = 0
    away_team_score: int = 0
    is_tied: bool | None = None
    current_period: int | None = None
    current_status: FixtureStatus = FixtureStatus.UNKNOWN
    current_status_raw: str | None = None
    collection_status: CollectionStatus = CollectionStatus.UNKNOWN
    collection_status_raw: str | None = None
    current_clock_time: str | None = None
    current_clock_state: ClockState = ClockState.UNKNOWN
    current_clock_state_raw: str | None = None
    is_home_team_in_possession: bool | None = None
    """Wire ``isHomeTeamInPossesion`` (sic)."""
    periods: tuple[Period, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class WebsocketInfo:
    """The ``websocket`` block of version 3 packets; its meaning is not documented."""

    timestamp: float | None = None
    id: str | None = None
    """The websocket URL the packet came from."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionPacket:
    """One packet of an ``/actions`` stream (or one element of the REST actions array)."""

    version: int
    finished: bool
    """No more packets will come.  True if either the top-level ``finished`` or
    ``fixtureSummary.finished`` says so; False when neither is present."""
    trace_id: str | None = None
    fixture_action: FixtureAction
    fixture_summary: FixtureSummary
    websocket: WebsocketInfo | None = None

    @property
    def fixture_id(self) -> str:
        """The fixture this packet belongs to."""
        return self.fixture_action.fixture_id

    @property
    def seq_num(self) -> int:
        """The packet's position in its fixture's stream (``fixtureSeqNum``)."""
        return self.fixture_action.fixture_seq_num
