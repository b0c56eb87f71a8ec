"""Heartbeats: every websocket frame that is neither an action nor a statistics packet."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """A frame the feed sends between packets (about every 10 s) to show the stream is alive.

    Its shape is not documented for team sports, so any frame that is not a data
    packet counts, including non-JSON text; see ``ddeflow.dde.parse.classify_frame``.
    """

    raw: bytes
