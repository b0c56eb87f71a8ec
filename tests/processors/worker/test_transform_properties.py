"""Properties of the Transformer (raw record in, derived records and state changes out), fed arbitrary records
and windows of generated matches: it never raises, every record it writes is readable under its schema or is a
dead letter with a reason, a re-delivered or stale record changes nothing, and the score changes it writes
replay to the fixture's summary score."""

from __future__ import annotations

import io
import json
from typing import Any

import fastavro
import fastavro.validation
from hypothesis import given
from hypothesis import strategies as st

from ddeflow import avro, topics
from ddeflow.dde import Sport
from ddeflow.dlq import read_dlq_headers
from ddeflow.processors.store import PartitionStore, decode_state, stream_time_key
from ddeflow.processors.transform import OutRecord, Transformer
from ddeflow.producers.raw_records import RawRecord
from tests.generator.generator_support import match
from tests.processors.worker.support import PREFIX, RECEIVED_AT, RETENTION, T0_MS, codec, schemas_by_topic
from tests.profiles import examples
from tests.strategies import (
    action_wires,
    edited_wires,
    statistics_wires,
    wire_bytes,
)

REASONS = {"malformed_json", "missing_field", "wrong_type", "bad_value", "too_large", "not_a_packet"}
SCHEMAS = schemas_by_topic()
DLQ_TOPIC = PREFIX + topics.DLQ
RAW_TOPICS = [PREFIX + name(sport) for sport in Sport for name in (topics.raw_actions, topics.raw_statistics)]
SCORE_CHANGES = PREFIX + topics.SCORE_CHANGES

received_at_headers = st.lists(
    st.tuples(
        st.just("received-at-ns"),
        st.sampled_from([b"1700000000123456789", b"0", b"-5", b"9" * 25, b"-" + b"9" * 25, b" 12 ", b"x"])
        | st.binary(max_size=24),
    ),
    max_size=2,
).map(tuple)

raw_values = st.one_of(
    action_wires().map(wire_bytes),
    statistics_wires().map(wire_bytes),
    edited_wires(action_wires()).map(wire_bytes),
    edited_wires(statistics_wires()).map(wire_bytes),
    st.binary(max_size=64),
    st.none(),
)


@st.composite
def raw_records(draw: st.DrawFn) -> list[RawRecord]:
    """Records of any raw topic (and a few that are not raw topics), values valid, edited or junk."""
    count = draw(st.integers(min_value=1, max_value=8))
    return [
        RawRecord(
            topic=draw(st.sampled_from([*RAW_TOPICS, "dde.raw.basketball.actions", SCORE_CHANGES])),
            partition=0,
            offset=offset,
            key=draw(st.sampled_from([None, b"fx-1", b"\xff\xfe"])),
            value=draw(raw_values),
            headers=draw(received_at_headers),
            timestamp_ms=T0_MS + offset,
        )
        for offset in range(count)
    ]


def check_readable(record: OutRecord, source: RawRecord) -> dict[str, Any] | None:
    """A dead letter of ``source`` with a documented reason (None), or the decoded Avro value, valid under the
    schema its id names."""
    if record.topic == DLQ_TOPIC:
        headers = read_dlq_headers(list(record.headers))
        assert headers["dlq.reason"] in REASONS
        assert record.value == (source.value or b"")
        return None
    schema_id, parsed = SCHEMAS[record.topic]
    assert avro.split(record.value)[0] == schema_id
    value = fastavro.schemaless_reader(io.BytesIO(record.value[5:]), parsed, None)
    assert isinstance(value, dict)
    fastavro.validation.validate(value, parsed, raise_errors=True)  # e.g. an "int" must fit in 32 bits
    return value


