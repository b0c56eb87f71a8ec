"""Consistency checks of a generated fixture, recomputed from its packets alone.

Given a fixture's action packets (parsed JSON) and, optionally, its truth, the checks are:

- ``seq``: ``fixtureSeqNum`` is 1, 2, 3, ... in send order.
- ``score``: every summary's match and period scores equal what the live scoring actions
  so far imply: an action counts while its latest send type is Confirmed, Updated or
  Restored, with its type's points (``action_types``) for the team it names (snooker
  fouls for the opponent); for volleyball and snooker the match score counts ended periods
  won.
- ``periods``: from the summary alone, period scores add up to the match score
  (basketball, soccer: Shootout periods excluded) or ended periods won make it
  (volleyball, snooker); cumulative period scores run; ``isTied`` matches.
- ``lifecycle``: send-type transitions per action are Pending -> Confirmed | Cancelled,
  Confirmed/Updated/Restored -> Updated | Deleted, Deleted -> Updated | Restored; the first
  send is Pending or Confirmed.
- ``status``: statuses and collection statuses only move forward; timestamps never go back;
  a stopped clock shows the same time until it starts again (a Start Period may reset it).
- ``final``: only the last packet is finished, and it is Post Match Check Complete (21),
  Completed, PostMatchChecked.
- ``timeline``/``truth``: ``truth.scoreTimeline`` equals the changes seen in the summaries,
  and ``truth.final`` equals the last summary.
- ``statistics`` (snooker): seqNum 1, 2, ...; breaks numbered from 1 per frame, back to
  back, at most one in progress (the last); each break's score equals its potted balls;
  the final snapshot is finished and its breaks with points equal ``truth.breaks``; per
  frame, break points plus foul points received equal the frame score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ddeflow.simulator.generator.action_types import SN_FOUL, START_PERIOD, scoring_points

_LIVE = {2, 5, 6}
_ALLOWED = {None: {1, 5}, 1: {5, 3}, 5: {2, 4}, 2: {2, 4}, 6: {2, 4}, 4: {2, 6}, 3: set()}
_STATUS_ORDER = {"Scheduled": 0, "Live": 1, "Completed": 2}
_COLLECTION_ORDER = {
    "CollectionScheduled": 0,
    "CollectingLive": 1,
    "CollectingPostMatch": 2,
    "CollectionCompleted": 2,
    "PostMatchChecked": 3,
}
_PERIODS_WON = {"volleyball", "snooker"}
_BALL_POINTS = {
    "redBalls": 1,
    "yellowBalls": 2,
    "greenBalls": 3,
    "brownBalls": 4,
    "blueBalls": 5,
    "pinkBalls": 6,
    "blackBalls": 7,
}
_MAX_PER_RULE = 20


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    seq: int | None
    detail: str

    def __str__(self) -> str:
        where = f" at fixtureSeqNum {self.seq}" if self.seq is not None else ""
        return f"[{self.rule}]{where}: {self.detail}"


class _Collector:
    def __init__(self) -> None:
        self.items: list[Violation] = []
        self._per_rule: dict[str, int] = {}

    def add(self, rule: str, seq: int | None, detail: str) -> None:
        count = self._per_rule.get(rule, 0)
        self._per_rule[rule] = count + 1
        if count < _MAX_PER_RULE:
            self.items.append(Violation(rule, seq, detail))


def _score_key(summary: Mapping[str, Any]) -> tuple[Any, ...]:
    scored = tuple(
        (p["id"], p["homeTeamPeriodScore"], p["awayTeamPeriodScore"])
        for p in summary["periods"]
        if p["homeTeamPeriodScore"] or p["awayTeamPeriodScore"]
    )
    return (summary["homeTeamScore"], summary["awayTeamScore"], scored)


def _check_summary_alone(sport: str, seq: int, summary: Mapping[str, Any], out: _Collector) -> None:
    home, away = summary["homeTeamScore"], summary["awayTeamScore"]
    if summary["isTied"] != (home == away):
        out.add("periods", seq, f"isTied={summary['isTied']} with score {home}-{away}")
    run_home = run_away = 0
    for p in summary["periods"]:
        if sport in _PERIODS_WON:
            if p["end"] is not None:
                if p["homeTeamPeriodScore"] == p["awayTeamPeriodScore"]:
                    out.add("periods", seq, f"period {p['id']} ended tied")
                elif p["homeTeamPeriodScore"] > p["awayTeamPeriodScore"]:
                    run_home += 1
                else:
                    run_away += 1
        elif p["type"] != "Shootout":
            run_home += p["homeTeamPeriodScore"]
            run_away += p["awayTeamPeriodScore"]
        if (p["homeTeamScore"], p["awayTeamScore"]) != (run_home, run_away):
            out.add(
                "periods",
                seq,
                f"period {p['id']} cumulative {p['homeTeamScore']}-{p['awayTeamScore']}, "
                f"expected {run_home}-{run_away}",
            )
    if (home, away) != (run_home, run_away):
        out.add("periods", seq, f"match score {home}-{away} but periods make {run_home}-{run_away}")


def check_actions(
    sport: str, packets: Sequence[Mapping[str, Any]], truth: Mapping[str, Any] | None = None
) -> list[Violation]:
    """Check one fixture's action packets (in send order) and, if given, its truth."""
    out = _Collector()
    if not packets:
        out.add("final", None, "no packets")
        return out.items
    state: dict[str, int] = {}
    contribution: dict[str, tuple[int, bool, int]] = {}
    period_points: dict[int, list[int]] = {}
    status_rank = collection_rank = -1
    last_timestamp = ""
    last_key: tuple[Any, ...] = (0, 0, ())
    previous_summary: Mapping[str, Any] | None = None
    timeline: list[dict[str, Any]] = []
    for position, packet in enumerate(packets, start=1):
        action = packet["fixtureAction"]
        summary = packet["fixtureSummary"]
        seq = action["fixtureSeqNum"]
        if seq != position:
            out.add("seq", seq, f"packet {position} has fixtureSeqNum {seq}")
        action_id, send_type = action["actionId"], action["sendTypeId"]
        previous = state.get(action_id)
        if send_type not in _ALLOWED.get(previous, set()):
            out.add("lifecycle", seq, f"action {action_id}: send type {previous} -> {send_type}")
        state[action_id] = send_type
        # Recompute this action's contribution from the wire fields only.
        new: tuple[int, bool, int] | None = None
        team = action.get("team")
        if send_type in _LIVE and team is not None:
            points = scoring_points(sport, action["fixtureActionTypeId"], action.get("fixtureActionSubTypeId"))
            if points:
                side = bool(team["homeTeam"])
                if sport == "snooker" and action["fixtureActionTypeId"] == SN_FOUL.type_id:
                    side = not side
                new = (action["period"], side, points)
        old = contribution.pop(action_id, None)
        if old is not None:
            period_points.setdefault(old[0], [0, 0])[0 if old[1] else 1] -= old[2]
        if new is not None:
            contribution[action_id] = new
            period_points.setdefault(new[0], [0, 0])[0 if new[1] else 1] += new[2]
        # Expected scores against the summary.
        types = {p["id"]: p for p in summary["periods"]}
        for period_id, (home_pts, away_pts) in period_points.items():
            p = types.get(period_id)
            got = (p["homeTeamPeriodScore"], p["awayTeamPeriodScore"]) if p else (0, 0)
            if got != (home_pts, away_pts):
                out.add(
                    "score",
                    seq,
                    f"period {period_id} shows {got[0]}-{got[1]}, actions make {home_pts}-{away_pts}",
                )
        for period_id, p in types.items():
            if period_id not in period_points and (p["homeTeamPeriodScore"] or p["awayTeamPeriodScore"]):
                out.add("score", seq, f"period {period_id} has points that no action gave")
        exp_home = exp_away = 0
        for period_id, (home_pts, away_pts) in period_points.items():
            p = types.get(period_id)
            if sport in _PERIODS_WON:
                if p is not None and p["end"] is not None:
                    exp_home += home_pts > away_pts
                    exp_away += away_pts > home_pts
            elif p is None or p["type"] != "Shootout":
                exp_home += home_pts
                exp_away += away_pts
        if (summary["homeTeamScore"], summary["awayTeamScore"]) != (exp_home, exp_away):
            out.add(
                "score",
                seq,
                f"match score {summary['homeTeamScore']}-{summary['awayTeamScore']}, "
                f"actions make {exp_home}-{exp_away}",
            )
        _check_summary_alone(sport, seq, summary, out)
        # Status, time, finished.
        s_rank = _STATUS_ORDER.get(summary["currentStatus"], -1)
        c_rank = _COLLECTION_ORDER.get(summary["collectionStatus"], -1)
        if s_rank < status_rank or c_rank < collection_rank:
            out.add("status", seq, f"status went back to {summary['currentStatus']}/{summary['collectionStatus']}")
        status_rank, collection_rank = max(s_rank, status_rank), max(c_rank, collection_rank)
        if action["timestamp"] < last_timestamp:
            out.add("status", seq, f"timestamp {action['timestamp']} before {last_timestamp}")
        last_timestamp = action["timestamp"]
        if (
            previous_summary is not None
            and previous_summary["currentClockState"] == "stopped"
            and summary["currentClockTime"] != previous_summary["currentClockTime"]
            and action["fixtureActionTypeId"] != START_PERIOD.type_id
        ):
            out.add(
                "status",
                seq,
                f"stopped clock moved {previous_summary['currentClockTime']} -> {summary['currentClockTime']}",
            )
        previous_summary = summary
        finished = packet.get("finished", summary.get("finished"))
        if finished and position != len(packets):
            out.add("final", seq, "finished before the last packet")
        key = _score_key(summary)
        if key != last_key:
            last_key = key
            timeline.append(
                {
                    "fixtureSeqNum": seq,
                    "actionId": action_id,
                    "sendTypeId": send_type,
                    "homeScore": summary["homeTeamScore"],
                    "awayScore": summary["awayTeamScore"],
                    "currentPeriod": summary["currentPeriod"],
                    "periods": [
                        {
                            "id": p["id"],
                            "homeTeamPeriodScore": p["homeTeamPeriodScore"],
                            "awayTeamPeriodScore": p["awayTeamPeriodScore"],
                        }
                        for p in summary["periods"]
                    ],
                }
            )
    last = packets[-1]
    last_action, last_summary = last["fixtureAction"], last["fixtureSummary"]
    if not (last.get("finished") and last_summary.get("finished", True)):
        out.add("final", last_action["fixtureSeqNum"], "last packet is not finished")
    if last_action["fixtureActionTypeId"] != 21:
        out.add("final", last_action["fixtureSeqNum"], f"last action is {last_action['fixtureActionType']}")
    if last_summary["collectionStatus"] != "PostMatchChecked" or last_summary["currentStatus"] != "Completed":
        out.add(
            "final",
            last_action["fixtureSeqNum"],
            f"ends {last_summary['currentStatus']}/{last_summary['collectionStatus']}",
        )
    if truth is not None:
        _check_truth(timeline, last_summary, truth, out)
    return out.items


