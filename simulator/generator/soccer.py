"""Soccer: two halves, in knockout fixtures extra time and a penalty shoot-out.

Goals are sent Pending then Confirmed (a few Cancelled while pending, for offside); some
confirmed goals are disallowed after a video check (51) and Deleted.  Yellow cards are
sent Pending then Confirmed, and some are later Updated to red.  The shoot-out is a
period of type Shootout whose period score is the shoot-out tally; it does not change
the match score, as in the feed's shoot-out sample.
"""

from __future__ import annotations

import random

from ddeflow.simulator.generator import action_types as at
from ddeflow.simulator.generator.action_types import SendType
from ddeflow.simulator.generator.recorder import MatchRecorder, ScoreMode
from ddeflow.simulator.generator.rosters import FixtureHeader, Player
from ddeflow.simulator.generator.timefmt import clock_mmss

STARTERS = 11
P_KNOCKOUT = 0.7
MEAN_STEP_S = 14.0
P_POSSESSION_CHANGE = 0.45
P_ATTACK = 0.22
P_DANGEROUS = 0.45
P_SHOT_FROM_DANGER = 0.6
P_ON_TARGET = 0.4
P_GOAL_FROM_ON_TARGET = 0.34
P_PENALTY_GOAL = 0.1
P_THROW_IN = 0.18
P_GOAL_KICK = 0.04
P_CORNER = 0.03
P_FOUL = 0.06
P_CARD_ON_FOUL = 0.15
P_OFFSIDE = 0.012
P_SUBSTITUTION = 0.03
P_GOAL_CANCELLED_PENDING = 0.05
P_GOAL_VIDEO_CHECK = 0.1
P_VIDEO_DISALLOWS = 0.6
P_YELLOW_TO_RED = 0.08
P_SHOOTOUT_SCORED = 0.75


