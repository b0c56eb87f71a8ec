"""What a processor step did with a packet, for counting: applied, duplicate or stale, plus anomalies.

A packet of the ``/actions`` stream has two parts that are judged separately
(``Verdict.action`` and ``Verdict.summary``): a late packet can be new for its
action and stale for the fixture summary, and then only its action part is
applied.  A ``/statistics`` snapshot is judged as a whole
(``StatisticsVerdict.snapshot``).

``counter_keys()`` names the counters a verdict increments, e.g.
``actions.applied``, ``summaries.stale``, ``anomalies.no_prior_version``;
``Counters`` adds verdicts up without mutation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Disposition(StrEnum):
    """What became of a packet (or of one part of it)."""

    APPLIED = "applied"
    """Newer than anything applied before: applied."""
    DUPLICATE = "duplicate"
    """The same sequence number as the last one applied: a re-delivery, dropped."""
    STALE = "stale"
    """Older than the last one applied: dropped."""


def judge(last_applied_seq: int | None, seq: int) -> Disposition:
    """Apply only what is strictly newer than the last applied sequence number (None: nothing applied yet)."""
    if last_applied_seq is None or seq > last_applied_seq:
        return Disposition.APPLIED
    if seq == last_applied_seq:
        return Disposition.DUPLICATE
    return Disposition.STALE


class AnomalyKind(StrEnum):
    """Something the feed did outside its documented rules.  The packet is still handled, never rejected."""

    UNKNOWN_SEND_TYPE = "unknown_send_type"
    """A sendTypeId (or, without an id, a sendType name) that is not 1-6."""
    NO_PRIOR_VERSION = "no_prior_version"
    """The first version seen of an action is not Pending or Confirmed (e.g. an Updated never seen before)."""
    AFTER_CANCELLED = "after_cancelled"
    """Any version after the action was Cancelled."""
    BACK_TO_PENDING = "back_to_pending"
    """Pending after Confirmed, Updated or Deleted."""
    UNEXPECTED_TRANSITION = "unexpected_transition"
    """Any other transition outside the lifecycle (Confirmed after Confirmed, Deleted after Pending...)."""
    CONFLICTING_DUPLICATE = "conflicting_duplicate"
    """A re-delivery of the action's last applied fixtureSeqNum with different content (dropped all the same)."""
    BREAK_DISAPPEARED = "break_disappeared"
    """A break emitted earlier is missing from a later snapshot (nothing is emitted for it)."""
    BREAK_LOST_END = "break_lost_end"
    """A break emitted earlier is back in progress (no end) in a later snapshot (nothing is emitted for it)."""
    DUPLICATE_BREAK = "duplicate_break"
    """One snapshot lists the same (frame, breakSeq) twice; the first row is used."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Anomaly:
    kind: AnomalyKind
    detail: str
    """Human-readable specifics, e.g. ``Updated before any Pending or Confirmed``."""


def _anomaly_keys(anomalies: Iterable[Anomaly]) -> tuple[str, ...]:
    return tuple(f"anomalies.{anomaly.kind.value}" for anomaly in anomalies)


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """The fate of one action packet: its action part, its summary part, and any anomalies."""

    action: Disposition
    summary: Disposition
    anomalies: tuple[Anomaly, ...] = ()

    def counter_keys(self) -> tuple[str, ...]:
        """The counters this verdict increments, each once per occurrence."""
        return (f"actions.{self.action.value}", f"summaries.{self.summary.value}", *_anomaly_keys(self.anomalies))


@dataclass(frozen=True, slots=True, kw_only=True)
class StatisticsVerdict:
    """The fate of one statistics snapshot, and any anomalies found in its breaks."""

    snapshot: Disposition
    anomalies: tuple[Anomaly, ...] = ()

    def counter_keys(self) -> tuple[str, ...]:
        """The counters this verdict increments, each once per occurrence."""
        return (f"statistics.{self.snapshot.value}", *_anomaly_keys(self.anomalies))


@dataclass(frozen=True, slots=True)
class Counters:
    """Running totals by counter key, kept sorted by key so that equal totals compare and print equal."""

    counts: tuple[tuple[str, int], ...] = ()

    def add(self, verdict: Verdict | StatisticsVerdict) -> Counters:
        """These totals plus one verdict's counters."""
        totals = dict(self.counts)
        for key in verdict.counter_keys():
            totals[key] = totals.get(key, 0) + 1
        return Counters(tuple(sorted(totals.items())))

    def get(self, key: str) -> int:
        """The total for ``key``; 0 if never counted."""
        return dict(self.counts).get(key, 0)

    def as_dict(self) -> Mapping[str, int]:
        return dict(self.counts)