def _check_truth(
    timeline: list[dict[str, Any]], last_summary: Mapping[str, Any], truth: Mapping[str, Any], out: _Collector
) -> None:
    expected = list(truth.get("scoreTimeline", []))
    if len(expected) != len(timeline):
        out.add("timeline", None, f"truth has {len(expected)} score changes, packets show {len(timeline)}")
    for mine, theirs in zip(timeline, expected, strict=False):
        if mine != theirs:
            out.add("timeline", mine["fixtureSeqNum"], f"truth entry {theirs} differs from packets {mine}")
            break
    final = truth.get("final", {})
    seen = {
        "homeScore": last_summary["homeTeamScore"],
        "awayScore": last_summary["awayTeamScore"],
        "status": last_summary["currentStatus"],
        "collectionStatus": last_summary["collectionStatus"],
        "periods": [(p["id"], p["homeTeamPeriodScore"], p["awayTeamPeriodScore"]) for p in last_summary["periods"]],
    }
    claimed = {
        "homeScore": final.get("homeScore"),
        "awayScore": final.get("awayScore"),
        "status": final.get("status"),
        "collectionStatus": final.get("collectionStatus"),
        "periods": [(p["id"], p["homeTeamPeriodScore"], p["awayTeamPeriodScore"]) for p in final.get("periods", [])],
    }
    for field, value in seen.items():
        if claimed[field] != value:
            out.add("truth", None, f"truth final {field}={claimed[field]!r}, last packet has {value!r}")


