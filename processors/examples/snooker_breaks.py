"""Snooker break highlights: century breaks and the highest break per frame, with revisions on corrections.

Reads applied ``/statistics`` snapshots (each is the whole picture so far).  Only ended breaks count; the first
row of a (frame, breakSeq) listed twice is used.

- **Century**: a break of 100 points or more, once it has ended (revision 1).  If a later snapshot changes its
  points or player, it is emitted again with the next revision, also when the correction takes it below 100.
- **FrameHighest**: the highest ended break of its frame (ties: the earlier break).  Each time that changes, by a
  higher break or a correction, the frame's record is emitted again with the next revision.

State per fixture: ``{"centuries": {"<frame>:<breakSeq>": [points, playerId, revision]},
"highest": {"<frame>": [breakSeq, points, playerId, revision]}}``.
"""

from __future__ import annotations

from typing import Any

from ddeflow.processors.api import Break, Json, Sport, StatisticsEvent, StatisticsProcessor, Step, schema_beside

CENTURY = 100


def _ended_breaks(event: StatisticsEvent) -> dict[tuple[int, int], Break]:
    advanced = event.packet.advanced_sport_statistics
    found: dict[tuple[int, int], Break] = {}
    for brk in (advanced.breaks if advanced is not None else None) or ():
        key = (brk.period_number, brk.break_seq)
        if key not in found:
            found[key] = brk
    return {key: brk for key, brk in found.items() if brk.end_timestamp is not None}


def _record(event: StatisticsEvent, kind: str, brk: Break, revision: int) -> dict[str, Any]:
    return {
        "fixtureId": event.fixture_id,
        "kind": kind,
        "frame": brk.period_number,
        "breakSeq": brk.break_seq,
        "playerId": brk.player_id,
        "playerName": brk.player_name,
        "points": brk.score,
        "revision": revision,
        "statisticsSeqNum": event.packet.seq_num,
        "receivedAt": event.received_at_us,
    }


def highlights(event: StatisticsEvent, state: Json) -> Step:
    if not event.applied:
        return Step(state=state)
    old = state if isinstance(state, dict) else {}
    old_centuries: dict[str, Any] = old.get("centuries", {})  # type: ignore[assignment]
    old_highest: dict[str, Any] = old.get("highest", {})  # type: ignore[assignment]
    breaks = _ended_breaks(event)
    records: list[dict[str, Any]] = []

    centuries = dict(old_centuries)
    for (frame, seq), brk in sorted(breaks.items()):
        name = f"{frame}:{seq}"
        known = old_centuries.get(name)
        if known is None and brk.score < CENTURY:
            continue
        if known is not None and (known[0], known[1]) == (brk.score, brk.player_id):
            continue
        revision = known[2] + 1 if known is not None else 1
        centuries[name] = [brk.score, brk.player_id, revision]
        records.append(_record(event, "Century", brk, revision))

    highest = dict(old_highest)
    for frame in sorted({frame for frame, _ in breaks}):
        in_frame = [brk for (f, _), brk in sorted(breaks.items()) if f == frame and brk.score > 0]
        if not in_frame:
            continue
        top = max(in_frame, key=lambda brk: (brk.score, -brk.break_seq))
        known = old_highest.get(str(frame))
        if known is not None and (known[0], known[1], known[2]) == (top.break_seq, top.score, top.player_id):
            continue
        revision = known[3] + 1 if known is not None else 1
        highest[str(frame)] = [top.break_seq, top.score, top.player_id, revision]
        records.append(_record(event, "FrameHighest", top, revision))

    if not records:
        return Step(state=state)
    return Step(records=records, state={"centuries": centuries, "highest": highest})


PROCESSOR = StatisticsProcessor(
    name="snooker-break-highlights",
    sports=frozenset({Sport.SNOOKER}),
    topic="dde.snooker.break-highlights",
    key="fixtureId",
    schema=schema_beside(__file__, "snooker_breaks.avsc"),
    handle=highlights,
)
