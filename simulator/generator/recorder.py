"""The match recorder: turns a sport's simulated events into action packets and ground truth.

Wire format produced (one compact JSON object per packet, keys in this order, which is
the alphabetical order of the feed's version-3 samples)::

    {"finished": bool,                       # also repeated inside fixtureSummary, as v3 does
     "fixtureAction": {"actionId", "clockTime", ["fixtureActionSubType", "fixtureActionSubTypeId"],
                       "fixtureActionType", "fixtureActionTypeId", "fixtureId", "fixtureSeqNum",
                       ["metadata"], "period", ["player": {id, name}], "relatedFixtureActionIds",
                       "sendType", "sendTypeId", ["team": {homeTeam, id, name}],
                       "timelineSequence", "timestamp"},
     "fixtureSummary": {"awayTeamScore", "collectionStatus", "currentClockState", "currentClockTime",
                        "currentPeriod", "currentStatus", "finished", "homeTeamScore",
                        "isHomeTeamInPossesion", "isTied",
                        "periods": [{"awayTeamPeriodScore", "awayTeamScore", "end", "homeTeamPeriodScore",
                                     "homeTeamScore", "id", "label", "start", "type"}]},
     "traceId": 32 hex digits, "version": 3,
     "websocket": {"timestamp": ms since the stream opened, "id": "wss://.../{feedpath}/fixtures/{id}/actions"}}

Scores are kept by the recorder itself, from the actions it sends: an action adds its
type's points to its team (a snooker foul to the opponent) while its latest send type is
Confirmed, Updated or Restored, and stops counting when it is Deleted or Cancelled.  So
the summary reflects confirmed actions only, whatever order the sport sends them in.

- Points sports (basketball, soccer): match score = sum of period scores, except
  Shootout periods, whose period score is the shoot-out tally; ``homeTeamScore`` of a
  period is the match score at the end of that period (at "now" for the current one).
- Periods-won sports (volleyball, snooker): the period score is points in the set or
  frame; the match score counts periods won, credited in the End Period packet.

Truth ``scoreTimeline`` gets an entry after every packet where the match score or any
period's score changed (a new period starting at 0-0 is not a change).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from enum import Enum
from typing import Any, Protocol

from ddeflow.simulator.generator import action_types as at
from ddeflow.simulator.generator.action_types import LIVE_SEND_TYPES, ActionType, SendType, SubType
from ddeflow.simulator.generator.ids import rng_trace_id, rng_uuid
from ddeflow.simulator.generator.rosters import FixtureHeader, Player, Team
from ddeflow.simulator.generator.timefmt import iso_micro, iso_seconds

STREAMS_HOST = "dde-streams.data.srarena.io"
FEED_PATHS = {
    "basketball": "basketball",
    "soccer": "soccer",
    "volleyball": "v2/volleyball",
    "snooker": "snooker",
}

_encode = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


class StatisticsStream(Protocol):
    """A sport's second stream (snooker's ``/statistics``), produced alongside the actions."""

    lines: list[str]

    def truth_breaks(self) -> list[dict[str, Any]]: ...


class ScoreMode(Enum):
    POINTS = "points"
    PERIODS_WON = "periods_won"


class Status:
    SCHEDULED = "Scheduled"
    LIVE = "Live"
    COMPLETED = "Completed"


class Collection:
    SCHEDULED = "CollectionScheduled"
    LIVE = "CollectingLive"
    POST_MATCH = "CollectingPostMatch"
    CHECKED = "PostMatchChecked"


class Period:
    __slots__ = ("away", "counts", "end", "home", "id", "label", "start", "type", "winner_home")

    def __init__(self, period_id: int, label: str, period_type: str, start: str) -> None:
        self.id = period_id
        self.label = label
        self.type = period_type
        self.start = start
        self.end: str | None = None
        self.home = 0
        self.away = 0
        self.counts = period_type != "Shootout"
        self.winner_home: bool | None = None


class Action:
    """One action (all its versions share ``id``); fields change between re-sends."""

    __slots__ = (
        "clock",
        "contribution",
        "id",
        "metadata",
        "period",
        "player",
        "related",
        "side_home",
        "state",
        "sub",
        "timeline",
        "type",
    )

    def __init__(self, action_id: str, action_type: ActionType, period: int, clock: str, timeline: float) -> None:
        self.id = action_id
        self.type = action_type
        self.sub: SubType | None = None
        self.period = period
        self.clock = clock
        self.timeline = timeline
        self.side_home: bool | None = None
        self.player: Player | None = None
        self.metadata: dict[str, Any] | None = None
        self.related: list[str] = []
        self.state: SendType | None = None
        # (period id, home side?, points) this action currently adds, if live.
        self.contribution: tuple[int, bool, int] | None = None


class MatchRecorder:
    """Holds the fixture summary and writes one packet per :meth:`send`."""

    def __init__(
        self,
        header: FixtureHeader,
        rng: random.Random,
        *,
        score_mode: ScoreMode,
        clock_text: str,
        pre_match_lead_s: float = 2400.0,
    ) -> None:
        self.header = header
        self.sport = header.sport
        self.rng = rng
        self.score_mode = score_mode
        self.fixture_id = header.id
        self._ws_id = f"wss://{STREAMS_HOST}/{FEED_PATHS[self.sport]}/fixtures/{header.id}/actions"
        self._teams = {
            True: {"homeTeam": True, "id": header.home.id, "name": header.home.name},
            False: {"homeTeam": False, "id": header.away.id, "name": header.away.name},
        }
        self._player_refs: dict[str, dict[str, str]] = {}
        self.now_us = header.start_us - int(pre_match_lead_s * 1_000_000)
        self._ws_open_us = self.now_us - rng.randint(5_000_000, 60_000_000)
        self.seq = 0
        self.home_score = 0
        self.away_score = 0
        self.periods: list[Period] = []
        self.current_period = 1
        self.status = Status.SCHEDULED
        self.collection_status = Collection.SCHEDULED
        self.clock = clock_text
        self.clock_running = False
        self.home_possession = True
        self.finished = False
        self.lines: list[str] = []
        self.score_timeline: list[dict[str, Any]] = []
        self._score_dirty = False
        self._last_score_key: tuple[Any, ...] = (0, 0, ())
        self.actions: dict[str, Action] = {}
        self.sent_by_type: dict[SendType, int] = dict.fromkeys(SendType, 0)
        self.statistics: StatisticsStream | None = None

    # --- time --------------------------------------------------------------------------

    def wait(self, seconds: float) -> None:
        """Let ``seconds`` of wall time pass (never backwards)."""
        if seconds > 0:
            self.now_us += int(seconds * 1_000_000)

    # --- actions -----------------------------------------------------------------------

    def team(self, home: bool) -> Team:
        return self.header.home if home else self.header.away

    def action(
        self,
        action_type: ActionType,
        *,
        home: bool | None = None,
        player: Player | None = None,
        sub: SubType | None = None,
        metadata: dict[str, Any] | None = None,
        related: Iterable[str] = (),
        period: int | None = None,
    ) -> Action:
        """A new action (not yet sent); its clock and timeline position are fixed now."""
        p = self.current_period if period is None else period
        timeline = (self.seq + 1) * 1e-16 if p == 0 else p + (self.seq + 1) * 1e-9 + self.rng.random() * 1e-10
        act = Action(rng_uuid(self.rng), action_type, p, "00:00" if p == 0 else self.clock, timeline)
        act.side_home = home
        act.player = player
        act.sub = sub
        act.metadata = metadata
        act.related = list(related)
        self.actions[act.id] = act
        return act

    def send(
        self,
        act: Action,
        send_type: SendType = SendType.CONFIRMED,
        *,
        new_type: ActionType | None = None,
        new_sub: SubType | None = None,
        new_player: Player | None = None,
        new_home: bool | None = None,
    ) -> None:
        """Send a version of ``act``; the optional ``new_*`` fields change it first."""
        if new_type is not None:
            act.type = new_type
            act.sub = new_sub
        elif new_sub is not None:
            act.sub = new_sub
        if new_player is not None:
            act.player = new_player
        if new_home is not None:
            act.side_home = new_home
        act.state = send_type
        self._rescore(act, send_type in LIVE_SEND_TYPES)
        self._emit(act, send_type)

    def simple(self, action_type: ActionType, **kwargs: Any) -> Action:
        """Create and send a Confirmed action in one step."""
        act = self.action(action_type, **kwargs)
        self.send(act)
        return act

    # --- periods and match lifecycle ---------------------------------------------------

    def start_period(self, label: str, period_type: str = "Regular") -> Period:
        period = Period(len(self.periods) + 1, label, period_type, iso_seconds(self.now_us))
        self.periods.append(period)
        self.current_period = period.id
        self.status = Status.LIVE
        self.simple(at.START_PERIOD)
        return period

    def end_period(self) -> Period:
        period = self.periods[-1]
        period.end = iso_seconds(self.now_us)
        if self.score_mode is ScoreMode.PERIODS_WON:
            period.winner_home = period.home > period.away
            if period.winner_home:
                self.home_score += 1
            else:
                self.away_score += 1
            self._score_dirty = True
        self.simple(at.END_PERIOD)
        return period

    def start_clock(self) -> None:
        self.clock_running = True
        self.simple(at.START_CLOCK)

    def stop_clock(self) -> None:
        self.clock_running = False
        self.simple(at.STOP_CLOCK)

    def pre_match(self, match_conditions: dict[str, Any], starters: int) -> None:
        """Team colours, match conditions, lineups, then Players Ready, before kick-off."""
        rng = self.rng
        colours = {
            "awayTeamColour": f"{rng.randrange(256)}, {rng.randrange(256)}, {rng.randrange(256)}",
            "homeTeamColour": f"{rng.randrange(256)}, {rng.randrange(256)}, {rng.randrange(256)}",
        }
        self.simple(at.TEAM_COLOURS, metadata=colours, period=0)
        self.wait(rng.uniform(5, 30))
        self.simple(at.MATCH_CONDITIONS, metadata=match_conditions, period=0)
        self.wait(rng.uniform(600, 1500))
        for home in (True, False):
            team = self.team(home)
            people = [
                {
                    "id": p.id,
                    "fullName": p.name,
                    "lastName": p.last_name,
                    "firstName": p.first_name,
                    "shirtNumber": str(p.shirt_number),
                }
                for p in team.players
            ]
            lineup = {
                "teamId": team.id,
                "startingLineup": people[:starters],
                "substitutes": people[starters:],
            }
            self.simple(at.LINEUPS, home=home, metadata=lineup, period=0)
            self.wait(rng.uniform(0.0001, 0.01))
        self.now_us = max(self.now_us, self.header.start_us - rng.randint(60, 300) * 1_000_000)
        self.simple(at.PLAYERS_READY, period=1)

    def start_fixture(self) -> None:
        self.now_us = max(self.now_us + 1_000_000, self.header.start_us + self.rng.randint(0, 240) * 1_000_000)
        self.collection_status = Collection.LIVE
        self.simple(at.START_FIXTURE)

    def end_match(self) -> None:
        self.status = Status.COMPLETED
        self.collection_status = Collection.POST_MATCH
        self.clock_running = False
        self.simple(at.END_MATCH)

    def post_match_check(self) -> None:
        self.wait(self.rng.uniform(300, 1800))
        self.collection_status = Collection.CHECKED
        self.finished = True
        self.simple(at.POST_MATCH_CHECK_COMPLETE, period=0)

    # --- scoring -------------------------------------------------------------------------

    def _rescore(self, act: Action, live: bool) -> None:
        new: tuple[int, bool, int] | None = None
        if live and act.side_home is not None:
            points = at.scoring_points(self.sport, act.type.type_id, act.sub.sub_id if act.sub else None)
            if points:
                side = act.side_home
                if act.type is at.SN_FOUL:
                    side = not side
                new = (act.period, side, points)
        old = act.contribution
        if old == new:
            return
        if old is not None:
            self._add(old[0], old[1], -old[2])
        if new is not None:
            self._add(new[0], new[1], new[2])
        act.contribution = new

    def _add(self, period_id: int, home: bool, points: int) -> None:
        period = self.periods[period_id - 1]
        if home:
            period.home += points
        else:
            period.away += points
        if self.score_mode is ScoreMode.POINTS and period.counts:
            if home:
                self.home_score += points
            else:
                self.away_score += points
        self._score_dirty = True

    # --- packets -------------------------------------------------------------------------

    def _periods_json(self) -> list[dict[str, Any]]:
        out = []
        home_total = away_total = 0
        points_mode = self.score_mode is ScoreMode.POINTS
        for p in self.periods:
            if points_mode:
                if p.counts:
                    home_total += p.home
                    away_total += p.away
            elif p.winner_home is not None:
                if p.winner_home:
                    home_total += 1
                else:
                    away_total += 1
            out.append(
                {
                    "awayTeamPeriodScore": p.away,
                    "awayTeamScore": away_total,
                    "end": p.end,
                    "homeTeamPeriodScore": p.home,
                    "homeTeamScore": home_total,
                    "id": p.id,
                    "label": p.label,
                    "start": p.start,
                    "type": p.type,
                }
            )
        return out

    def _emit(self, act: Action, send_type: SendType) -> None:
        self.now_us += self.rng.randint(150, 2500)
        self.seq += 1
        body: dict[str, Any] = {"actionId": act.id, "clockTime": act.clock}
        if act.sub is not None:
            body["fixtureActionSubType"] = act.sub.name
            body["fixtureActionSubTypeId"] = act.sub.sub_id
        body["fixtureActionType"] = act.type.name
        body["fixtureActionTypeId"] = act.type.type_id
        body["fixtureId"] = self.fixture_id
        body["fixtureSeqNum"] = self.seq
        if act.metadata is not None:
            body["metadata"] = act.metadata
        body["period"] = act.period
        if act.player is not None:
            ref = self._player_refs.get(act.player.id)
            if ref is None:
                ref = self._player_refs[act.player.id] = {"id": act.player.id, "name": act.player.name}
            body["player"] = ref
        body["relatedFixtureActionIds"] = act.related
        body["sendType"] = send_type.label
        body["sendTypeId"] = int(send_type)
        if act.side_home is not None:
            body["team"] = self._teams[act.side_home]
        body["timelineSequence"] = act.timeline
        body["timestamp"] = iso_micro(self.now_us)
        periods = self._periods_json()
        summary = {
            "awayTeamScore": self.away_score,
            "collectionStatus": self.collection_status,
            "currentClockState": "running" if self.clock_running else "stopped",
            "currentClockTime": self.clock,
            "currentPeriod": self.current_period,
            "currentStatus": self.status,
            "finished": self.finished,
            "homeTeamScore": self.home_score,
            "isHomeTeamInPossesion": self.home_possession,
            "isTied": self.home_score == self.away_score,
            "periods": periods,
        }
        packet = {
            "finished": self.finished,
            "fixtureAction": body,
            "fixtureSummary": summary,
            "traceId": rng_trace_id(self.rng),
            "version": 3,
            "websocket": {"timestamp": round((self.now_us - self._ws_open_us) / 1000, 1), "id": self._ws_id},
        }
        self.lines.append(_encode(packet))
        self.sent_by_type[send_type] += 1
        if self._score_dirty:
            self._score_dirty = False
            self._record_score_change(act, send_type, periods)

    def _record_score_change(self, act: Action, send_type: SendType, periods: list[dict[str, Any]]) -> None:
        scored = tuple(
            (p["id"], p["homeTeamPeriodScore"], p["awayTeamPeriodScore"])
            for p in periods
            if p["homeTeamPeriodScore"] or p["awayTeamPeriodScore"]
        )
        key = (self.home_score, self.away_score, scored)
        if key == self._last_score_key:
            return
        self._last_score_key = key
        self.score_timeline.append(
            {
                "fixtureSeqNum": self.seq,
                "actionId": act.id,
                "sendTypeId": int(send_type),
                "homeScore": self.home_score,
                "awayScore": self.away_score,
                "currentPeriod": self.current_period,
                "periods": [
                    {
                        "id": p["id"],
                        "homeTeamPeriodScore": p["homeTeamPeriodScore"],
                        "awayTeamPeriodScore": p["awayTeamPeriodScore"],
                    }
                    for p in periods
                ],
            }
        )

    # --- truth ---------------------------------------------------------------------------

    def final_truth(self) -> dict[str, Any]:
        final_states: dict[str, int] = {SendType(s).label: 0 for s in SendType}
        for act in self.actions.values():
            if act.state is not None:
                final_states[act.state.label] += 1
        return {
            "homeScore": self.home_score,
            "awayScore": self.away_score,
            "periods": [
                {
                    "id": p["id"],
                    "label": p["label"],
                    "type": p["type"],
                    "homeTeamPeriodScore": p["homeTeamPeriodScore"],
                    "awayTeamPeriodScore": p["awayTeamPeriodScore"],
                    "homeTeamScore": p["homeTeamScore"],
                    "awayTeamScore": p["awayTeamScore"],
                }
                for p in self._periods_json()
            ],
            "status": self.status,
            "collectionStatus": self.collection_status,
            "finished": self.finished,
            "packets": self.seq,
            "packetsBySendType": {s.label: n for s, n in self.sent_by_type.items()},
            "actionsByFinalSendType": final_states,
        }