def check_statistics(
    snapshots: Sequence[Mapping[str, Any]],
    packets: Sequence[Mapping[str, Any]],
    truth: Mapping[str, Any] | None = None,
) -> list[Violation]:
    """Check a snooker fixture's statistics snapshots against its action packets and truth."""
    out = _Collector()
    if not snapshots:
        out.add("statistics", None, "no statistics snapshots")
        return out.items
    for position, snap in enumerate(snapshots, start=1):
        seq = snap["seqNum"]
        if seq != position:
            out.add("statistics", seq, f"snapshot {position} has seqNum {seq}")
        if snap["finished"] != (position == len(snapshots)):
            out.add("statistics", seq, f"finished={snap['finished']} at snapshot {position} of {len(snapshots)}")
        _check_breaks(seq, snap["advancedSportStatistics"]["breaksStatistics"]["breaks"], out)
    final_breaks = snapshots[-1]["advancedSportStatistics"]["breaksStatistics"]["breaks"]
    if truth is not None:
        claimed = [
            (
                b["frame"],
                b["breakSeq"],
                b["playerId"],
                b["points"],
                b["pottedBalls"],
                b["startTimestamp"],
                b["endTimestamp"],
            )
            for b in truth.get("breaks", [])
        ]
        seen = [
            (
                b["periodNumber"],
                b["breakSeq"],
                b["playerId"],
                b["score"],
                b["pottedBalls"],
                b["startTimestamp"],
                b["endTimestamp"],
            )
            for b in final_breaks
            if b["score"] > 0
        ]
        if claimed != seen:
            out.add(
                "statistics",
                None,
                f"truth has {len(claimed)} breaks, final snapshot {len(seen)} (or values differ)",
            )
    _check_frame_points(final_breaks, packets, out)
    return out.items


