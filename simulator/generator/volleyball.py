"""Volleyball: best of five sets, to 25 (15 in the fifth), win by two, rally by rally.

The summary's score is sets won (credited in the End Period packet); a period's score is
points in the set.  Some points are sent Pending first, a few Pending points are
Cancelled (the rally is replayed), and some confirmed points are Updated to the other
team after a video challenge.
"""

from __future__ import annotations

import random

from ddeflow.simulator.generator import action_types as at
from ddeflow.simulator.generator.action_types import SendType
from ddeflow.simulator.generator.recorder import MatchRecorder, ScoreMode
from ddeflow.simulator.generator.rosters import FixtureHeader
from ddeflow.simulator.generator.timefmt import clock_mmss

STARTERS = 6
SETS_TO_WIN = 3
P_PENDING_POINT = 0.12
P_CANCEL_PENDING = 0.08
P_CHALLENGE_OVERTURNS = 0.015
P_TIMEOUT = 0.02
P_SUBSTITUTION = 0.03
_LABELS = ("1st set", "2nd set", "3rd set", "4th set", "5th set")


class _Volleyball:
    def __init__(self, rec: MatchRecorder, rng: random.Random) -> None:
        self.rec = rec
        self.rng = rng
        self.home_strength = rng.uniform(0.42, 0.58)
        self.set_elapsed_s = 0.0
        header = rec.header
        self.bench = {True: list(header.home.players[STARTERS:]), False: list(header.away.players[STARTERS:])}
        self.on_court = {
            True: list(header.home.players[:STARTERS]),
            False: list(header.away.players[:STARTERS]),
        }

    def run(self, seconds: float) -> None:
        self.set_elapsed_s += seconds
        self.rec.wait(seconds)
        self.rec.clock = clock_mmss(int(self.set_elapsed_s))

    def rally(self, serving_home: bool, target: int) -> bool:
        """Play one rally to a recorded point; returns the team that won it."""
        rec, rng = self.rec, self.rng
        period = rec.periods[-1]
        self.run(rng.uniform(12, 35))
        winner = rng.random() < self.home_strength + (0.04 if serving_home else -0.04)
        scorer = rng.choice(self.on_court[winner])
        sub = rng.choice(at.VB_POINT_SUBTYPES)
        late = max(period.home, period.away) >= target - 2
        if not late and rng.random() < P_CHALLENGE_OVERTURNS:
            # Called for the wrong team, then overturned on video.
            point = rec.action(at.VB_POINT, home=not winner, player=rng.choice(self.on_court[not winner]), sub=sub)
            rec.send(point)
            rec.simple(at.VIDEO_CHECK, home=winner, related=[point.id])
            self.run(rng.uniform(30, 90))
            rec.send(point, SendType.UPDATED, new_home=winner, new_player=scorer)
            return winner
        point = rec.action(at.VB_POINT, home=winner, player=scorer, sub=sub)
        if rng.random() < P_PENDING_POINT:
            rec.send(point, SendType.PENDING)
            self.run(rng.uniform(1, 5))
            if rng.random() < P_CANCEL_PENDING:
                rec.send(point, SendType.CANCELLED)
                return self.rally(serving_home, target)
        rec.send(point)
        return winner

    def dead_ball(self) -> None:
        rec, rng = self.rec, self.rng
        if rng.random() < P_TIMEOUT:
            rec.simple(at.TIMEOUT, home=rng.random() < 0.5)
            self.run(rng.uniform(30, 60))
        if rng.random() < P_SUBSTITUTION:
            home = rng.random() < 0.5
            leaving = rng.choice(self.on_court[home])
            coming = rng.choice(self.bench[home])
            sub_out = rec.action(at.SUBSTITUTION_OUT, home=home, player=leaving)
            sub_in = rec.action(at.SUBSTITUTION_IN, home=home, player=coming, related=[sub_out.id])
            sub_out.related.append(sub_in.id)
            rec.send(sub_out)
            rec.send(sub_in)
            self.on_court[home][self.on_court[home].index(leaving)] = coming
            self.bench[home][self.bench[home].index(coming)] = leaving

    def play_set(self, number: int, first_server_home: bool) -> None:
        rec = self.rec
        target = 15 if number == 5 else 25
        self.set_elapsed_s = 0.0
        rec.clock = clock_mmss(0)
        rec.start_period(_LABELS[number - 1])
        rec.start_clock()
        period = rec.periods[-1]
        serving = first_server_home
        while True:
            rec.home_possession = serving
            serving = self.rally(serving, target)
            lead = period.home - period.away
            if max(period.home, period.away) >= target and abs(lead) >= 2:
                break
            self.dead_ball()
        rec.stop_clock()
        rec.end_period()

    def play(self) -> None:
        rec, rng = self.rec, self.rng
        rec.pre_match({"indoor": True, "attendance": rng.randint(300, 6000)}, STARTERS)
        rec.start_fixture()
        first_server = rng.random() < 0.5
        number = 0
        while max(rec.home_score, rec.away_score) < SETS_TO_WIN:
            number += 1
            if number > 1:
                rec.wait(rng.uniform(150, 240))
            self.play_set(number, first_server if number % 2 else not first_server)
        rec.end_match()
        rec.post_match_check()


def simulate(header: FixtureHeader, rng: random.Random) -> MatchRecorder:
    rec = MatchRecorder(header, rng, score_mode=ScoreMode.PERIODS_WON, clock_text=clock_mmss(0))
    _Volleyball(rec, rng).play()
    return rec
