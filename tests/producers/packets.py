"""Minimal valid packets as bytes, for the pure tests."""

from __future__ import annotations

import json


def action(fixture_id: str, seq: int, *, finished: bool = False, spaced: bool = False) -> bytes:
    packet = {
        "version": 3,
        "finished": finished,
        "fixtureAction": {
            "actionId": f"{fixture_id}-a{seq}",
            "fixtureId": fixture_id,
            "fixtureSeqNum": seq,
            "fixtureActionTypeId": 222,
            "fixtureActionType": "Stéal",
            "sendTypeId": 5,
            "period": 1,
            "timestamp": "2026-05-06T17:00:00Z",
        },
        "fixtureSummary": {"homeTeamScore": seq, "finished": finished},
    }
    separators = (", ", ": ") if spaced else (",", ":")
    return json.dumps(packet, separators=separators, ensure_ascii=False).encode("utf-8")


def statistics(fixture_id: str, seq: int, *, finished: bool = False) -> bytes:
    packet = {
        "seqNum": seq,
        "version": 2,
        "finished": finished,
        "fixtureId": fixture_id,
        "timestamp": "2026-05-06T17:00:00Z",
    }
    return json.dumps(packet, separators=(",", ":")).encode("utf-8")
