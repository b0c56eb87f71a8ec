"""Snooker: frames of visits, shot by shot, with the ``/statistics`` stream alongside.

Each visit starts with a Striker action (316); pots are ball actions (301-307) with a
pocket sub-type; a foul (308) gives its points to the opponent and ends the visit; a
player who needs snookers usually concedes (312).  The summary's score is frames won, a
period's score is points in the frame.  Occasionally a referee correction re-colours a
pot of an already-ended break (an Updated ball action), which changes the frame score and
revises that break in the following statistics snapshot.
"""

from __future__ import annotations

import random

from ddeflow.simulator.generator import action_types as at
from ddeflow.simulator.generator.action_types import ActionType, SendType
from ddeflow.simulator.generator.recorder import Action, MatchRecorder, ScoreMode
from ddeflow.simulator.generator.rosters import FixtureHeader
from ddeflow.simulator.generator.snooker_statistics import Break, SnookerStatistics
from ddeflow.simulator.generator.timefmt import clock_mmss

P_FOUL_ON_MISS = 0.1
P_CONCEDE_NEEDING_SNOOKERS = 0.9
P_MATCH_HAS_REVISION = 0.5
P_REVISE_AT_VISIT = 0.1
# Colour chosen after a red, by how often professionals take it.
_COLOUR_AFTER_RED = (
    (at.SN_BLACK,) * 11 + (at.SN_PINK,) * 4 + (at.SN_BLUE,) * 3 + (at.SN_BROWN, at.SN_GREEN, at.SN_YELLOW)
)
_POCKET_WEIGHTS = (2, 1, 6, 2, 1, 6)
_NEXT_BALL = {
    302: "YellowBall",
    303: "GreenBall",
    304: "BrownBall",
    305: "BlueBall",
    306: "PinkBall",
    307: "BlackBall",
}


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


