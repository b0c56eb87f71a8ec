"""One ``/statistics`` snapshot applied to its fixture's statistics state: the pure core of break completions.

A snapshot is applied only when its seqNum is higher than the last applied
one for the fixture (else it is a ``duplicate`` or ``stale`` and dropped).
Each snapshot is a full cumulative picture, so an applied one is compared with
what was emitted before.  A break's identity is (frame = periodNumber, breakSeq).

- A break is first emitted (revision 1) once it has points > 0 and an end
  timestamp.  Breaks in progress (no end) and zero-point visits are not emitted.
- A break already emitted is emitted again, with revision + 1, when anything
  the record shows changes: player id or name, points, potted balls, start or
  end time.  An identical break is not re-emitted.  A correction down to 0
  points is emitted too (as a revision): a consumer must not keep the old points.
- An emitted break missing from a later snapshot: nothing is emitted, the
  ``break_disappeared`` anomaly is counted, and its last revision is kept, so
  if it comes back changed it is emitted with the next revision.  The same
  for an emitted break back in progress (``break_lost_end``).
- A snapshot without a ``breaksStatistics`` block (other sports, or a partial
  snapshot) says nothing about breaks: nothing is emitted or flagged.
- The same (frame, breakSeq) twice in one snapshot: the first row counts
  (``duplicate_break``).

Records are emitted in ascending (frame, breakSeq), whatever the snapshot's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ddeflow.dde.statistics import Break, StatisticsPacket
from ddeflow.processors.core._codec import digest, micros, opt_micros
from ddeflow.processors.core.records import BreakCompletion
from ddeflow.processors.core.states import BreakMark, StatisticsState
from ddeflow.processors.core.verdict import Anomaly, AnomalyKind, Disposition, StatisticsVerdict, judge


@dataclass(frozen=True, slots=True, kw_only=True)
class StatisticsStep:
    """The result of one statistics snapshot: the state to store, the records to emit, and what happened."""

    stats: StatisticsState
    """The fixture's statistics state after the snapshot (unchanged unless it was applied)."""
    outputs: tuple[BreakCompletion, ...]
    verdict: StatisticsVerdict


def break_digest(brk: Break) -> str:
    """Fingerprint of what a ``BreakCompletion`` shows of a break (not its revision or delivery)."""
    balls = brk.potted_balls
    return digest(
        brk.player_id,
        brk.player_name,
        brk.score,
        [balls.red, balls.yellow, balls.green, balls.brown, balls.blue, balls.pink, balls.black],
        micros(brk.start_timestamp),
        opt_micros(brk.end_timestamp),
    )


def apply_statistics_packet(
    stats: StatisticsState | None,
    packet: StatisticsPacket,
    received_at_us: int | None,
) -> StatisticsStep:
    """Apply a snapshot to the fixture's statistics state (None: none applied yet).

    Never raises on anything the feed sends; raises ``ValueError`` only when
    ``stats`` belongs to another fixture (a caller's bug).  The same as
    ``advance_statistics`` followed by ``break_completions``, which is how the
    worker runs it (break completions are a processor of their own).
    """
    step = advance_statistics(stats, packet)
    return replace(step, outputs=break_completions(step.verdict, stats, step.stats, packet, received_at_us))


def _listed(breaks: Sequence[Break]) -> tuple[dict[tuple[int, int], Break], list[Anomaly]]:
    """A snapshot's breaks by (frame, breakSeq), the first row of a key counting, and the duplicates found."""
    listed: dict[tuple[int, int], Break] = {}
    anomalies: list[Anomaly] = []
    for brk in breaks:
        key = (brk.period_number, brk.break_seq)
        if key in listed:
            anomalies.append(
                Anomaly(kind=AnomalyKind.DUPLICATE_BREAK, detail=f"frame {key[0]} break {key[1]} listed twice")
            )
        else:
            listed[key] = brk
    return listed, anomalies


