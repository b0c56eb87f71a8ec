"""Every record type serializes to Avro under its schema, through the project's Confluent wire format."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from ddeflow.avro import decode, encode
from ddeflow.dde.enums import SendType
from ddeflow.dde.parse import parse_statistics_packet
from ddeflow.dde.sports import Sport
from ddeflow.processors.core import (
    ActionStateRecord,
    ActionStatus,
    BreakCompletion,
    FixtureEvent,
    FixtureEventType,
    Output,
    ScoreChange,
    TopicKind,
)
from tests.dde.samples import sample_bytes
from tests.processors.core._micros import micros
from tests.processors.core.builders import Run, assert_valid_avro, packet, parsed_schema, period, summary


def _as_micros(value: Any) -> Any:
    if isinstance(value, datetime):
        return micros(value)
    if isinstance(value, dict):
        return {k: _as_micros(v) for k, v in value.items()}
    return value


def _outputs_of_every_kind() -> list[Output]:
    run = Run(sport=Sport.SNOOKER)
    run.feed(
        packet(1, "a", SendType.CONFIRMED, summary(0, 0, period(1), status="Live", collection="CollectingLive")),
        packet(2, "b", 9, summary(1, 0, period(1, 1, 0, ended=True), period(2), status="Completed"), finished=True),
        received_at_us=1_700_000_000_000_000,
    )
    run.snapshots(parse_statistics_packet(sample_bytes("snooker-statistics.json")))
    return run.outputs


def test_every_kind_is_produced_and_round_trips_through_the_wire_format() -> None:
    outputs = _outputs_of_every_kind()
    assert {type(o) for o in outputs} == {ActionStateRecord, ScoreChange, FixtureEvent, BreakCompletion}
    assert {o.topic_kind for o in outputs} == set(TopicKind)
    for record in outputs:
        schema = parsed_schema(record.schema_name)
        value = record.to_avro()
        assert _as_micros(decode(encode(7, schema, value), schema)) == value


@pytest.mark.parametrize(
    ("record", "topic"),
    [
        (
            ActionStateRecord(
                action_id="a",
                fixture_id="f",
                sport=Sport.VOLLEYBALL,
                action_type=None,
                action_type_id=1,
                action_sub_type=None,
                action_sub_type_id=None,
                status=ActionStatus.UNKNOWN,
                send_type_id=0,
                revision=1,
                fixture_seq_num=2**40,
                team_id=None,
                player_id=None,
                period=0,
                clock_time=None,
                timestamp_us=-1,
                related_action_ids=(),
                anomaly=None,
                received_at_us=None,
            ),
            "dde.actions.volleyball",
        ),
        (
            FixtureEvent(
                fixture_id="f",
                sport=Sport.SOCCER,
                event_type=FixtureEventType.FINISHED,
                at_us=None,
                cause_action_id=None,
                fixture_seq_num=1,
                received_at_us=None,
            ),
            "dde.fixture-events",
        ),
    ],
)
def test_records_with_every_optional_field_empty_are_valid(record: Output, topic: str) -> None:
    assert_valid_avro(record)
    assert record.topic() == topic


def test_schema_symbols_cover_the_enums() -> None:
    action_schema = parsed_schema("action_state")
    status_field = next(f for f in action_schema["fields"] if f["name"] == "status")
    assert {s.value for s in ActionStatus} <= set(status_field["type"]["symbols"])
    event_schema = parsed_schema("fixture_event")
    type_field = next(f for f in event_schema["fields"] if f["name"] == "eventType")
    assert {t.value for t in FixtureEventType} <= set(type_field["type"]["symbols"])