class _Snooker:
    def __init__(self, rec: MatchRecorder, rng: random.Random, with_statistics: bool) -> None:
        self.rec = rec
        self.rng = rng
        self.skill = {True: rng.uniform(0.8, 0.9), False: rng.uniform(0.8, 0.9)}
        self.first_pot = {True: rng.uniform(0.4, 0.55), False: rng.uniform(0.4, 0.55)}
        self.frames_to_win = rng.choice((4, 5, 5, 6))
        self.first_breaker_home = rng.random() < 0.5
        self.stats = SnookerStatistics(rec, self.first_breaker_home, enabled=with_statistics)
        self.revisions_left = 1 if rng.random() < P_MATCH_HAS_REVISION else 0
        self.frame = 0
        self.frame_elapsed_s = 0.0
        self.reds = 15
        self.colour_on = False
        self.colours: list[ActionType] = list(at.SN_COLOURS)
        self.break_seq = 0
        self.candidates: list[tuple[Break, Action, ActionType]] = []

    # --- table state ---------------------------------------------------------------------

    def remaining_points(self) -> int:
        return self.reds * 8 + sum(c.points for c in self.colours) + (7 if self.colour_on else 0)

    def balls_left(self) -> bool:
        return self.reds > 0 or self.colour_on or bool(self.colours)

    def update_remaining(self) -> None:
        on_table = {c.type_id for c in self.colours}
        balls = {
            "redBalls": self.reds,
            "blueBalls": int(305 in on_table),
            "pinkBalls": int(306 in on_table),
            "blackBalls": int(307 in on_table),
            "brownBalls": int(304 in on_table),
            "greenBalls": int(303 in on_table),
            "yellowBalls": int(302 in on_table),
        }
        if self.colour_on:
            expected: str | None = "ColourBall"
        elif self.reds:
            expected = "RedBall"
        elif self.colours:
            expected = _NEXT_BALL[self.colours[0].type_id]
        else:
            expected = None
        self.stats.remaining = {
            "possiblePoints": self.remaining_points(),
            "remainingBalls": balls,
            "nextExpectedBall": expected,
        }

    def run(self, seconds: float) -> None:
        self.frame_elapsed_s += seconds
        self.rec.wait(seconds)
        self.rec.clock = clock_mmss(int(self.frame_elapsed_s))

    def scores(self, home: bool) -> tuple[int, int]:
        period = self.rec.periods[-1]
        return (period.home, period.away) if home else (period.away, period.home)

    # --- events --------------------------------------------------------------------------

    def maybe_revise(self) -> None:
        if not self.revisions_left or self.rng.random() >= P_REVISE_AT_VISIT:
            return
        ready = [c for c in self.candidates if c[0].end_us is not None and c[1].type is c[2]]
        if not ready:
            return
        brk, act, old = self.rng.choice(ready)
        new = at.SN_PINK if old is at.SN_BLACK else at.SN_COLOURS[at.SN_COLOURS.index(old) + 1]
        self.rec.send(act, SendType.UPDATED, new_type=new, new_sub=act.sub)
        self.stats.revise(brk, old.type_id, new.type_id, new.points - old.points)
        self.stats.count(brk.home, brk.frame, old, act.sub, -1)
        self.stats.count(brk.home, brk.frame, new, act.sub, +1)
        self.stats.snapshot()
        self.revisions_left -= 1

    def pot(self, home: bool) -> bool:
        """Pot the ball on; returns False when the table is empty."""
        rec, rng = self.rec, self.rng
        free_colour = False
        if self.colour_on:
            ball = rng.choice(_COLOUR_AFTER_RED)
            self.colour_on = False
            free_colour = True
        elif self.reds:
            ball = at.SN_RED
            self.reds -= 1
            self.colour_on = True
        else:
            ball = self.colours.pop(0)
        pocket = rng.choices(at.SN_POCKETS, _POCKET_WEIGHTS)[0]
        act = rec.action(ball, home=home, player=rec.team(home).players[0], sub=pocket)
        rec.send(act)
        self.stats.pot(ball.type_id, ball.points)
        self.stats.count(home, self.frame, ball, pocket)
        if free_colour and self.stats.current is not None:
            self.candidates.append((self.stats.current, act, ball))
        self.update_remaining()
        self.stats.snapshot()
        return self.balls_left()

    def foul(self, home: bool) -> None:
        rec = self.rec
        if self.colour_on:
            ball_value = self.rng.choice((4, 4, 5, 6, 7))
        elif self.reds:
            ball_value = 4
        else:
            ball_value = self.colours[0].points
        sub = at.SN_FOUL_SUBTYPES[max(4, ball_value)]
        rec.simple(at.SN_FOUL, home=home, player=rec.team(home).players[0], sub=sub)
        self.stats.count(home, self.frame, at.SN_FOUL, sub)

    def visit(self, home: bool) -> bool:
        """One visit to the table; returns True when the frame is over."""
        rec, rng, stats = self.rec, self.rng, self.stats
        self.maybe_revise()
        own, other = self.scores(home)
        if other - own > self.remaining_points() and rng.random() < P_CONCEDE_NEEDING_SNOOKERS:
            rec.home_possession = home
            rec.simple(at.SN_CONCEDE_FRAME, home=home, player=rec.team(home).players[0])
            stats.count(home, self.frame, at.SN_CONCEDE_FRAME, None)
            return True
        rec.home_possession = home
        self.break_seq += 1
        turn_us = rec.now_us
        stats.end_break(turn_us)
        rec.simple(at.SN_STRIKER, home=home, player=rec.team(home).players[0])
        stats.count(home, self.frame, at.SN_STRIKER, None)
        stats.start_break(self.frame, self.break_seq, home, turn_us)
        self.update_remaining()
        stats.snapshot()
        shot_start = rec.now_us
        first = True
        while True:
            self.run(rng.uniform(8, 35) if first else rng.uniform(4, 20))
            stats.shot(home, shot_start, rec.now_us)
            shot_start = rec.now_us
            if rng.random() < (self.first_pot[home] if first else self.skill[home]):
                first = False
                if self.pot(home):
                    continue
                own, other = self.scores(home)
                if own != other:
                    return True
                self.colours = [at.SN_BLACK]  # tied: the black is re-spotted
                self.update_remaining()
                return False
            if rng.random() < P_FOUL_ON_MISS:
                self.foul(home)
                self.colour_on = False
                self.update_remaining()
                stats.snapshot()
                last_black = not self.reds and [c.type_id for c in self.colours] == [307]
                own, other = self.scores(home)
                if last_black and own != other:
                    return True
            self.colour_on = False
            return False

    def play_frame(self, breaker_home: bool) -> None:
        rec, rng = self.rec, self.rng
        self.frame += 1
        self.frame_elapsed_s = 0.0
        self.reds, self.colour_on, self.colours = 15, False, list(at.SN_COLOURS)
        self.break_seq = 0
        self.candidates = []
        rec.clock = clock_mmss(0)
        rec.start_period(f"{_ordinal(self.frame)} frame")
        rec.start_clock()
        striker = breaker_home
        while not self.visit(striker):
            striker = not striker
        self.stats.end_break(rec.now_us)
        rec.stop_clock()
        rec.end_period()
        self.update_remaining()
        self.stats.snapshot()
        rec.wait(rng.uniform(60, 150))

    def play(self) -> None:
        rec, rng = self.rec, self.rng
        rec.pre_match({"tableTemperature": rng.randint(18, 24)}, 1)
        rec.start_fixture()
        breaker = self.first_breaker_home
        while max(rec.home_score, rec.away_score) < self.frames_to_win:
            if self.frame and self.frame % 4 == 0:
                rec.wait(rng.uniform(600, 900))
            self.play_frame(breaker)
            breaker = not breaker
        rec.end_match()
        rec.post_match_check()
        self.stats.snapshot(finished=True)


def simulate(header: FixtureHeader, rng: random.Random, *, with_statistics: bool = True) -> MatchRecorder:
    """Simulate one match; ``with_statistics=False`` skips building the snapshots (same actions)."""
    rec = MatchRecorder(header, rng, score_mode=ScoreMode.PERIODS_WON, clock_text=clock_mmss(0))
    game = _Snooker(rec, rng, with_statistics)
    rec.statistics = game.stats
    game.play()
    return rec
