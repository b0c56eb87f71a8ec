"""What a websocket frame is to a producer: data to write, a heartbeat, or the feed saying no.  Pure.

``ddeflow.dde.classify_frame`` decides data versus heartbeat.  A frame that looks like a
packet but does not parse is still data: the feed served it in an event's place,
so it is written (and counted) like any other; whether it ends the stream is
read leniently from its ``finished`` flags when its JSON can be read at all.
A heartbeat that is really an error frame (``{"status":401,...}``) raises the
matching ``FeedError`` (see ``failures``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ddeflow.dde.actions import ActionPacket
from ddeflow.dde.heartbeat import Heartbeat
from ddeflow.dde.parse import classify_frame
from ddeflow.errors import PacketError
from ddeflow.producers.failures import error_frame


class FrameKind(StrEnum):
    DATA = "data"
    HEARTBEAT = "heartbeat"


@dataclass(frozen=True, slots=True)
class FrameInfo:
    kind: FrameKind
    finished: bool = False
    seq: int | None = None
    """``fixtureSeqNum`` (actions) or ``seqNum`` (statistics) when the packet parsed."""
    error: PacketError | None = None
    """Why a data frame does not parse (processors will dead-letter it)."""


HEARTBEAT = FrameInfo(FrameKind.HEARTBEAT)


def inspect_frame(data: bytes, what: str) -> FrameInfo:
    """Classify one frame; raises a ``FeedError`` for an error frame from the feed."""
    try:
        packet = classify_frame(data)
    except PacketError as exc:
        return FrameInfo(FrameKind.DATA, finished=finished_hint(data), error=exc)
    if isinstance(packet, Heartbeat):
        refusal = error_frame(data, what)
        if refusal is not None:
            raise refusal
        return HEARTBEAT
    return FrameInfo(FrameKind.DATA, finished=packet.finished, seq=packet.seq_num)


def finished_hint(data: bytes) -> bool:
    """``finished: true`` at the top level or in ``fixtureSummary`` of a frame that did not parse."""
    try:
        obj: Any = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    if not isinstance(obj, dict):
        return False
    summary = obj.get("fixtureSummary")
    return obj.get("finished") is True or (isinstance(summary, dict) and summary.get("finished") is True)


def action_seq(value: bytes) -> int | None:
    """The ``fixtureSeqNum`` of a raw record that holds a valid action packet, else None."""
    try:
        packet = classify_frame(value)
    except PacketError:
        return None
    return packet.seq_num if isinstance(packet, ActionPacket) else None
