"""Basketball: four 10-minute quarters (5-minute overtimes until someone leads), by possession.

Lifecycle features this produces, with seeded probabilities: made shots sent Pending then
Confirmed; some Pending shots Cancelled; some confirmed baskets later Deleted or Updated
from 2PT to 3PT after a video check (inside Closed/Open Market); team rebounds Updated to
player rebounds (sometimes after the final whistle); fouls, free throws, steals, blocks,
turnovers, timeouts, substitutions and fouled-out players.
"""

from __future__ import annotations

import random

from ddeflow.simulator.generator import action_types as at
from ddeflow.simulator.generator.action_types import SendType
from ddeflow.simulator.generator.recorder import Action, MatchRecorder, ScoreMode
from ddeflow.simulator.generator.rosters import FixtureHeader, Player
from ddeflow.simulator.generator.timefmt import clock_mmss

QUARTER_S = 600
OVERTIME_S = 300
STARTERS = 5

P_TURNOVER = 0.11
P_NON_SHOOTING_FOUL = 0.08
P_THREE = 0.38
P_SHOOTING_FOUL = 0.09
P_MADE_2 = 0.54
P_MADE_3 = 0.36
P_MADE_FT = 0.76
P_PENDING_2 = 0.55
P_PENDING_3 = 0.7
P_PENDING_FT = 0.25
P_CANCEL_PENDING = 0.04
P_DELETE_BASKET = 0.012
P_UPGRADE_2_TO_3 = 0.015
P_ASSIST = 0.6
P_BLOCK = 0.08
P_OFFENSIVE_REBOUND = 0.27
P_TEAM_REBOUND = 0.12
P_TEAM_REBOUND_UPDATED = 0.6
P_STEAL = 0.5
P_TIMEOUT = 0.035
P_SUBSTITUTION = 0.35