def advance_statistics(stats: StatisticsState | None, packet: StatisticsPacket) -> StatisticsStep:
    """The statistics state after the snapshot and the verdict, without outputs (see ``apply_statistics_packet``).

    An emitted (or re-emitted) break is one whose mark is new or has a new revision in the state after.
    """
    if stats is not None and stats.fixture_id != packet.fixture_id:
        raise ValueError(f"state of fixture {stats.fixture_id} passed with a snapshot of {packet.fixture_id}")
    verdict = judge(stats.seq_num if stats is not None else None, packet.seq_num)
    if verdict is not Disposition.APPLIED:
        assert stats is not None  # judge() applies anything when nothing was applied before
        return StatisticsStep(stats=stats, outputs=(), verdict=StatisticsVerdict(snapshot=verdict))

    marks = {mark.key: mark for mark in stats.breaks} if stats is not None else {}
    advanced = packet.advanced_sport_statistics
    breaks = advanced.breaks if advanced is not None else None
    anomalies: list[Anomaly] = []
    if breaks is not None:
        listed, anomalies = _listed(breaks)
        for key in sorted(listed):
            brk = listed[key]
            mark = marks.get(key)
            if brk.end_timestamp is None:
                if mark is not None:
                    anomalies.append(
                        Anomaly(
                            kind=AnomalyKind.BREAK_LOST_END,
                            detail=f"frame {key[0]} break {key[1]} emitted as ended, now in progress",
                        )
                    )
                continue
            if mark is None and brk.score <= 0:
                continue
            content = break_digest(brk)
            if mark is not None and mark.digest == content:
                continue
            revision = mark.revision + 1 if mark is not None else 1
            marks[key] = BreakMark(frame=key[0], break_seq=key[1], revision=revision, digest=content)
        for key in sorted(marks.keys() - listed.keys()):
            anomalies.append(
                Anomaly(
                    kind=AnomalyKind.BREAK_DISAPPEARED,
                    detail=f"frame {key[0]} break {key[1]} was emitted but is missing from this snapshot",
                )
            )
    new_stats = StatisticsState(
        fixture_id=packet.fixture_id,
        seq_num=packet.seq_num,
        breaks=tuple(marks[key] for key in sorted(marks)),
    )
    return StatisticsStep(
        stats=new_stats,
        outputs=(),
        verdict=StatisticsVerdict(snapshot=verdict, anomalies=tuple(anomalies)),
    )


def break_completions(
    verdict: StatisticsVerdict,
    before: StatisticsState | None,
    after: StatisticsState,
    packet: StatisticsPacket,
    received_at_us: int | None,
) -> tuple[BreakCompletion, ...]:
    """A record per break whose mark the snapshot added or revised, in ascending (frame, breakSeq)."""
    if verdict.snapshot is not Disposition.APPLIED:
        return ()
    old = {mark.key: mark.revision for mark in before.breaks} if before is not None else {}
    changed = [mark for mark in after.breaks if old.get(mark.key) != mark.revision]
    if not changed:
        return ()
    advanced = packet.advanced_sport_statistics
    listed, _ = _listed(advanced.breaks if advanced is not None and advanced.breaks is not None else ())
    outputs: list[BreakCompletion] = []
    for mark in changed:
        brk = listed[mark.key]
        assert brk.end_timestamp is not None  # a mark is only added or revised for an ended break
        outputs.append(
            BreakCompletion(
                fixture_id=packet.fixture_id,
                frame=mark.frame,
                break_seq=mark.break_seq,
                player_id=brk.player_id,
                player_name=brk.player_name,
                points=brk.score,
                potted_balls=brk.potted_balls,
                started_at_us=micros(brk.start_timestamp),
                ended_at_us=micros(brk.end_timestamp),
                revision=mark.revision,
                statistics_seq_num=packet.seq_num,
                received_at_us=received_at_us,
            )
        )
    return tuple(outputs)