def run(records: list[RawRecord]) -> tuple[list[OutRecord], list[tuple[bytes, bytes]]]:
    """Every record through one Transformer and store, one transaction each: outputs and changelog writes.

    Stream-time entries are left out: every record, a re-delivery too, moves its topic's stream time by design.
    """
    store, transformer = PartitionStore(), Transformer(PREFIX, codec(), RETENTION)
    outputs: list[OutRecord] = []
    changelog: list[tuple[bytes, bytes]] = []
    stream_time = stream_time_key("")
    for record in records:
        outputs.extend(transformer.handle(record, store))
        changelog.extend((k, v) for k, v in store.pending() if not k.startswith(stream_time))
        store.commit()
    return outputs, changelog


@examples(ci=400, fuzz=5_000)
@given(raw_records())
def test_any_records_give_readable_records_or_dead_letters_and_never_raise(records: list[RawRecord]) -> None:
    store, transformer = PartitionStore(), Transformer(PREFIX, codec(), RETENTION)
    for record in records:
        for output in transformer.handle(record, store):
            check_readable(output, record)
        for key, value in store.pending():
            decode_state(key, value)
        store.commit()


# --- re-deliveries and stale re-sends -------------------------------------------------------------


@st.composite
def packet_records(draw: st.DrawFn) -> list[RawRecord]:
    """Valid packets of one sport on their own raw topics; no actionId is used by two fixtures."""
    sport = draw(st.sampled_from(Sport))
    wires = st.one_of(
        action_wires(shared_action_ids=False).map(lambda w: (topics.raw_actions(sport), w)),
        statistics_wires().map(lambda w: (topics.raw_statistics(sport), w)),
    )
    return [
        RawRecord(
            PREFIX + topic,
            0,
            offset,
            _fixture_id(wire).encode(),
            wire_bytes(wire),
            RECEIVED_AT,
            timestamp_ms=T0_MS + offset,
        )
        for offset, (topic, wire) in enumerate(draw(st.lists(wires, min_size=1, max_size=8)))
    ]


def _fixture_id(wire: dict[str, Any]) -> str:
    fixture_id: str = wire["fixtureAction"]["fixtureId"] if "fixtureAction" in wire else wire["fixtureId"]
    return fixture_id


def _lowered(record: RawRecord, lower_by: int) -> RawRecord:
    """``record`` re-sent at a later offset with its sequence number lowered by ``lower_by`` (0: re-delivery)."""
    if lower_by == 0:
        return RawRecord(
            record.topic,
            record.partition,
            10_000 + record.offset,
            record.key,
            record.value,
            timestamp_ms=record.timestamp_ms + 1,
        )
    wire = json.loads(record.value or b"")
    holder = wire.get("fixtureAction", wire)
    key = "fixtureSeqNum" if "fixtureAction" in wire else "seqNum"
    holder[key] = max(holder[key] - lower_by, -(2**63))
    return RawRecord(
        record.topic,
        record.partition,
        10_000 + record.offset,
        record.key,
        wire_bytes(wire),
        timestamp_ms=record.timestamp_ms + 1,
    )


@examples(ci=400, fuzz=5_000)
@given(packet_records(), st.data(), st.integers(min_value=0, max_value=3))
def test_a_redelivered_or_stale_record_changes_no_output_and_no_state(
    records: list[RawRecord], data: st.DataObject, lower_by: int
) -> None:
    source = data.draw(st.integers(min_value=0, max_value=len(records) - 1), label="re-send of")
    at = data.draw(st.integers(min_value=source + 1, max_value=len(records)), label="inserted before")
    resent = [*records[:at], _lowered(records[source], lower_by), *records[at:]]
    assert run(resent) == run(records)


# --- generated matches ----------------------------------------------------------------------------

_SEED = 7


