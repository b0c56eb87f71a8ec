"""Basketball scoring runs: an unanswered 8-0 or better, when it starts and when it ends.

Reads the applied summaries of ``/actions`` (the match score before and after each packet).  A run is the points
one side scores while the other scores none.  ``RunStarted`` is emitted when a run reaches ``RUN_POINTS``;
``RunEnded`` when the other side scores (``answered``), a score goes down (a correction: the run is dropped,
``corrected``) or the match finishes (``finished``).  A run below the threshold is never emitted.

State per fixture: ``{"side": "home"|"away"|null, "points": int, "from": [home, away], "seq": int,
"started": bool}``: the run in progress.
"""

from __future__ import annotations

from typing import Any

from ddeflow.processors.api import ActionEvent, ActionsProcessor, Json, Sport, Step, schema_beside

RUN_POINTS = 8
_NO_RUN: dict[str, Json] = {"side": None, "points": 0, "from": [0, 0], "seq": 0, "started": False}


def _record(event: ActionEvent, kind: str, run: dict[str, Any], reason: str | None) -> dict[str, Any]:
    after = event.fixture_after
    return {
        "fixtureId": event.fixture_id,
        "eventType": kind,
        "side": run["side"],
        "points": run["points"],
        "startedAtSeqNum": run["seq"],
        "startHomeScore": run["from"][0],
        "startAwayScore": run["from"][1],
        "homeScore": after.home_score,
        "awayScore": after.away_score,
        "period": after.current_period,
        "fixtureSeqNum": event.packet.seq_num,
        "endReason": reason,
        "receivedAt": event.received_at_us,
    }


def runs(event: ActionEvent, state: Json) -> Step:
    if not event.summary_applied:
        return Step(state=state)
    run: dict[str, Any] = state if isinstance(state, dict) else _NO_RUN
    before = event.fixture_before
    home_before, away_before = (before.home_score, before.away_score) if before is not None else (0, 0)
    after = event.fixture_after
    home, away = after.home_score - home_before, after.away_score - away_before
    records: list[dict[str, Any]] = []
    new = run
    if home < 0 or away < 0 or (home > 0 and away > 0):
        if run["started"]:
            records.append(_record(event, "RunEnded", run, "corrected" if home < 0 or away < 0 else "answered"))
        new = _NO_RUN
    elif home > 0 or away > 0:
        side, points = ("home", home) if home > 0 else ("away", away)
        if run["side"] == side:
            new = {**run, "points": run["points"] + points}
        else:
            if run["started"]:
                records.append(_record(event, "RunEnded", run, "answered"))
            new = {
                "side": side,
                "points": points,
                "from": [home_before, away_before],
                "seq": event.packet.seq_num,
                "started": False,
            }
        if not new["started"] and new["points"] >= RUN_POINTS:
            new = {**new, "started": True}
            records.append(_record(event, "RunStarted", new, None))
    if after.finished and not (before is not None and before.finished):
        if new["started"]:
            records.append(_record(event, "RunEnded", new, "finished"))
        new = _NO_RUN
    return Step(records=records, state=state if new is run else new)


PROCESSOR = ActionsProcessor(
    name="basketball-scoring-runs",
    sports=frozenset({Sport.BASKETBALL}),
    topic="dde.basketball.scoring-runs",
    key="fixtureId",
    schema=schema_beside(__file__, "scoring_runs.avsc"),
    handle=runs,
)
