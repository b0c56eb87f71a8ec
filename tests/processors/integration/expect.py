"""What the derived topics must hold, worked out from the generator's truth and packets alone.

Pure, and deliberately independent of ``ddeflow.processors.core``: the rules are re-stated here
from the schemas' documentation (score changes: one record per changed period, or one for
the current period when only the match score changed; action states: one revision per
newer fixtureSeqNum of the action; fixture events: transitions between consecutive
summaries), so a bug in the cores shows up as a difference.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.processors.integration.plan import Match

SEND_TYPE_LABEL = {1: "Pending", 2: "Updated", 3: "Cancelled", 4: "Deleted", 5: "Confirmed", 6: "Restored"}
STATUS_OF_SEND_TYPE = {1: "Pending", 2: "Updated", 3: "Cancelled", 4: "Deleted", 5: "Confirmed", 6: "Updated"}
CORRECTING_SEND_TYPES = {2, 4, 6}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(text: str) -> int:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _packets_by_seq(match: Match) -> dict[int, dict[str, Any]]:
    return {int(p["fixtureAction"]["fixtureSeqNum"]): p for p in match.action_packets()}


def expected_score_changes(match: Match, received_ns: Mapping[int, int]) -> list[dict[str, Any]]:
    """The ``dde.score-changes`` values of one fixture, in order, from its truth ``scoreTimeline``."""
    packets = _packets_by_seq(match)
    before_match = (0, 0)
    before_periods: dict[int, tuple[int, int]] = {}
    out: list[dict[str, Any]] = []
    for entry in match.truth["scoreTimeline"]:
        seq = int(entry["fixtureSeqNum"])
        action = packets[seq]["fixtureAction"]
        assert action["actionId"] == entry["actionId"], f"truth and packets disagree at seq {seq}"
        after_match = (int(entry["homeScore"]), int(entry["awayScore"]))
        after_periods = {
            int(p["id"]): (int(p["homeTeamPeriodScore"]), int(p["awayTeamPeriodScore"])) for p in entry["periods"]
        }
        changed = sorted(
            pid
            for pid in before_periods.keys() | after_periods.keys()
            if before_periods.get(pid, (0, 0)) != after_periods.get(pid, (0, 0))
        )
        pairs = [(before_match, after_match)] + [
            (before_periods.get(pid, (0, 0)), after_periods.get(pid, (0, 0))) for pid in changed
        ]
        went_down = any(new[0] < old[0] or new[1] < old[1] for old, new in pairs)
        send_type_id = int(entry["sendTypeId"])
        if changed:
            rows = [(pid, before_periods.get(pid, (0, 0)), after_periods.get(pid, (0, 0))) for pid in changed]
        else:
            current = int(entry["currentPeriod"]) if entry["currentPeriod"] is not None else 0
            same = after_periods.get(current, (0, 0))
            rows = [(current, same, same)]
        for period, old, new in rows:
            out.append(
                {
                    "fixtureId": match.fixture_id,
                    "sport": match.sport.value,
                    "homeScore": after_match[0],
                    "awayScore": after_match[1],
                    "previousHomeScore": before_match[0],
                    "previousAwayScore": before_match[1],
                    "period": period,
                    "homePeriodScore": new[0],
                    "awayPeriodScore": new[1],
                    "previousHomePeriodScore": old[0],
                    "previousAwayPeriodScore": old[1],
                    "isCorrection": went_down or send_type_id in CORRECTING_SEND_TYPES,
                    "causeActionId": entry["actionId"],
                    "causeSendType": SEND_TYPE_LABEL[send_type_id],
                    "causeActionType": action.get("fixtureActionType"),
                    "fixtureSeqNum": seq,
                    "feedTimestamp": micros(action["timestamp"]),
                    "receivedAt": received_ns[seq] // 1000,
                }
            )
        before_match, before_periods = after_match, after_periods
    return out


def expected_action_versions(match: Match, received_ns: Mapping[int, int]) -> dict[str, list[dict[str, Any]]]:
    """Per actionId, the ``dde.actions.<sport>`` values in order: one per version, in fixtureSeqNum order.

    Every field but ``anomaly`` (whose wording is the processor's own).
    """
    out: dict[str, list[dict[str, Any]]] = {}
    for seq, packet in sorted(_packets_by_seq(match).items()):
        action = packet["fixtureAction"]
        versions = out.setdefault(action["actionId"], [])
        team, player = action.get("team"), action.get("player")
        versions.append(
            {
                "actionId": action["actionId"],
                "fixtureId": match.fixture_id,
                "sport": match.sport.value,
                "actionType": action.get("fixtureActionType"),
                "actionTypeId": action["fixtureActionTypeId"],
                "actionSubType": action.get("fixtureActionSubType"),
                "actionSubTypeId": action.get("fixtureActionSubTypeId"),
                "status": STATUS_OF_SEND_TYPE[int(action["sendTypeId"])],
                "sendTypeId": int(action["sendTypeId"]),
                "revision": len(versions) + 1,
                "fixtureSeqNum": seq,
                "teamId": team["id"] if team else None,
                "playerId": player["id"] if player else None,
                "period": action["period"],
                "clockTime": action.get("clockTime"),
                "timestamp": micros(action["timestamp"]),
                "relatedActionIds": list(action.get("relatedFixtureActionIds") or []),
                "receivedAt": received_ns[seq] // 1000,
            }
        )
    return out


def truth_final_statuses(match: Match) -> Counter[str]:
    """How many actions end in each ActionStatus, per the generator's own bookkeeping (Restored reads as Updated)."""
    counts: Counter[str] = Counter()
    for label, count in match.truth["final"]["actionsByFinalSendType"].items():
        if count:
            counts["Updated" if label == "Restored" else label] += count
    return counts


EventRow = tuple[str, int, int | None, str | None, str | None]
"""(eventType, fixtureSeqNum, period, previous, current)"""


def expected_fixture_events(match: Match) -> Counter[EventRow]:
    """The ``dde.fixture-events`` of one fixture, as a multiset: transitions between consecutive summaries."""
    status: str | None = None
    collection: str | None = None
    started: set[int] = set()
    ended: set[int] = set()
    finished = False
    events: Counter[EventRow] = Counter()
    for seq, packet in sorted(_packets_by_seq(match).items()):
        summary = packet["fixtureSummary"]
        stated = summary.get("currentStatus")
        if stated is not None and stated != status:
            events[("StatusChanged", seq, None, status, stated)] += 1
            status = stated
        stated = summary.get("collectionStatus")
        if stated is not None and stated != collection:
            events[("CollectionStatusChanged", seq, None, collection, stated)] += 1
            collection = stated
        periods: dict[int, dict[str, Any]] = {}
        for period in summary.get("periods") or []:
            periods.setdefault(int(period["id"]), period)
        for pid, period in periods.items():
            if period.get("start") is not None and pid not in started:
                events[("PeriodStarted", seq, pid, None, period.get("label"))] += 1
            if period.get("end") is not None and pid not in ended:
                events[("PeriodEnded", seq, pid, None, period.get("label"))] += 1
        started = {pid for pid, period in periods.items() if period.get("start") is not None}
        ended = {pid for pid, period in periods.items() if period.get("end") is not None}
        if packet.get("finished") and not finished:
            events[("Finished", seq, None, None, None)] += 1
            finished = True
    return events


def event_row(value: Mapping[str, Any]) -> EventRow:
    return (value["eventType"], value["fixtureSeqNum"], value["period"], value["previous"], value["current"])


_BALLS = {
    "red": "redBalls",
    "yellow": "yellowBalls",
    "green": "greenBalls",
    "brown": "brownBalls",
    "blue": "blueBalls",
    "pink": "pinkBalls",
    "black": "blackBalls",
}


def break_as_truth(value: Mapping[str, Any]) -> dict[str, Any]:
    """A ``BreakCompletion`` value in the shape of a truth ``breaks`` entry (without ``revisions``)."""
    return {
        "frame": value["frame"],
        "breakSeq": value["breakSeq"],
        "playerId": value["playerId"],
        "playerName": value["playerName"],
        "points": value["points"],
        "pottedBalls": {wire: value["pottedBalls"][ours] for ours, wire in _BALLS.items()},
        "startTimestamp": value["startedAt"],
        "endTimestamp": value["endedAt"],
    }


def truth_break(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "frame": entry["frame"],
        "breakSeq": entry["breakSeq"],
        "playerId": entry["playerId"],
        "playerName": entry["playerName"],
        "points": entry["points"],
        "pottedBalls": {wire: entry["pottedBalls"][wire] for wire in _BALLS.values()},
        "startTimestamp": micros(entry["startTimestamp"]),
        "endTimestamp": micros(entry["endTimestamp"]),
    }


def break_problems(values: Iterable[Mapping[str, Any]], truth_breaks: Iterable[Mapping[str, Any]]) -> list[str]:
    """What is wrong with one fixture's break completions (in offset order) against its truth; empty if nothing."""
    problems: list[str] = []
    last: dict[tuple[int, int], Mapping[str, Any]] = {}
    last_seq = -1
    for value in values:
        key = (value["frame"], value["breakSeq"])
        expected_revision = last[key]["revision"] + 1 if key in last else 1
        if value["revision"] != expected_revision:
            problems.append(f"break {key}: revision {value['revision']} where {expected_revision} was due")
        if value["statisticsSeqNum"] < last_seq:
            problems.append(f"break {key}: statisticsSeqNum {value['statisticsSeqNum']} after {last_seq}")
        last_seq = value["statisticsSeqNum"]
        last[key] = value
    truth = {(e["frame"], e["breakSeq"]): e for e in truth_breaks}
    emitted = {key for key, value in last.items() if value["points"] > 0}
    if emitted != set(truth):
        problems.append(
            f"breaks emitted but not in truth: {sorted(emitted - set(truth))}; "
            f"in truth but not emitted: {sorted(set(truth) - emitted)}"
        )
    for key in sorted(emitted & set(truth)):
        got, want = break_as_truth(last[key]), truth_break(truth[key])
        if got != want:
            problems.append(f"break {key}: last revision {got} != truth {want}")
        if last[key]["revision"] > 1 + truth[key]["revisions"]:
            problems.append(f"break {key}: revision {last[key]['revision']} but truth has {truth[key]['revisions']}")
    return problems
