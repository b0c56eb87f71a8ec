"""One ``/actions`` packet applied to its fixture's and its action's state: the pure core of the actions processor.

``apply_action_packet`` judges the packet's two parts separately, by fixtureSeqNum:

- the **action part** is applied when the packet is newer than the action's last
  applied version (or the action is new): the action's state moves on (see
  ``lifecycle``) and one ``ActionStateRecord`` is emitted;
- the **summary part** is applied when the packet is newer than every summary
  applied to the fixture: the fixture's state becomes this summary's projection,
  and score changes and fixture events are derived from the difference.

A part that is not newer is dropped: ``duplicate`` when it has the same
fixtureSeqNum as the last applied, ``stale`` when lower.  So a packet the
REST reconciliation delivers late can update its action while its old summary
is ignored, and a stale packet never moves a score backwards.  A re-delivery
of an action's last applied version with different content is still a
duplicate, and is reported as a ``conflicting_duplicate`` anomaly.

Outputs, in this order: the ``ActionStateRecord`` (if the action part was
applied), the ``ScoreChange`` records (ascending period), the ``FixtureEvent``
records (order documented in ``fixture_events``).  The same inputs always give
the same outputs: nothing here reads a clock or depends on dict or set order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ddeflow.dde.actions import ActionPacket, FixtureAction
from ddeflow.dde.sports import Sport
from ddeflow.processors.core._codec import digest, micros
from ddeflow.processors.core.fixture_events import derive_fixture_events
from ddeflow.processors.core.lifecycle import send_type_id, transition
from ddeflow.processors.core.records import ActionStateRecord, FixtureEvent, Output, ScoreChange
from ddeflow.processors.core.scores import derive_score_changes
from ddeflow.processors.core.states import ActionState, FixtureState
from ddeflow.processors.core.summary import project_summary
from ddeflow.processors.core.verdict import Anomaly, AnomalyKind, Disposition, Verdict, judge


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionStep:
    """The result of one action packet: the states to store, the records to emit, and what happened."""

    fixture: FixtureState
    """The fixture's state after the packet (unchanged unless ``verdict.summary`` is applied)."""
    action: ActionState
    """The action's state after the packet (unchanged unless ``verdict.action`` is applied)."""
    outputs: tuple[Output, ...]
    verdict: Verdict


def action_digest(action: FixtureAction) -> str:
    """Fingerprint of what an ``ActionStateRecord`` shows of a version (its content, not its delivery)."""
    return digest(
        action.fixture_action_type_id,
        action.fixture_action_type,
        action.fixture_action_sub_type_id,
        action.fixture_action_sub_type,
        send_type_id(action),
        action.period,
        action.clock_time,
        micros(action.timestamp),
        action.team.id if action.team is not None else None,
        action.player.id if action.player is not None else None,
        list(action.related_fixture_action_ids),
    )


def apply_action_packet(
    fixture: FixtureState | None,
    action: ActionState | None,
    packet: ActionPacket,
    sport: Sport,
    received_at_us: int | None,
) -> ActionStep:
    """Apply ``packet`` to its fixture's state and its action's state (None: not seen yet).

    ``received_at_us`` is when the producer received the packet (the raw
    record's header), copied to every output.  Never raises on anything the
    feed sends; raises ``ValueError`` only when ``fixture`` or ``action``
    belongs to another fixture, which is a caller's bug (states are keyed by
    fixtureId, and an action's by fixtureId and actionId).

    The same as ``advance_action`` followed by the three derivations
    (``action_state_records``, ``score_changes``, ``fixture_events``), which is
    how the worker runs it: each derivation is a processor of its own.
    """
    step = advance_action(fixture, action, packet)
    verdict = step.verdict
    outputs: list[Output] = [*action_state_records(verdict, step.action, packet, sport, received_at_us)]
    outputs.extend(score_changes(verdict, fixture, step.fixture, packet, sport, received_at_us))
    outputs.extend(fixture_events(verdict, fixture, step.fixture, packet, sport, received_at_us))
    return replace(step, outputs=tuple(outputs))


