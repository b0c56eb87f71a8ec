"""Frames the simulator itself writes on a websocket (data frames come from the data files).  Pure.

Heartbeat (the simulator's choice; the feed does not document the team-sport shape)::

    {"heartbeat":true,"timestamp":"2026-05-06T19:05:08.376Z"}

sent when no frame has gone out for ``heartbeat_s``; ``timestamp`` is the
simulator host's UTC wall clock.

Refused token: the text frame ::

    {"status":401,"error":"Unauthorized","message":"The supplied authentication is invalid"}

then a close frame with code 4001 (4000 + HTTP 401, in the range RFC 6455
leaves to applications) and the reason ``The supplied authentication is
invalid``.  A client therefore sees one non-packet frame and then
``ConnectionClosed`` with ``rcvd.code == 4001``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ddeflow.simulator.server.access import INVALID_AUTH_MESSAGE

AUTH_CLOSE_CODE = 4001
NORMAL_CLOSE_CODE = 1000


def heartbeat_frame(wall: datetime) -> bytes:
    stamp = wall.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps({"heartbeat": True, "timestamp": stamp}, separators=(",", ":")).encode("utf-8")


def auth_error_frame() -> bytes:
    payload = {"status": 401, "error": "Unauthorized", "message": INVALID_AUTH_MESSAGE}
    return json.dumps(payload, separators=(",", ":")).encode("utf-8")
