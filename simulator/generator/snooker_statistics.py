"""Cumulative snooker ``/statistics`` snapshots, in the shape of the feed's sample packet.

Wire format produced (one compact JSON object per snapshot, keys in the sample's order)::

    {"seqNum": n (1, 2, ...), "traceId": 32 hex, "version": 2, "finished": bool, "fixtureId",
     "timestamp": "...T11:33:13.001313400Z",
     "teamActionAggregates": [
        {"team": {id, name},
         "gameActionAggregates": [
             {"action", "actionId", "actionAggregate",
              "subActionAggregates": [{"subAction", "subActionId", "subActionAggregate"}]}],
         "periodActionAggregates": [{"period", "aggregates": [...same...]}],
         "playerActionAggregates": []}],   # empty, as in the sample: the player is the team
     "advancedSportStatistics": {
        "startingStriker": team id,
        "breaksStatistics": {"breaks": [
            {"score", "breakSeq", "playerId", "playerName",
             "pottedBalls": {"redBalls", "blueBalls", "pinkBalls", "blackBalls", "brownBalls",
                             "greenBalls", "yellowBalls"},
             "endTimestamp": text, or null while the visit is in progress,
             "periodNumber", "startTimestamp"}]},
        "remainingBallsStatistics": {
            "possiblePoints", "remainingBalls": {...same keys...},
            "nextExpectedBall": "RedBall" | "ColourBall" | "YellowBall" | ... | "BlackBall" | null},
        "averageShotTimeStatistics": {
            "averageShotTimes": {team id: "hh:mm:ss.fffffff"},
            "playersShotTimes": {
                team id: {"playerId", "shotTimes": [{"shotEnd", "duration", "shotStart"}]}}}}}

As in the sample, ``playerId`` is the team id (a snooker team is one player), every visit
is a break (zero-point visits included), ``breakSeq`` restarts at 1 each frame and breaks
are back to back.  Each snapshot is a full cumulative state; a later snapshot may revise an
already-ended break (a referee correction), which the truth records with its final values.

Ended breaks and shot times are serialised once and cached: a snapshot is a join of cached
fragments, so a long match does not cost quadratic JSON encoding.
"""

from __future__ import annotations

import json
import random
from typing import Any

from ddeflow.simulator.generator.action_types import ActionType, SubType
from ddeflow.simulator.generator.ids import rng_trace_id
from ddeflow.simulator.generator.recorder import MatchRecorder
from ddeflow.simulator.generator.rosters import Team
from ddeflow.simulator.generator.timefmt import duration_ticks, iso_ticks, iso_trimmed

_encode = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode

BALL_KEYS = ("redBalls", "blueBalls", "pinkBalls", "blackBalls", "brownBalls", "greenBalls", "yellowBalls")
COLOUR_KEY = {
    301: "redBalls",
    302: "yellowBalls",
    303: "greenBalls",
    304: "brownBalls",
    305: "blueBalls",
    306: "pinkBalls",
    307: "blackBalls",
}


class Break:
    __slots__ = ("end_us", "frame", "home", "potted", "revisions", "score", "seq", "start_us")

    def __init__(self, frame: int, seq: int, home: bool, start_us: int) -> None:
        self.frame = frame
        self.seq = seq
        self.home = home
        self.start_us = start_us
        self.end_us: int | None = None
        self.score = 0
        self.potted = dict.fromkeys(BALL_KEYS, 0)
        self.revisions = 0


class _Aggregates:
    """Counts per action id (and sub-action id), in first-seen order, as the sample lists them.

    The JSON text is cached until the next change: most snapshots change one frame only.
    """

    __slots__ = ("_text", "counts")

    def __init__(self) -> None:
        self.counts: dict[int, list[Any]] = {}
        self._text: str | None = None

    def add(self, action: ActionType, sub: SubType | None, delta: int) -> None:
        self._text = None
        entry = self.counts.get(action.type_id)
        if entry is None:
            entry = self.counts[action.type_id] = [action.name, 0, {}]
        entry[1] += delta
        if sub is not None:
            subs = entry[2]
            sub_entry = subs.get(sub.sub_id)
            if sub_entry is None:
                sub_entry = subs[sub.sub_id] = [sub.name, 0]
            sub_entry[1] += delta

    def text(self) -> str:
        if self._text is None:
            self._text = _encode(
                [
                    {
                        "action": name,
                        "actionId": type_id,
                        "actionAggregate": count,
                        "subActionAggregates": [
                            {"subAction": sub_name, "subActionId": sub_id, "subActionAggregate": sub_count}
                            for sub_id, (sub_name, sub_count) in subs.items()
                            if sub_count
                        ],
                    }
                    for type_id, (name, count, subs) in self.counts.items()
                    if count
                ]
            )
        return self._text


class _TeamStats:
    __slots__ = ("game", "periods", "shot_count", "shot_fragments", "shot_total_us", "team")

    def __init__(self, team: Team) -> None:
        self.team = team
        self.game = _Aggregates()
        self.periods: dict[int, _Aggregates] = {}
        self.shot_fragments: list[str] = []
        self.shot_total_us = 0
        self.shot_count = 0

    def aggregates_text(self) -> str:
        periods = ",".join(f'{{"period":{number},"aggregates":{agg.text()}}}' for number, agg in self.periods.items())
        team = _encode({"id": self.team.id, "name": self.team.name})
        # A snooker team is one player: the feed's sample sends an empty player list.
        return (
            f'{{"team":{team},"gameActionAggregates":{self.game.text()},"periodActionAggregates":[{periods}],'
            f'"playerActionAggregates":[]}}'
        )