def advance_action(fixture: FixtureState | None, action: ActionState | None, packet: ActionPacket) -> ActionStep:
    """The states after ``packet`` and the verdict, without outputs (see ``apply_action_packet``)."""
    for state in (fixture, action):
        if state is not None and state.fixture_id != packet.fixture_id:
            raise ValueError(f"state of fixture {state.fixture_id} passed with a packet of {packet.fixture_id}")
    fa = packet.fixture_action
    anomalies: list[Anomaly] = []

    known = action
    content = action_digest(fa)
    action_verdict = judge(known.fixture_seq_num if known is not None else None, fa.fixture_seq_num)
    if action_verdict is Disposition.APPLIED:
        status, lifecycle_anomaly = transition(known.status if known is not None else None, fa)
        if lifecycle_anomaly is not None:
            anomalies.append(lifecycle_anomaly)
        new_action = ActionState(
            action_id=fa.action_id,
            fixture_id=fa.fixture_id,
            status=status,
            fixture_seq_num=fa.fixture_seq_num,
            revision=known.revision + 1 if known is not None else 1,
            digest=content,
        )
    else:
        assert known is not None  # judge() applies anything when nothing was applied before
        new_action = known
        if action_verdict is Disposition.DUPLICATE and known.digest != content:
            anomalies.append(
                Anomaly(
                    kind=AnomalyKind.CONFLICTING_DUPLICATE,
                    detail=f"fixtureSeqNum {fa.fixture_seq_num} re-sent with different content",
                )
            )

    summary_verdict = judge(fixture.summary_seq_num if fixture is not None else None, fa.fixture_seq_num)
    if summary_verdict is Disposition.APPLIED:
        new_fixture = project_summary(fixture, packet)
    else:
        assert fixture is not None  # as above
        new_fixture = fixture

    return ActionStep(
        fixture=new_fixture,
        action=new_action,
        outputs=(),
        verdict=Verdict(action=action_verdict, summary=summary_verdict, anomalies=tuple(anomalies)),
    )


def action_state_records(
    verdict: Verdict, after: ActionState, packet: ActionPacket, sport: Sport, received_at_us: int | None
) -> tuple[ActionStateRecord, ...]:
    """The action's state record when the packet's action part was applied (its anomalies are the lifecycle's)."""
    if verdict.action is not Disposition.APPLIED:
        return ()
    return (_action_record(after, packet.fixture_action, sport, verdict.anomalies, received_at_us),)


def score_changes(
    verdict: Verdict,
    before: FixtureState | None,
    after: FixtureState,
    packet: ActionPacket,
    sport: Sport,
    received_at_us: int | None,
) -> tuple[ScoreChange, ...]:
    """The score changes of an applied summary part (``before``/``after``: the fixture's states around it)."""
    if verdict.summary is not Disposition.APPLIED:
        return ()
    return derive_score_changes(before, after, packet, sport, received_at_us)


def fixture_events(
    verdict: Verdict,
    before: FixtureState | None,
    after: FixtureState,
    packet: ActionPacket,
    sport: Sport,
    received_at_us: int | None,
) -> tuple[FixtureEvent, ...]:
    """The fixture events of an applied summary part (``before``/``after``: the fixture's states around it)."""
    if verdict.summary is not Disposition.APPLIED:
        return ()
    return derive_fixture_events(before, after, packet, sport, received_at_us)


def _action_record(
    state: ActionState,
    fa: FixtureAction,
    sport: Sport,
    anomalies: tuple[Anomaly, ...],
    received_at_us: int | None,
) -> ActionStateRecord:
    return ActionStateRecord(
        action_id=fa.action_id,
        fixture_id=fa.fixture_id,
        sport=sport,
        action_type=fa.fixture_action_type,
        action_type_id=fa.fixture_action_type_id,
        action_sub_type=fa.fixture_action_sub_type,
        action_sub_type_id=fa.fixture_action_sub_type_id,
        status=state.status,
        send_type_id=send_type_id(fa),
        revision=state.revision,
        fixture_seq_num=fa.fixture_seq_num,
        team_id=fa.team.id if fa.team is not None else None,
        player_id=fa.player.id if fa.player is not None else None,
        period=fa.period,
        clock_time=fa.clock_time,
        timestamp_us=micros(fa.timestamp),
        related_action_ids=fa.related_fixture_action_ids,
        anomaly="; ".join(anomaly.detail for anomaly in anomalies) or None,
        received_at_us=received_at_us,
    )
