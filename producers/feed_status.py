"""When a fixture stream is down, up again or finished: the feed-status timing decisions.  Pure.

One ``StatusMachine`` per fixture stream (actions and statistics each have their own), fed by the stream's shell
(``ddeflow.producers.ws_stream``) with events that carry their time in epoch milliseconds::

    connecting(now, position)   a connection is being opened, asking the feed for events from ``position``
    alive(now)                  a frame arrived (data or heartbeat)
    written(position, seq)      a data frame was written: the next position, its seqNum if it parsed
    lost(now, reason, detail)   the connection was lost, refused, or closed before the end
    tick(now)                   the clock moved on: silence is judged here (``due_ms`` says when to call it)
    finished(now)               the finished packet was written

Each returns the ``StatusChange`` to publish, or None.  The states::

    (start) --first frame--> up --lost / silence >= threshold--> down --frame--> up (downFor, gapHealed)
       \\--lost / silence---------------------------------------> down
    any --finished--> finished (final)

- A lost connection is a down at once; silence is one when no frame (heartbeats included) has come for
  ``threshold_ms``, counted from the last frame, or before any from the first connection attempt.  A down stays
  down across failed reconnects and further silence: one record per down, one per up.
- ``since`` is when the state began: for silence the last frame's arrival, since the data has been stale from then;
  ``downFor`` on the next up is measured from it.
- ``gapHealed``: the up came on a new connection (resumed at the stream's position, so what the feed sent meanwhile
  is fetched again) rather than on the same one after a silence (nothing was missed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from ddeflow.errors import ConfigError

DEFAULT_STALE_AFTER_S = 20.0
"""Silence after which a stream is declared down (Sportradar's odds SDK uses the same 20 s)."""


class FeedState(StrEnum):
    UP = "up"
    DOWN = "down"
    FINISHED = "finished"


class DownReason(StrEnum):
    CONNECTION_LOST = "connection_lost"
    SILENCE = "silence"
    KAFKA_OUTAGE = "kafka_outage"


@dataclass(frozen=True, slots=True)
class StatusChange:
    state: FeedState
    since_ms: int
    at_ms: int
    position: int
    last_seq: int | None
    reason: DownReason | None = None
    detail: str | None = None
    down_for_ms: int | None = None
    gap_healed: bool | None = None


class StatusMachine:
    """One fixture stream's feed status (mutable; owned by the stream's task)."""

    def __init__(self, threshold_ms: int, now_ms: int) -> None:
        if threshold_ms <= 0:
            raise ConfigError("the silence threshold for feed status must be > 0")
        self.threshold_ms = threshold_ms
        self.state: FeedState | None = None
        """None until the first frame or failure of the run."""
        self._since_ms = now_ms
        self._last_frame_ms: int | None = None
        """The last frame's arrival; before any, the first connection attempt's (silence counts from there)."""
        self._position = 0
        self._last_seq: int | None = None
        self._new_connection = False
        """A connection was opened since the stream went down."""

    def connecting(self, now_ms: int, position: int) -> None:
        self._position = position
        if self._last_frame_ms is None:
            self._last_frame_ms = now_ms
        if self.state is FeedState.DOWN:
            self._new_connection = True

    def alive(self, now_ms: int) -> StatusChange | None:
        self._last_frame_ms = now_ms
        if self.state is FeedState.UP or self.state is FeedState.FINISHED:
            return None
        if self.state is None:
            return self._move(FeedState.UP, now_ms, now_ms)
        down_since = self._since_ms
        return self._move(
            FeedState.UP, now_ms, now_ms, down_for_ms=now_ms - down_since, gap_healed=self._new_connection
        )

    def written(self, position: int, seq: int | None) -> None:
        self._position = position
        if seq is not None:
            self._last_seq = seq

    def lost(self, now_ms: int, reason: DownReason, detail: str | None = None) -> StatusChange | None:
        if self.state is FeedState.DOWN or self.state is FeedState.FINISHED:
            return None
        return self._move(FeedState.DOWN, now_ms, now_ms, reason=reason, detail=detail)

    def tick(self, now_ms: int) -> StatusChange | None:
        due = self.due_ms()
        if due is None or now_ms < due or self._last_frame_ms is None:
            return None
        return self._move(
            FeedState.DOWN,
            self._last_frame_ms,
            now_ms,
            reason=DownReason.SILENCE,
            detail=f"no frame for {(now_ms - self._last_frame_ms) / 1000:g} s",
        )

    def finished(self, now_ms: int) -> StatusChange | None:
        if self.state is FeedState.FINISHED:
            return None
        return self._move(FeedState.FINISHED, now_ms, now_ms)

    def due_ms(self) -> int | None:
        """When silence makes the stream down, unless a frame comes first; None before the first connection
        attempt (reading the stream's position back from Kafka is not the feed's silence), while down or finished."""
        if self._last_frame_ms is not None and (self.state is None or self.state is FeedState.UP):
            return self._last_frame_ms + self.threshold_ms
        return None

    def _move(
        self,
        state: FeedState,
        since_ms: int,
        at_ms: int,
        *,
        reason: DownReason | None = None,
        detail: str | None = None,
        down_for_ms: int | None = None,
        gap_healed: bool | None = None,
    ) -> StatusChange:
        self.state = state
        self._since_ms = since_ms
        self._new_connection = False
        return StatusChange(
            state=state,
            since_ms=since_ms,
            at_ms=at_ms,
            position=self._position,
            last_seq=self._last_seq,
            reason=reason,
            detail=detail,
            down_for_ms=down_for_ms,
            gap_healed=gap_healed,
        )


def avro_value(
    change: StatusChange,
    *,
    fixture_id: str,
    sport: str,
    stream: str,
    media: bool,
    threshold_ms: int,
) -> dict[str, Any]:
    """One change as a ``schemas/feed_status.avsc`` record."""
    return {
        "fixtureId": fixture_id,
        "sport": sport,
        "stream": stream,
        "media": media,
        "state": change.state.value,
        "since": _utc(change.since_ms),
        "at": _utc(change.at_ms),
        "reason": change.reason.value if change.reason is not None else None,
        "detail": change.detail,
        "silenceThresholdMs": threshold_ms,
        "downForMs": change.down_for_ms,
        "position": change.position,
        "lastSeqNum": change.last_seq,
        "gapHealed": change.gap_healed,
    }


def _utc(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC)
