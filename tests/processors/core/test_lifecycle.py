"""The sendType lifecycle: every documented transition, and what happens off the rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ddeflow.dde.enums import SendType
from ddeflow.processors.core import ActionStateRecord, ActionStatus, AnomalyKind, Disposition, apply_action_packet
from tests.processors.core._micros import micros
from tests.processors.core.builders import Run, action_records, packet

P, U, C, D, K, R = (
    SendType.PENDING,
    SendType.UPDATED,
    SendType.CANCELLED,
    SendType.DELETED,
    SendType.CONFIRMED,
    SendType.RESTORED,
)
S = ActionStatus

# (sendTypes in fixtureSeqNum order, status after each, anomaly kind after each or None)
ALLOWED = [
    ([P], [S.PENDING]),
    ([K], [S.CONFIRMED]),
    ([P, K], [S.PENDING, S.CONFIRMED]),
    ([P, C], [S.PENDING, S.CANCELLED]),
    ([K, U], [S.CONFIRMED, S.UPDATED]),
    ([K, D], [S.CONFIRMED, S.DELETED]),
    ([K, U, U], [S.CONFIRMED, S.UPDATED, S.UPDATED]),
    ([K, U, D], [S.CONFIRMED, S.UPDATED, S.DELETED]),
    ([P, K, D, U], [S.PENDING, S.CONFIRMED, S.DELETED, S.UPDATED]),
    ([K, D, R], [S.CONFIRMED, S.DELETED, S.UPDATED]),
    ([K, D, U, D, U], [S.CONFIRMED, S.DELETED, S.UPDATED, S.DELETED, S.UPDATED]),
]

OFF_RULES = [
    # never seen before
    ([U], [S.UPDATED], AnomalyKind.NO_PRIOR_VERSION, "Updated before any Pending or Confirmed"),
    ([D], [S.DELETED], AnomalyKind.NO_PRIOR_VERSION, "Deleted before any Pending or Confirmed"),
    ([C], [S.CANCELLED], AnomalyKind.NO_PRIOR_VERSION, "Cancelled before any Pending or Confirmed"),
    ([R], [S.UPDATED], AnomalyKind.NO_PRIOR_VERSION, "Restored before any Pending or Confirmed"),
    # back to Pending
    ([K, P], [S.CONFIRMED, S.PENDING], AnomalyKind.BACK_TO_PENDING, "Pending after Confirmed"),
    ([K, U, P], [S.CONFIRMED, S.UPDATED, S.PENDING], AnomalyKind.BACK_TO_PENDING, "Pending after Updated"),
    ([K, D, P], [S.CONFIRMED, S.DELETED, S.PENDING], AnomalyKind.BACK_TO_PENDING, "Pending after Deleted"),
    # anything after Cancelled
    ([P, C, K], [S.PENDING, S.CANCELLED, S.CONFIRMED], AnomalyKind.AFTER_CANCELLED, "Confirmed after Cancelled"),
    ([P, C, U], [S.PENDING, S.CANCELLED, S.UPDATED], AnomalyKind.AFTER_CANCELLED, "Updated after Cancelled"),
    ([P, C, P], [S.PENDING, S.CANCELLED, S.PENDING], AnomalyKind.AFTER_CANCELLED, "Pending after Cancelled"),
    ([P, C, C], [S.PENDING, S.CANCELLED, S.CANCELLED], AnomalyKind.AFTER_CANCELLED, "Cancelled after Cancelled"),
    # other steps outside the table
    ([P, U], [S.PENDING, S.UPDATED], AnomalyKind.UNEXPECTED_TRANSITION, "Updated after Pending"),
    ([P, D], [S.PENDING, S.DELETED], AnomalyKind.UNEXPECTED_TRANSITION, "Deleted after Pending"),
    ([P, P], [S.PENDING, S.PENDING], AnomalyKind.UNEXPECTED_TRANSITION, "Pending after Pending"),
    ([K, K], [S.CONFIRMED, S.CONFIRMED], AnomalyKind.UNEXPECTED_TRANSITION, "Confirmed after Confirmed"),
    ([K, C], [S.CONFIRMED, S.CANCELLED], AnomalyKind.UNEXPECTED_TRANSITION, "Cancelled after Confirmed"),
    ([K, D, D], [S.CONFIRMED, S.DELETED, S.DELETED], AnomalyKind.UNEXPECTED_TRANSITION, "Deleted after Deleted"),
    ([K, D, K], [S.CONFIRMED, S.DELETED, S.CONFIRMED], AnomalyKind.UNEXPECTED_TRANSITION, "Confirmed after Deleted"),
    ([K, R], [S.CONFIRMED, S.UPDATED], AnomalyKind.UNEXPECTED_TRANSITION, "Restored after Confirmed"),
]


def _play(sends: list[SendType | int]) -> tuple[Run, list[ActionStateRecord]]:
    run = Run()
    records: list[ActionStateRecord] = []
    for index, send in enumerate(sends):
        out = action_records(run.feed(packet(10 * (index + 1), "a-1", send)))
        assert len(out) == 1, "every applied action packet emits exactly one ActionStateRecord"
        records.append(out[0])
    return run, records


@pytest.mark.parametrize(("sends", "statuses"), ALLOWED)
def test_documented_transitions_apply_without_anomaly(sends: list[SendType], statuses: list[ActionStatus]) -> None:
    run, records = _play(list(sends))
    assert [r.status for r in records] == statuses
    assert [r.revision for r in records] == list(range(1, len(sends) + 1))
    assert all(r.anomaly is None for r in records)
    assert all(not v.anomalies and v.action is Disposition.APPLIED for v in run.action_verdicts())
    assert run.action("a-1").status is statuses[-1]
    assert run.action("a-1").revision == len(sends)


@pytest.mark.parametrize(("sends", "statuses", "kind", "text"), OFF_RULES)
def test_off_rule_transitions_are_applied_and_flagged(
    sends: list[SendType], statuses: list[ActionStatus], kind: AnomalyKind, text: str
) -> None:
    run, records = _play(list(sends))
    assert [r.status for r in records] == statuses
    last = records[-1]
    assert last.anomaly == text
    assert all(r.anomaly is None for r in records[:-1])
    assert [a.kind for a in run.last_verdict.anomalies] == [kind]
    assert run.last_verdict.action is Disposition.APPLIED
    assert run.counters().get(f"anomalies.{kind.value}") == 1
    assert run.action("a-1").revision == len(sends)


@pytest.mark.parametrize(("sends", "text"), [([9], "unknown sendTypeId 9"), ([K, 0], "unknown sendTypeId 0")])
def test_unknown_send_type_is_applied_as_unknown_and_flagged(sends: list[SendType | int], text: str) -> None:
    run, records = _play(sends)
    last = records[-1]
    assert last.status is ActionStatus.UNKNOWN
    assert last.send_type_id == sends[-1]
    assert last.anomaly == text
    assert run.counters().get("anomalies.unknown_send_type") == 1
    # and the action goes on: a later Updated is applied (flagged: Updated after Unknown)
    out = action_records(run.feed(packet(1000, "a-1", U)))
    assert out[0].status is ActionStatus.UPDATED
    assert out[0].anomaly == "Updated after Unknown"


def test_unknown_send_type_by_name_only_keeps_the_name() -> None:
    p = packet(1, "a-1", SendType.CONFIRMED)
    p = replace(
        p,
        fixture_action=replace(
            p.fixture_action, send_type=SendType.UNKNOWN, send_type_id=None, send_type_name="Reviewed"
        ),
    )
    run = Run()
    record = action_records(run.feed(p))[0]
    assert record.status is ActionStatus.UNKNOWN
    assert record.send_type_id == 0
    assert record.anomaly == "unknown sendType 'Reviewed'"


def test_updated_may_change_the_action_type() -> None:
    run = Run()
    first = action_records(run.feed(packet(1, "card", K, type_id=107, type_name="Yellow card")))[0]
    second = action_records(run.feed(packet(2, "card", U, type_id=108, type_name="Red card")))[0]
    assert (first.action_type_id, first.action_type) == (107, "Yellow card")
    assert (second.action_type_id, second.action_type) == (108, "Red card")
    assert second.status is ActionStatus.UPDATED and second.revision == 2 and second.anomaly is None


def test_record_carries_the_latest_packet_fields() -> None:
    run = Run()
    p = packet(7, "a-9", K, related=("a-1", "a-2"), period_id=3)
    record = action_records(run.feed(p, received_at_us=123))[0]
    assert record.key == "a-9"
    assert record.topic() == "dde.actions.basketball"
    assert record.topic("team1.") == "team1.dde.actions.basketball"
    assert record.fixture_seq_num == 7 and record.period == 3
    assert record.related_action_ids == ("a-1", "a-2")
    assert record.team_id == "team-home" and record.player_id is None
    assert record.received_at_us == 123
    assert record.timestamp_us == micros(p.fixture_action.timestamp)


def test_each_action_has_its_own_lifecycle() -> None:
    run = Run()
    run.feed(packet(1, "a", P), packet(2, "b", K), packet(3, "a", C), packet(4, "b", D))
    assert run.action("a").status is ActionStatus.CANCELLED
    assert run.action("b").status is ActionStatus.DELETED
    assert run.counters().get("actions.applied") == 4
    assert not any(v.anomalies for v in run.verdicts)


def test_one_action_id_in_two_fixtures_is_two_actions() -> None:
    run = Run()
    other = packet(50, "shared", K, fixture_id="fx-other")
    run.feed(other)
    record = action_records(run.feed(packet(3, "shared", K, fixture_id="fx-1")))[0]
    assert record.revision == 1 and record.fixture_id == "fx-1" and record.anomaly is None
    assert run.feed(other) == []
    assert run.last_verdict.action is Disposition.DUPLICATE
    assert run.action("shared", "fx-other").fixture_seq_num == 50
    assert run.action("shared", "fx-1").fixture_seq_num == 3


def test_an_action_state_of_another_fixture_is_a_callers_bug() -> None:
    run = Run()
    run.feed(packet(50, "shared", K, fixture_id="fx-other"))
    with pytest.raises(ValueError, match="state of fixture fx-other passed with a packet of fx-1"):
        apply_action_packet(None, run.action("shared", "fx-other"), packet(3, "shared", K), run.sport, None)