class _Basketball:
    def __init__(self, rec: MatchRecorder, rng: random.Random) -> None:
        self.rec = rec
        self.rng = rng
        header = rec.header
        self.on_court = {
            True: list(header.home.players[:STARTERS]),
            False: list(header.away.players[:STARTERS]),
        }
        self.bench = {True: list(header.home.players[STARTERS:]), False: list(header.away.players[STARTERS:])}
        self.fouls: dict[str, int] = {}
        self.team_fouls = {True: 0, False: 0}
        self.timeouts_left = {True: 5, False: 5}
        self.clock_s = float(QUARTER_S)
        self.unresolved_team_rebounds: list[tuple[Action, bool]] = []

    # --- clock ---------------------------------------------------------------------------

    def _set_clock(self) -> None:
        self.rec.clock = clock_mmss(int(self.clock_s + 0.999))

    def run(self, seconds: float) -> None:
        self.clock_s = max(self.clock_s - seconds, 0.0)
        self.rec.wait(seconds)
        self._set_clock()

    def dead(self, seconds: float) -> None:
        self.rec.wait(seconds)

    def stop(self) -> None:
        if self.rec.clock_running:
            self.rec.stop_clock()

    def resume(self) -> None:
        if not self.rec.clock_running and self.clock_s > 0:
            self.dead(self.rng.uniform(3, 15))
            self.rec.start_clock()

    # --- people --------------------------------------------------------------------------

    def pick(self, home: bool, exclude: Player | None = None) -> Player:
        choices = [p for p in self.on_court[home] if p is not exclude]
        return self.rng.choice(choices)

    def substitute(self, home: bool, out: Player | None = None) -> None:
        if not self.bench[home]:
            return
        leaving = out or self.rng.choice(self.on_court[home])
        coming = self.rng.choice(self.bench[home])
        rec = self.rec
        sub_out = rec.action(at.SUBSTITUTION_OUT, home=home, player=leaving)
        sub_in = rec.action(at.SUBSTITUTION_IN, home=home, player=coming, related=[sub_out.id])
        sub_out.related.append(sub_in.id)
        rec.send(sub_out)
        rec.send(sub_in)
        self.on_court[home].remove(leaving)
        self.on_court[home].append(coming)
        self.bench[home].remove(coming)
        if self.fouls.get(leaving.id, 0) < 5:
            self.bench[home].append(leaving)

    def dead_ball_business(self) -> None:
        rng = self.rng
        if rng.random() < P_TIMEOUT:
            home = rng.random() < 0.5
            if self.timeouts_left[home]:
                self.timeouts_left[home] -= 1
                self.rec.simple(at.TIMEOUT, home=home)
                self.dead(rng.uniform(60, 100))
        if rng.random() < P_SUBSTITUTION:
            for _ in range(rng.randint(1, 2)):
                self.substitute(rng.random() < 0.5)

    # --- events --------------------------------------------------------------------------

    def free_throws(self, home: bool, count: int, shooter: Player) -> Action | None:
        """Shoot ``count`` free throws; a missed last one is returned unsent (a rebound follows)."""
        rec, rng = self.rec, self.rng
        for number in range(count):
            self.dead(rng.uniform(10, 25))
            if rng.random() < P_MADE_FT:
                act = rec.action(at.BB_FT_MADE, home=home, player=shooter)
                if rng.random() < P_PENDING_FT:
                    rec.send(act, SendType.PENDING)
                    self.dead(rng.uniform(1, 4))
                rec.send(act)
            else:
                miss = rec.action(at.BB_FT_MISSED, home=home, player=shooter)
                if number == count - 1:
                    return miss
                rec.send(miss)
        return None

    def after_free_throws(self, home: bool, count: int, shooter: Player) -> bool:
        """Free throws, then the clock restarts; returns who has the ball next."""
        miss = self.free_throws(home, count, shooter)
        if miss is None:
            self.dead_ball_business()
            self.resume()
            return not home
        self.resume()
        return self.rebound_after_miss(miss, home)

    def foul(self, fouling_home: bool, sub: at.SubType) -> None:
        rec = self.rec
        self.stop()
        fouler = self.pick(fouling_home)
        rec.simple(at.BB_FOUL, home=fouling_home, player=fouler, sub=sub)
        self.team_fouls[fouling_home] += 1
        self.fouls[fouler.id] = self.fouls.get(fouler.id, 0) + 1
        if self.fouls[fouler.id] >= 5:
            rec.simple(at.BB_OUT_OF_GAME, home=fouling_home, player=fouler, sub=at.BB_FOULED_OUT)
            self.dead(self.rng.uniform(20, 60))
            self.substitute(fouling_home, out=fouler)

    def rebound_after_miss(self, miss: Action, shooting_home: bool) -> bool:
        """Block and rebound after ``miss`` (not yet sent); returns who has the ball next."""
        rec, rng = self.rec, self.rng
        offensive = rng.random() < P_OFFENSIVE_REBOUND
        rebounder_home = shooting_home if offensive else not shooting_home
        block: Action | None = None
        if rng.random() < P_BLOCK:
            block = rec.action(at.BB_BLOCK, home=not shooting_home, player=self.pick(not shooting_home))
            miss.related.append(block.id)
        if rng.random() < P_TEAM_REBOUND:
            kind = at.BB_OFFENSIVE_TEAM_REBOUND if offensive else at.BB_DEFENSIVE_TEAM_REBOUND
            rebound = rec.action(kind, home=rebounder_home)
        else:
            kind = at.BB_OFFENSIVE_REBOUND if offensive else at.BB_DEFENSIVE_REBOUND
            rebound = rec.action(kind, home=rebounder_home, player=self.pick(rebounder_home))
        miss.related.append(rebound.id)
        rec.send(miss)
        if block is not None:
            block.related.append(miss.id)
            rec.send(block)
        self.run(rng.uniform(0.5, 2.5))
        rec.send(rebound)
        if rebound.player is None:
            self.unresolved_team_rebounds.append((rebound, offensive))
            if rng.random() < P_TEAM_REBOUND_UPDATED:
                self.run(rng.uniform(1, 4))
                self.resolve_team_rebound()
        return rebounder_home

    def resolve_team_rebound(self) -> None:
        rebound, offensive = self.unresolved_team_rebounds.pop()
        home = bool(rebound.side_home)
        player_type = at.BB_OFFENSIVE_REBOUND if offensive else at.BB_DEFENSIVE_REBOUND
        self.rec.send(rebound, SendType.UPDATED, new_type=player_type, new_player=self.pick(home))

    def video_review(self, basket: Action, assist: Action | None, outcome: str) -> None:
        """A confirmed basket reviewed on video: 'delete' it or 'upgrade' a 2PT to a 3PT."""
        rec, rng = self.rec, self.rng
        self.stop()
        rec.simple(at.CLOSED_MARKET)
        rec.simple(at.VIDEO_CHECK, related=[basket.id])
        self.dead(rng.uniform(30, 120))
        if outcome == "delete":
            rec.send(basket, SendType.DELETED)
            if assist is not None:
                rec.send(assist, SendType.DELETED)
        else:
            rec.send(basket, SendType.UPDATED, new_type=at.BB_3PT_MADE)
        rec.simple(at.OPEN_MARKET)

    def shot(self, home: bool) -> bool:
        """One field-goal attempt by ``home``; returns who has the ball next."""
        rec, rng = self.rec, self.rng
        three = rng.random() < P_THREE
        shooter = self.pick(home)
        fouled = rng.random() < P_SHOOTING_FOUL
        made = rng.random() < (P_MADE_3 if three else P_MADE_2) * (0.6 if fouled else 1.0)
        made_type = at.BB_3PT_MADE if three else at.BB_2PT_MADE
        missed_type = at.BB_3PT_MISSED if three else at.BB_2PT_MISSED
        pending: Action | None = None
        if three and rng.random() < P_PENDING_3:
            x = rng.uniform(-700, 700)
            position = {"x": round(x, 1), "y": round(rng.uniform(0, 600), 1), "zone": "AboveTheBreak3"}
            pending = rec.action(at.BB_3PT_SHOT, home=home, player=shooter, metadata={"courtPosition": position})
        elif made and not three and rng.random() < P_PENDING_2:
            pending = rec.action(made_type, home=home, player=shooter)
        if pending is not None:
            rec.send(pending, SendType.PENDING)
            self.run(rng.uniform(0.5, 2.0))
            if rng.random() < P_CANCEL_PENDING:
                # Whistle before the shot counted (travel, shot clock): void it, ball over.
                rec.send(pending, SendType.CANCELLED)
                self.stop()
                rec.simple(at.BB_TURNOVER, home=home, player=shooter)
                self.dead_ball_business()
                self.resume()
                return not home
        if made:
            basket = pending or rec.action(made_type, home=home, player=shooter)
            rec.send(basket, SendType.CONFIRMED, new_type=made_type if pending is not None else None)
            assist = None
            if rng.random() < P_ASSIST:
                assist = rec.simple(
                    at.BB_ASSIST, home=home, player=self.pick(home, exclude=shooter), related=[basket.id]
                )
            if rng.random() < P_DELETE_BASKET:
                self.video_review(basket, assist, "delete")
                self.resume()
            elif not three and rng.random() < P_UPGRADE_2_TO_3:
                self.video_review(basket, None, "upgrade")
                self.resume()
            if fouled:
                self.foul(not home, at.BB_FOUL_SHOOTING)
                return self.after_free_throws(home, 1, shooter)
            return not home
        if fouled:
            if pending is not None:
                rec.send(pending, SendType.CANCELLED)
            self.foul(not home, at.BB_FOUL_SHOOTING)
            return self.after_free_throws(home, 3 if three else 2, shooter)
        miss = pending or rec.action(missed_type, home=home, player=shooter)
        if pending is not None:
            miss.type = missed_type
        return self.rebound_after_miss(miss, home)

    def possession(self, home: bool) -> bool:
        rec, rng = self.rec, self.rng
        self.resume()  # the game clock only runs while the feed's clock does
        duration = rng.uniform(5, 22)
        if duration >= self.clock_s:
            self.run(self.clock_s)
            return home
        self.run(duration)
        r = rng.random()
        if r < P_TURNOVER:
            loser = self.pick(home)
            turnover = rec.action(at.BB_TURNOVER, home=home, player=loser)
            if rng.random() < P_STEAL:
                steal = rec.action(at.BB_STEAL, home=not home, player=self.pick(not home), related=[turnover.id])
                rec.send(turnover)
                rec.send(steal)
            else:
                self.stop()
                rec.send(turnover)
                self.dead_ball_business()
                self.resume()
            return not home
        if r < P_TURNOVER + P_NON_SHOOTING_FOUL:
            self.foul(not home, at.BB_FOUL_PERSONAL)
            if self.team_fouls[not home] > 4:
                return self.after_free_throws(home, 2, self.pick(home))
            self.dead_ball_business()
            self.resume()
            return home
        return self.shot(home)

    def period(self, label: str, length_s: int, first_ball_home: bool) -> None:
        rec = self.rec
        self.clock_s = float(length_s)
        self._set_clock()
        self.team_fouls = {True: 0, False: 0}
        rec.start_period(label, "Regular" if length_s == QUARTER_S else "Overtime")
        self.dead(self.rng.uniform(5, 40))
        rec.start_clock()
        home = first_ball_home
        rec.home_possession = home
        rec.simple(at.POSSESSION, home=home)
        while self.clock_s > 0:
            next_home = self.possession(home)
            if next_home != home and self.clock_s > 0:
                rec.home_possession = next_home
                rec.simple(at.POSSESSION, home=next_home)
            home = next_home
            if self.unresolved_team_rebounds and self.rng.random() < 0.05:
                self.resolve_team_rebound()
        self.clock_s = 0
        self._set_clock()
        self.stop()
        rec.end_period()

    def play(self) -> None:
        rec, rng = self.rec, self.rng
        rec.pre_match({"attendance": rng.randint(800, 15000), "indoor": True}, STARTERS)
        rec.start_fixture()
        first = rng.random() < 0.5
        labels = ("1st quarter", "2nd quarter", "3rd quarter", "4th quarter")
        for number, label in enumerate(labels):
            self.period(label, QUARTER_S, first if number % 2 == 0 else not first)
            if number < 3:
                self.dead(rng.uniform(850, 1000) if number == 1 else rng.uniform(100, 160))
        overtime = 0
        while rec.home_score == rec.away_score:
            overtime += 1
            self.dead(rng.uniform(100, 160))
            self.period(f"Overtime {overtime}", OVERTIME_S, rng.random() < 0.5)
        rec.clock = clock_mmss(0)
        rec.end_match()
        while self.unresolved_team_rebounds:
            rec.wait(rng.uniform(20, 200))
            self.resolve_team_rebound()
        rec.post_match_check()


def simulate(header: FixtureHeader, rng: random.Random) -> MatchRecorder:
    rec = MatchRecorder(header, rng, score_mode=ScoreMode.POINTS, clock_text=clock_mmss(QUARTER_S))
    _Basketball(rec, rng).play()
    return rec