class SnookerStatistics:
    """Statistics state of one match; :meth:`snapshot` appends one cumulative packet line."""

    def __init__(self, rec: MatchRecorder, starting_striker_home: bool, *, enabled: bool = True) -> None:
        self.rec = rec
        # Its own random stream, drawn once either way, so actions do not depend on ``enabled``.
        self.rng = random.Random(rec.rng.getrandbits(64))
        self.enabled = enabled
        header = rec.header
        self.teams = {True: _TeamStats(header.home), False: _TeamStats(header.away)}
        self.starting_striker = header.home.id if starting_striker_home else header.away.id
        self.breaks: list[Break] = []
        self._fragments: list[str] = []
        self.current: Break | None = None
        self.lines: list[str] = []
        self.remaining: dict[str, Any] = {}
        self._player_order = sorted((True, False), key=lambda home: self.teams[home].team.id)

    # --- state changes --------------------------------------------------------------------

    def count(self, home: bool, frame: int, action: ActionType, sub: SubType | None, delta: int = 1) -> None:
        stats = self.teams[home]
        stats.game.add(action, sub, delta)
        period = stats.periods.get(frame)
        if period is None:
            period = stats.periods[frame] = _Aggregates()
        period.add(action, sub, delta)

    def start_break(self, frame: int, seq: int, home: bool, now_us: int) -> Break:
        self.current = Break(frame, seq, home, now_us)
        return self.current

    def end_break(self, now_us: int) -> None:
        brk = self.current
        if brk is None:
            return
        brk.end_us = now_us
        self.breaks.append(brk)
        self._fragments.append(self._break_json(brk))
        self.current = None

    def pot(self, type_id: int, points: int) -> None:
        assert self.current is not None
        self.current.score += points
        self.current.potted[COLOUR_KEY[type_id]] += 1

    def revise(self, brk: Break, old_type_id: int, new_type_id: int, delta: int) -> None:
        """A referee correction of an ended break: one pot changes colour."""
        brk.score += delta
        brk.potted[COLOUR_KEY[old_type_id]] -= 1
        brk.potted[COLOUR_KEY[new_type_id]] += 1
        brk.revisions += 1
        self._fragments[self.breaks.index(brk)] = self._break_json(brk)

    def shot(self, home: bool, start_us: int, end_us: int) -> None:
        stats = self.teams[home]
        if self.enabled:
            stats.shot_fragments.append(
                f'{{"shotEnd":"{iso_trimmed(end_us)}","duration":"{duration_ticks(end_us - start_us)}",'
                f'"shotStart":"{iso_trimmed(start_us)}"}}'
            )
        stats.shot_total_us += end_us - start_us
        stats.shot_count += 1

    # --- output ---------------------------------------------------------------------------

    def _break_json(self, brk: Break) -> str:
        team = self.teams[brk.home].team
        return _encode(
            {
                "score": brk.score,
                "breakSeq": brk.seq,
                "playerId": team.id,
                "playerName": team.players[0].name,
                "pottedBalls": brk.potted,
                "endTimestamp": None if brk.end_us is None else iso_trimmed(brk.end_us),
                "periodNumber": brk.frame,
                "startTimestamp": iso_trimmed(brk.start_us),
            }
        )

    def snapshot(self, finished: bool = False) -> None:
        if not self.enabled:
            return
        rec = self.rec
        breaks = self._fragments if self.current is None else [*self._fragments, self._break_json(self.current)]
        averages = {}
        players = []
        for home in self._player_order:
            stats = self.teams[home]
            team_id = stats.team.id
            if stats.shot_count:
                averages[team_id] = duration_ticks(stats.shot_total_us // stats.shot_count)
            players.append(f'"{team_id}":{{"playerId":"{team_id}","shotTimes":[{",".join(stats.shot_fragments)}]}}')
        aggregates = f"[{self.teams[True].aggregates_text()},{self.teams[False].aggregates_text()}]"
        self.lines.append(
            f'{{"seqNum":{len(self.lines) + 1},"traceId":"{rng_trace_id(self.rng)}","version":2,'
            f'"finished":{"true" if finished else "false"},"fixtureId":"{rec.fixture_id}",'
            f'"timestamp":"{iso_ticks(rec.now_us + 1)}","teamActionAggregates":{aggregates},'
            f'"advancedSportStatistics":{{"startingStriker":"{self.starting_striker}",'
            f'"breaksStatistics":{{"breaks":[{",".join(breaks)}]}},'
            f'"remainingBallsStatistics":{_encode(self.remaining)},'
            f'"averageShotTimeStatistics":{{"averageShotTimes":{_encode(averages)},'
            f'"playersShotTimes":{{{",".join(players)}}}}}}}}}'
        )

    def truth_breaks(self) -> list[dict[str, Any]]:
        out = []
        for brk in self.breaks:
            if brk.score <= 0 or brk.end_us is None:
                continue
            team = self.teams[brk.home].team
            out.append(
                {
                    "frame": brk.frame,
                    "breakSeq": brk.seq,
                    "playerId": team.id,
                    "playerName": team.players[0].name,
                    "points": brk.score,
                    "pottedBalls": dict(brk.potted),
                    "startTimestamp": iso_trimmed(brk.start_us),
                    "endTimestamp": iso_trimmed(brk.end_us),
                    "revisions": brk.revisions,
                }
            )
        return out
