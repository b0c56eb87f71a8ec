"""Every action type, sub-type and send type the generator writes, in one table.

``documented`` says whether the id/name pair was seen in the feed's docs or samples
(see ``docs/dde-feed.md``); the others were chosen here because the
docs we hold do not list them (made shots, fouls, volleyball points, shoot-out kicks).
Downstream code must not rely on the chosen ids: scores are derived from
``fixtureSummary``.  ``points`` is what a live (Confirmed or Updated) action of this
type adds to its team's period score; snooker fouls give their points to the opponent.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class SendType(IntEnum):
    PENDING = 1
    UPDATED = 2
    CANCELLED = 3
    DELETED = 4
    CONFIRMED = 5
    RESTORED = 6

    @property
    def label(self) -> str:
        return SEND_TYPE_NAMES[self]


SEND_TYPE_NAMES: dict[SendType, str] = {
    SendType.PENDING: "Pending",
    SendType.UPDATED: "Updated",
    SendType.CANCELLED: "Cancelled",
    SendType.DELETED: "Deleted",
    SendType.CONFIRMED: "Confirmed",
    SendType.RESTORED: "Restored",
}

# An action counts towards the score while its latest send type is one of these.
LIVE_SEND_TYPES = frozenset({SendType.CONFIRMED, SendType.UPDATED, SendType.RESTORED})


@dataclass(frozen=True, slots=True)
class ActionType:
    type_id: int
    name: str
    points: int = 0
    documented: bool = True


@dataclass(frozen=True, slots=True)
class SubType:
    sub_id: int
    name: str
    points: int = 0
    documented: bool = True


def _table(*types: ActionType) -> dict[int, ActionType]:
    return {t.type_id: t for t in types}


# --- common to all sports -------------------------------------------------------------
MATCH_CONDITIONS = ActionType(1, "Match Conditions")
TEAM_COLOURS = ActionType(2, "Team Colours")
LINEUPS = ActionType(3, "Lineups")
START_FIXTURE = ActionType(4, "Start Fixture")
END_MATCH = ActionType(5, "End Match")
START_PERIOD = ActionType(6, "Start Period")
END_PERIOD = ActionType(7, "End Period")
START_CLOCK = ActionType(8, "Start Clock")
STOP_CLOCK = ActionType(9, "Stop Clock")
SUBSTITUTION_IN = ActionType(13, "Substitution In")
SUBSTITUTION_OUT = ActionType(14, "Substitution Out")
POSSESSION = ActionType(15, "Possession")
POST_MATCH_CHECK_COMPLETE = ActionType(21, "Post Match Check Complete")
PLAYERS_READY = ActionType(24, "Players Ready")
VIDEO_CHECK = ActionType(51, "Video Check Underway")
TIMEOUT = ActionType(52, "Timeout")
CLOSED_MARKET = ActionType(66, "Closed Market")
OPEN_MARKET = ActionType(67, "Open Market")

COMMON = _table(
    MATCH_CONDITIONS,
    TEAM_COLOURS,
    LINEUPS,
    START_FIXTURE,
    END_MATCH,
    START_PERIOD,
    END_PERIOD,
    START_CLOCK,
    STOP_CLOCK,
    SUBSTITUTION_IN,
    SUBSTITUTION_OUT,
    POSSESSION,
    POST_MATCH_CHECK_COMPLETE,
    PLAYERS_READY,
    VIDEO_CHECK,
    TIMEOUT,
    CLOSED_MARKET,
    OPEN_MARKET,
)

# --- basketball -------------------------------------------------------------------------
BB_TURNOVER = ActionType(201, "Turnover")
BB_FOUL = ActionType(202, "Foul", documented=False)
BB_OFFENSIVE_REBOUND = ActionType(204, "Offensive Rebound")
BB_DEFENSIVE_REBOUND = ActionType(205, "Defensive Rebound", documented=False)
BB_FT_MADE = ActionType(206, "FT made", points=1, documented=False)
BB_2PT_MADE = ActionType(207, "2PT made", points=2, documented=False)
BB_3PT_MADE = ActionType(208, "3PT made", points=3, documented=False)
BB_FT_MISSED = ActionType(209, "FT missed")
BB_2PT_MISSED = ActionType(210, "2PT missed")
BB_3PT_MISSED = ActionType(211, "3PT missed")
BB_ASSIST = ActionType(217, "Assist")
BB_STEAL = ActionType(222, "Steal")
BB_BLOCK = ActionType(223, "Block")
BB_OFFENSIVE_TEAM_REBOUND = ActionType(224, "Offensive Team Rebound")
BB_DEFENSIVE_TEAM_REBOUND = ActionType(225, "Defensive Team Rebound")
BB_OUT_OF_GAME = ActionType(231, "Out of Game")
BB_3PT_SHOT = ActionType(233, "3PT Shot")

BASKETBALL = COMMON | _table(
    BB_TURNOVER,
    BB_FOUL,
    BB_OFFENSIVE_REBOUND,
    BB_DEFENSIVE_REBOUND,
    BB_FT_MADE,
    BB_2PT_MADE,
    BB_3PT_MADE,
    BB_FT_MISSED,
    BB_2PT_MISSED,
    BB_3PT_MISSED,
    BB_ASSIST,
    BB_STEAL,
    BB_BLOCK,
    BB_OFFENSIVE_TEAM_REBOUND,
    BB_DEFENSIVE_TEAM_REBOUND,
    BB_OUT_OF_GAME,
    BB_3PT_SHOT,
)

BB_FOUL_PERSONAL = SubType(20201, "Personal", documented=False)
BB_FOUL_SHOOTING = SubType(20202, "Shooting", documented=False)
BB_FOUL_OFFENSIVE = SubType(20203, "Offensive", documented=False)
BB_FOULED_OUT = SubType(23101, "Fouled out")

# --- soccer -------------------------------------------------------------------------------
SC_SHOT_ON_TARGET = ActionType(101, "Shot On Target", documented=False)
SC_SHOT_OFF_TARGET = ActionType(102, "Shot Off Target", documented=False)
SC_CORNER = ActionType(103, "Corner", documented=False)
SC_GOAL = ActionType(104, "Goal", points=1)
SC_FOUL = ActionType(105, "Foul", documented=False)
SC_OFFSIDE = ActionType(106, "Offside", documented=False)
SC_YELLOW_CARD = ActionType(107, "Yellow Card")
SC_RED_CARD = ActionType(108, "Red Card", documented=False)
SC_THROW_IN = ActionType(109, "Throw In", documented=False)
SC_GOAL_KICK = ActionType(110, "Goal Kick", documented=False)
SC_FREE_KICK = ActionType(111, "Free Kick", documented=False)
SC_ATTACK = ActionType(112, "Attack", documented=False)
SC_DANGEROUS_ATTACK = ActionType(113, "Dangerous Attack", documented=False)
SC_SHOOTOUT_GOAL = ActionType(130, "Penalty Shootout Goal", points=1, documented=False)
SC_SHOOTOUT_MISS = ActionType(131, "Penalty Shootout Miss", documented=False)

SOCCER = COMMON | _table(
    SC_SHOT_ON_TARGET,
    SC_SHOT_OFF_TARGET,
    SC_CORNER,
    SC_GOAL,
    SC_FOUL,
    SC_OFFSIDE,
    SC_YELLOW_CARD,
    SC_RED_CARD,
    SC_THROW_IN,
    SC_GOAL_KICK,
    SC_FREE_KICK,
    SC_ATTACK,
    SC_DANGEROUS_ATTACK,
    SC_SHOOTOUT_GOAL,
    SC_SHOOTOUT_MISS,
)

SC_PENALTY_GOAL = SubType(10401, "Penalty Goal")

# --- volleyball ---------------------------------------------------------------------------
VB_POINT = ActionType(401, "Point", points=1, documented=False)
VB_POINT_SUBTYPES = (
    SubType(40101, "Attack", documented=False),
    SubType(40102, "Block", documented=False),
    SubType(40103, "Ace", documented=False),
    SubType(40104, "Opponent Error", documented=False),
)

VOLLEYBALL = COMMON | _table(VB_POINT)

# --- snooker ------------------------------------------------------------------------------
SN_RED = ActionType(301, "Red", points=1)
SN_YELLOW = ActionType(302, "Yellow", points=2)
SN_GREEN = ActionType(303, "Green", points=3)
SN_BROWN = ActionType(304, "Brown", points=4)
SN_BLUE = ActionType(305, "Blue", points=5)
SN_PINK = ActionType(306, "Pink", points=6)
SN_BLACK = ActionType(307, "Black", points=7)
SN_FOUL = ActionType(308, "Foul")
SN_CONCEDE_FRAME = ActionType(312, "Concede frame")
SN_STRIKER = ActionType(316, "Striker")

SN_BALLS = (SN_RED, SN_YELLOW, SN_GREEN, SN_BROWN, SN_BLUE, SN_PINK, SN_BLACK)
SN_COLOURS = SN_BALLS[1:]

SNOOKER = COMMON | _table(*SN_BALLS, SN_FOUL, SN_CONCEDE_FRAME, SN_STRIKER)

SN_POCKETS = (
    SubType(30101, "Top Left"),
    SubType(30102, "Center Left"),
    SubType(30103, "Bottom Left"),
    SubType(30104, "Top Right"),
    SubType(30105, "Center right"),
    SubType(30106, "Bottom Right"),
)
# 30801 "4 Points" is documented; the 5/6/7-point sub-types follow its pattern.
SN_FOUL_SUBTYPES = {
    4: SubType(30801, "4 Points", points=4),
    5: SubType(30802, "5 Points", points=5, documented=False),
    6: SubType(30803, "6 Points", points=6, documented=False),
    7: SubType(30804, "7 Points", points=7, documented=False),
}
SN_FOUL_POINTS_BY_SUBTYPE = {sub.sub_id: sub.points for sub in SN_FOUL_SUBTYPES.values()}

BY_SPORT: dict[str, dict[int, ActionType]] = {
    "basketball": BASKETBALL,
    "soccer": SOCCER,
    "volleyball": VOLLEYBALL,
    "snooker": SNOOKER,
}


def scoring_points(sport: str, type_id: int, sub_type_id: int | None) -> int:
    """Points a live action adds for the team it names (for snooker fouls: for the opponent)."""
    if sport == "snooker" and type_id == SN_FOUL.type_id:
        return SN_FOUL_POINTS_BY_SUBTYPE.get(sub_type_id or 0, 0)
    action_type = BY_SPORT.get(sport, COMMON).get(type_id)
    return action_type.points if action_type is not None else 0