def _check_breaks(seq: int, breaks: Iterable[Mapping[str, Any]], out: _Collector) -> None:
    previous: Mapping[str, Any] | None = None
    rows = list(breaks)
    for position, brk in enumerate(rows):
        potted = sum(_BALL_POINTS[k] * n for k, n in brk["pottedBalls"].items())
        if potted != brk["score"]:
            out.add(
                "statistics",
                seq,
                f"break {brk['periodNumber']}/{brk['breakSeq']} scores {brk['score']} but its balls make {potted}",
            )
        if brk["endTimestamp"] is None and position != len(rows) - 1:
            out.add("statistics", seq, f"break {brk['periodNumber']}/{brk['breakSeq']} in progress but not last")
        if previous is None or previous["periodNumber"] != brk["periodNumber"]:
            if brk["breakSeq"] != 1:
                out.add("statistics", seq, f"frame {brk['periodNumber']} starts at breakSeq {brk['breakSeq']}")
        else:
            if brk["breakSeq"] != previous["breakSeq"] + 1:
                out.add("statistics", seq, f"breakSeq {previous['breakSeq']} then {brk['breakSeq']}")
            if previous["endTimestamp"] != brk["startTimestamp"]:
                out.add("statistics", seq, f"break {brk['periodNumber']}/{brk['breakSeq']} not back to back")
        previous = brk


def _check_frame_points(
    breaks: Sequence[Mapping[str, Any]], packets: Sequence[Mapping[str, Any]], out: _Collector
) -> None:
    if not packets:
        return
    last_summary = packets[-1]["fixtureSummary"]
    home_id = next(
        (
            p["fixtureAction"]["team"]["id"]
            for p in packets
            if p["fixtureAction"].get("team", {}).get("homeTeam") is True
        ),
        None,
    )
    foul_points: dict[tuple[int, bool], int] = {}
    latest: dict[str, Mapping[str, Any]] = {}
    for packet in packets:
        latest[packet["fixtureAction"]["actionId"]] = packet["fixtureAction"]
    for action in latest.values():
        if action["fixtureActionTypeId"] == SN_FOUL.type_id and action["sendTypeId"] in _LIVE:
            receiver_home = not action["team"]["homeTeam"]
            key = (action["period"], receiver_home)
            foul_points[key] = foul_points.get(key, 0) + scoring_points(
                "snooker", SN_FOUL.type_id, action.get("fixtureActionSubTypeId")
            )
    made: dict[tuple[int, bool], int] = {}
    for brk in breaks:
        key = (brk["periodNumber"], brk["playerId"] == home_id)
        made[key] = made.get(key, 0) + brk["score"]
    for period in last_summary["periods"]:
        for home, shown in ((True, period["homeTeamPeriodScore"]), (False, period["awayTeamPeriodScore"])):
            key = (period["id"], home)
            total = made.get(key, 0) + foul_points.get(key, 0)
            if total != shown:
                out.add(
                    "statistics",
                    None,
                    f"frame {period['id']} {'home' if home else 'away'}: breaks and fouls "
                    f"make {total}, summary shows {shown}",
                )