@st.composite
def match_windows(draw: st.DrawFn) -> tuple[str, list[RawRecord], list[int]]:
    """A window of a generated match's packets (snooker: with statistics snapshots), and re-sends of some."""
    sport = draw(st.sampled_from(["basketball", "soccer", "volleyball", "snooker"]))
    generated = match(sport, _SEED, 0)
    lines = generated.actions
    start = draw(st.integers(min_value=0, max_value=len(lines) - 1))
    window = lines[start : start + draw(st.integers(min_value=1, max_value=60))]
    fixture_id = generated.fixture_id.encode()
    topic = PREFIX + topics.raw_actions(Sport(sport))
    records = [
        RawRecord(topic, 0, start + i, fixture_id, line.encode(), RECEIVED_AT, timestamp_ms=T0_MS + start + i)
        for i, line in enumerate(window)
    ]
    if generated.statistics and draw(st.booleans()):
        first = draw(st.integers(min_value=0, max_value=len(generated.statistics) - 1))
        stats_topic = PREFIX + topics.raw_statistics(Sport.SNOOKER)
        for i, line in enumerate(generated.statistics[first : first + 3]):
            at = draw(st.integers(min_value=0, max_value=len(records)))
            records.insert(
                at,
                RawRecord(stats_topic, 0, 50_000 + i, fixture_id, line.encode(), RECEIVED_AT, timestamp_ms=T0_MS + i),
            )
    resends = draw(st.lists(st.integers(min_value=0, max_value=len(records) - 1), max_size=5))
    return generated.fixture_id, records, resends


def _replayed_score(outputs: list[OutRecord]) -> tuple[tuple[int, int], dict[int, tuple[int, int]]]:
    """The score changes applied in order from 0-0, each checked to start where the one before left off."""
    match_score, periods = (0, 0), dict[int, tuple[int, int]]()
    seq: int | None = None
    for record in outputs:
        if record.topic != SCORE_CHANGES:
            continue
        change = fastavro.schemaless_reader(io.BytesIO(record.value[5:]), SCHEMAS[SCORE_CHANGES][1], None)
        assert isinstance(change, dict)
        if change["fixtureSeqNum"] != seq:
            seq, before = change["fixtureSeqNum"], match_score
        assert (change["previousHomeScore"], change["previousAwayScore"]) == before
        assert (change["previousHomePeriodScore"], change["previousAwayPeriodScore"]) == periods.get(
            change["period"], (0, 0)
        )
        match_score = (change["homeScore"], change["awayScore"])
        periods[change["period"]] = (change["homePeriodScore"], change["awayPeriodScore"])
    return match_score, periods


@examples(ci=300, fuzz=5_000)
@given(match_windows())
def test_generated_match_windows_replay_to_their_summary_and_ignore_resends(
    window: tuple[str, list[RawRecord], list[int]],
) -> None:
    fixture_id, records, resends = window
    with_resends = records + [records[i] for i in resends]
    store, transformer = PartitionStore(), Transformer(PREFIX, codec(), RETENTION)
    outputs = [output for record in with_resends for output in transformer.handle(record, store)]
    assert transformer.counters["dlq"] == 0
    assert outputs == run(records)[0]
    match_score, periods = _replayed_score(outputs)
    fixture = store.fixture(fixture_id)
    assert fixture is not None
    assert match_score == (fixture.home_score, fixture.away_score)
    final_periods = {p.id: (p.home_period_score, p.away_period_score) for p in fixture.periods}
    for period_id in periods.keys() | final_periods.keys():
        assert periods.get(period_id, (0, 0)) == final_periods.get(period_id, (0, 0))


def test_a_whole_generated_match_replays_to_its_true_final_score() -> None:
    for sport in ("basketball", "soccer", "volleyball", "snooker"):
        generated = match(sport, _SEED, 0)
        topic = PREFIX + topics.raw_actions(Sport(sport))
        key = generated.fixture_id.encode()
        records = [
            RawRecord(topic, 0, i, key, line.encode(), RECEIVED_AT, timestamp_ms=T0_MS + i)
            for i, line in enumerate(generated.actions)
        ]
        match_score, periods = _replayed_score(run(records)[0])
        final = generated.truth["final"]
        assert match_score == (final["homeScore"], final["awayScore"])
        for period in final["periods"]:
            assert periods.get(period["id"], (0, 0)) == (period["homeTeamPeriodScore"], period["awayTeamPeriodScore"])
