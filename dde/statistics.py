"""Statistics packets: cumulative aggregates for a fixture, from the ``/statistics`` streams.

Each packet appears to be a full snapshot, not a change.  The envelope and the
action aggregates are common to all sports; the advanced statistics are
sport-specific: snooker's blocks (breaks, remaining balls, shot times) are
modelled in full, any other block is kept as sent in
``AdvancedSportStatistics.other``.  ``ddeflow.dde.parse`` documents the wire format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from ddeflow.dde.enums import PeriodType
from ddeflow.dde.jsonvalue import JsonObject, empty_json_object
from ddeflow.dde.refs import PlayerRef, TeamRef


@dataclass(frozen=True, slots=True, kw_only=True)
class SubActionAggregate:
    """How often a sub-action happened: wire ``{subAction, subActionId, subActionAggregate}``."""

    sub_action: str | None = None
    sub_action_id: int
    count: int
    """Wire ``subActionAggregate``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionAggregate:
    """How often an action happened: wire ``{action, actionId, actionAggregate, subActionAggregates[]}``.

    Sub-action counts need not add up to ``count`` (in the snooker sample they do not).
    """

    action: str | None = None
    action_id: int
    count: int
    """Wire ``actionAggregate``."""
    sub_actions: tuple[SubActionAggregate, ...] = ()
    """Wire ``subActionAggregates``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PeriodActionAggregates:
    """Action counts within one period: wire ``{period, label?, type?, aggregates[]}``."""

    period: int
    label: str | None = None
    type: PeriodType = PeriodType.UNKNOWN
    type_raw: str | None = None
    aggregates: tuple[ActionAggregate, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayerActionAggregates:
    """One player's counts: wire ``{player, gameActionAggregates[], periodActionAggregates[]}``."""

    player: PlayerRef
    game_action_aggregates: tuple[ActionAggregate, ...] = ()
    period_action_aggregates: tuple[PeriodActionAggregates, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamActionAggregates:
    """One team's counts for the match, per period (in no particular order) and per player."""

    team: TeamRef
    game_action_aggregates: tuple[ActionAggregate, ...] = ()
    period_action_aggregates: tuple[PeriodActionAggregates, ...] = ()
    player_action_aggregates: tuple[PlayerActionAggregates, ...] = ()


_BALL_POINTS = (1, 2, 3, 4, 5, 6, 7)


def _no_durations() -> Mapping[str, float]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class Balls:
    """Snooker ball counts: wire ``{redBalls, yellowBalls, ..., blackBalls}``; an omitted colour is 0."""

    red: int = 0
    yellow: int = 0
    green: int = 0
    brown: int = 0
    blue: int = 0
    pink: int = 0
    black: int = 0

    @property
    def points(self) -> int:
        """What these balls are worth: red 1, yellow 2, ... black 7."""
        counts = (self.red, self.yellow, self.green, self.brown, self.blue, self.pink, self.black)
        return sum(count * value for count, value in zip(counts, _BALL_POINTS, strict=True))


@dataclass(frozen=True, slots=True, kw_only=True)
class Break:
    """One visit to the table (``breaksStatistics.breaks[]``), zero-point visits included.

    Breaks are back to back: one's end is usually the next one's start.  The
    feed's clocks are not monotonic: ``start_timestamp`` can be after
    ``end_timestamp``.
    """

    score: int
    break_seq: int
    """Position within the frame, restarting at 1 each frame."""
    player_id: str
    """Despite the name, the id of the team (snooker teams are single players)."""
    player_name: str | None = None
    potted_balls: Balls
    start_timestamp: datetime
    end_timestamp: datetime | None = None
    """None (``null`` or absent on the wire) while the visit is still in progress."""
    period_number: int
    """The frame."""

    @property
    def ended(self) -> bool:
        return self.end_timestamp is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class RemainingBalls:
    """``remainingBallsStatistics``: what is left on the table now."""

    possible_points: int
    remaining_balls: Balls
    next_expected_ball: str | None = None
    """As sent, e.g. ``RedBall``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ShotTime:
    """One shot: wire ``{shotStart, shotEnd, duration}``, duration sent as ``hh:mm:ss.fffffff``."""

    shot_start: datetime
    shot_end: datetime
    duration_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayerShotTimes:
    """Every shot of one player (team id, as in breaks): wire ``playersShotTimes.{id}``."""

    player_id: str
    shot_times: tuple[ShotTime, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class AverageShotTimes:
    """``averageShotTimeStatistics``."""

    average_shot_times_s: Mapping[str, float] = field(default_factory=_no_durations, hash=False)
    """Average shot time in seconds by player (team) id; read-only."""
    players_shot_times: tuple[PlayerShotTimes, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class AdvancedSportStatistics:
    """``advancedSportStatistics``: snooker's blocks typed, any other block kept as sent.

    A block the packet does not carry is None.
    """

    starting_striker: str | None = None
    """Team id of the player who broke off."""
    breaks: tuple[Break, ...] | None = None
    """``breaksStatistics.breaks``."""
    remaining_balls: RemainingBalls | None = None
    average_shot_times: AverageShotTimes | None = None
    other: JsonObject = field(default_factory=empty_json_object, hash=False)
    """Every block not modelled above (other sports), read-only, as sent."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StatisticsPacket:
    """One packet of a ``/statistics`` stream."""

    seq_num: int
    trace_id: str | None = None
    version: int
    finished: bool
    """No more packets will come; False when the feed omits it."""
    fixture_id: str
    timestamp: datetime
    """Usually the time of the latest action counted."""
    team_action_aggregates: tuple[TeamActionAggregates, ...] = ()
    advanced_sport_statistics: AdvancedSportStatistics | None = None