class _Soccer:
    def __init__(self, rec: MatchRecorder, rng: random.Random) -> None:
        self.rec = rec
        self.rng = rng
        header = rec.header
        self.on_pitch = {
            True: list(header.home.players[:STARTERS]),
            False: list(header.away.players[:STARTERS]),
        }
        self.bench = {True: list(header.home.players[STARTERS:]), False: list(header.away.players[STARTERS:])}
        self.subs_left = {True: 5, False: 5}
        self.clock_s = 0.0

    def run(self, seconds: float) -> None:
        self.clock_s += seconds
        self.rec.wait(seconds)
        self.rec.clock = clock_mmss(int(self.clock_s))

    def pick(self, home: bool, outfield: bool = True) -> Player:
        players = self.on_pitch[home]
        return self.rng.choice(players[1:] if outfield and len(players) > 1 else players)

    # --- events --------------------------------------------------------------------------

    def goal(self, home: bool) -> None:
        rec, rng = self.rec, self.rng
        sub = at.SC_PENALTY_GOAL if rng.random() < P_PENALTY_GOAL else None
        goal = rec.action(at.SC_GOAL, home=home, player=self.pick(home), sub=sub)
        rec.send(goal, SendType.PENDING)
        self.run(rng.uniform(8, 40))
        if rng.random() < P_GOAL_CANCELLED_PENDING:
            rec.send(goal, SendType.CANCELLED)
            rec.simple(at.SC_OFFSIDE, home=home, player=goal.player, related=[goal.id])
            return
        rec.send(goal)
        if rng.random() < P_GOAL_VIDEO_CHECK:
            check = rec.action(at.VIDEO_CHECK, home=home, related=[goal.id])
            rec.send(check, SendType.PENDING)
            rec.wait(rng.uniform(5, 20))
            rec.send(check)
            rec.wait(rng.uniform(40, 150))
            if rng.random() < P_VIDEO_DISALLOWS:
                rec.send(goal, SendType.DELETED)

    def card(self, home: bool) -> None:
        rec, rng = self.rec, self.rng
        card = rec.action(at.SC_YELLOW_CARD, home=home, player=self.pick(home))
        rec.send(card, SendType.PENDING)
        rec.wait(rng.uniform(5, 25))
        rec.send(card)
        if rng.random() < P_YELLOW_TO_RED:
            rec.simple(at.VIDEO_CHECK, home=home, related=[card.id])
            rec.wait(rng.uniform(40, 120))
            rec.send(card, SendType.UPDATED, new_type=at.SC_RED_CARD)
            if card.player in self.on_pitch[home] and len(self.on_pitch[home]) > 7:
                self.on_pitch[home].remove(card.player)

    def substitution(self, home: bool) -> None:
        if not self.subs_left[home] or not self.bench[home]:
            return
        rec, rng = self.rec, self.rng
        leaving = self.pick(home)
        coming = rng.choice(self.bench[home])
        sub_out = rec.action(at.SUBSTITUTION_OUT, home=home, player=leaving)
        sub_in = rec.action(at.SUBSTITUTION_IN, home=home, player=coming, related=[sub_out.id])
        sub_out.related.append(sub_in.id)
        rec.send(sub_out)
        rec.send(sub_in)
        self.on_pitch[home][self.on_pitch[home].index(leaving)] = coming
        self.bench[home].remove(coming)
        self.subs_left[home] -= 1

    def shot(self, home: bool) -> None:
        rec, rng = self.rec, self.rng
        if rng.random() < P_ON_TARGET:
            if rng.random() < P_GOAL_FROM_ON_TARGET:
                self.goal(home)
                return
            rec.simple(at.SC_SHOT_ON_TARGET, home=home, player=self.pick(home))
            if rng.random() < 0.3:
                rec.simple(at.SC_CORNER, home=home)
        else:
            rec.simple(at.SC_SHOT_OFF_TARGET, home=home, player=self.pick(home))
            self.run(rng.uniform(10, 30))
            rec.simple(at.SC_GOAL_KICK, home=not home)

    def step(self, home: bool, allow_subs: bool) -> bool:
        """One moment of play; returns the team in possession afterwards."""
        rec, rng = self.rec, self.rng
        if rng.random() < P_POSSESSION_CHANGE:
            home = not home
            rec.home_possession = home
            rec.simple(at.POSSESSION, home=home)
        r = rng.random()
        if r < P_ATTACK:
            rec.simple(at.SC_ATTACK, home=home)
            if rng.random() < P_DANGEROUS:
                self.run(rng.uniform(2, 10))
                rec.simple(at.SC_DANGEROUS_ATTACK, home=home)
                if rng.random() < P_SHOT_FROM_DANGER:
                    self.run(rng.uniform(1, 6))
                    self.shot(home)
            return home
        r -= P_ATTACK
        if r < P_THROW_IN:
            rec.simple(at.SC_THROW_IN, home=home)
        elif r < P_THROW_IN + P_GOAL_KICK:
            rec.simple(at.SC_GOAL_KICK, home=home)
        elif r < P_THROW_IN + P_GOAL_KICK + P_CORNER:
            rec.simple(at.SC_CORNER, home=home)
        elif r < P_THROW_IN + P_GOAL_KICK + P_CORNER + P_FOUL:
            rec.simple(at.SC_FOUL, home=not home, player=self.pick(not home))
            if rng.random() < P_CARD_ON_FOUL:
                self.card(not home)
            self.run(rng.uniform(10, 40))
            rec.simple(at.SC_FREE_KICK, home=home)
        elif r < P_THROW_IN + P_GOAL_KICK + P_CORNER + P_FOUL + P_OFFSIDE:
            rec.simple(at.SC_OFFSIDE, home=home, player=self.pick(home))
            rec.simple(at.SC_FREE_KICK, home=not home)
            return not home
        elif allow_subs and r < P_THROW_IN + P_GOAL_KICK + P_CORNER + P_FOUL + P_OFFSIDE + P_SUBSTITUTION:
            self.substitution(rng.random() < 0.5)
        return home

    def period(self, label: str, start_s: int, length_s: int, period_type: str = "Regular") -> None:
        rec, rng = self.rec, self.rng
        self.clock_s = float(start_s)
        rec.clock = clock_mmss(start_s)
        rec.start_period(label, period_type)
        rec.start_clock()
        stoppage = rng.uniform(60, 300) if length_s == 2700 else rng.uniform(0, 180)
        end_s = start_s + length_s + stoppage
        allow_subs = start_s >= 2700
        home = rng.random() < 0.5
        rec.home_possession = home
        while True:
            step = rng.expovariate(1 / MEAN_STEP_S)
            if self.clock_s + step >= end_s:
                self.run(max(end_s - self.clock_s, 0.0))
                break
            self.run(step)
            home = self.step(home, allow_subs)
        rec.stop_clock()
        rec.end_period()

    def shootout(self) -> None:
        rec, rng = self.rec, self.rng
        rec.clock = clock_mmss(0)
        rec.start_period("penalty shootout", "Shootout")
        first = rng.random() < 0.5
        scored = {True: 0, False: 0}
        taken = {True: 0, False: 0}
        while True:
            for home in (first, not first):
                rec.home_possession = home
                rec.wait(rng.uniform(45, 90))
                kicker = self.on_pitch[home][(taken[home] + 1) % len(self.on_pitch[home])]
                taken[home] += 1
                if rng.random() < P_SHOOTOUT_SCORED:
                    kick = rec.action(at.SC_SHOOTOUT_GOAL, home=home, player=kicker)
                    rec.send(kick, SendType.PENDING)
                    rec.wait(rng.uniform(3, 10))
                    rec.send(kick)
                    scored[home] += 1
                else:
                    rec.simple(at.SC_SHOOTOUT_MISS, home=home, player=kicker)
                if _shootout_decided(scored, taken, first):
                    rec.end_period()
                    return

    def play(self) -> None:
        rec, rng = self.rec, self.rng
        conditions = {
            "pitchConditions": {"quality": rng.randint(1, 3), "surface": rng.randint(1, 3)},
            "weatherConditions": {
                "rain": rng.randint(0, 2),
                "wind": rng.randint(0, 2),
                "temperature": rng.randint(0, 3),
            },
        }
        rec.pre_match(conditions, STARTERS)
        rec.start_fixture()
        knockout = rng.random() < P_KNOCKOUT
        self.period("1st half", 0, 2700)
        rec.wait(rng.uniform(900, 1080))
        self.period("2nd half", 2700, 2700)
        if knockout and rec.home_score == rec.away_score:
            rec.wait(rng.uniform(240, 360))
            self.period("1st extra time", 5400, 900, "Overtime")
            rec.wait(rng.uniform(60, 120))
            self.period("2nd extra time", 6300, 900, "Overtime")
            if rec.home_score == rec.away_score:
                rec.wait(rng.uniform(120, 300))
                self.shootout()
        rec.end_match()
        rec.post_match_check()


def _shootout_decided(scored: dict[bool, int], taken: dict[bool, int], first: bool) -> bool:
    """Best of five kicks each, then sudden death after equal numbers of kicks."""
    second = not first
    if taken[first] <= 5 and taken[second] <= 5:
        left = {side: 5 - taken[side] for side in (True, False)}
        return scored[first] + left[first] < scored[second] or scored[second] + left[second] < scored[first]
    return taken[first] == taken[second] and scored[first] != scored[second]


def simulate(header: FixtureHeader, rng: random.Random) -> MatchRecorder:
    rec = MatchRecorder(header, rng, score_mode=ScoreMode.POINTS, clock_text=clock_mmss(0), pre_match_lead_s=3600)
    _Soccer(rec, rng).play()
    return rec
