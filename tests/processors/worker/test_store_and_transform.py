"""The worker's pure parts: the partition store's transaction overlay and the record transform."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ddeflow import avro, topic_schemas, topics
from ddeflow.dde import Sport, parse_statistics_packet
from ddeflow.dlq import read_dlq_headers
from ddeflow.errors import StateError
from ddeflow.processors.core import ActionState
from ddeflow.processors.core.processor_states import SnapshotState
from ddeflow.processors.store import (
    PartitionStore,
    action_key,
    decode_state,
    encode_state,
    fixture_key,
    snapshot_key,
    stream_time_key,
)
from ddeflow.processors.transform import Transformer, raw_routes
from ddeflow.producers.raw_records import HEADER_RECORD_ID, RawRecord, Stream, received_at_us
from tests.processors.worker.support import PREFIX, RETENTION, T0_MS, codec

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def _transformer() -> Transformer:
    return Transformer(PREFIX, codec(), RETENTION)


def _rest_packets() -> list[bytes]:
    elements = json.loads((SAMPLES / "basketball-rest-actions.json").read_bytes())
    ordered = sorted(elements, key=lambda e: e["fixtureAction"]["fixtureSeqNum"])
    return [json.dumps(e).encode() for e in ordered]


def _raw(value: bytes | None, offset: int, topic: str = PREFIX + "dde.raw.basketball.actions") -> RawRecord:
    headers = (("received-at-ns", b"1700000000123456789"),)
    return RawRecord(topic, 3, offset, b"fixture", value, headers, timestamp_ms=1_700_000_000_000 + offset)


def test_routes_only_raw_topics() -> None:
    routes = raw_routes(PREFIX)
    assert PREFIX + "dde.raw.volleyball.actions" in routes
    found = routes.get(PREFIX + "dde.raw.snooker.statistics")
    assert found is not None and found.sport is Sport.SNOOKER and found.stream is Stream.STATISTICS
    assert "dde.raw.snooker.statistics" not in routes  # another deployment's topic
    assert PREFIX + "dde.score-changes" not in routes


def test_received_at_header_becomes_microseconds() -> None:
    assert received_at_us((("received-at-ns", b"1700000000123456789"),)) == 1700000000123456
    assert received_at_us((("received-at-ns", b"garbage"),)) is None
    assert received_at_us(()) is None
    # Found by fuzzing: a time beyond Avro's long crashed the encoder, and with it the worker.
    assert received_at_us((("received-at-ns", b"9" * 25),)) is None
    assert received_at_us((("received-at-ns", b"-" + b"9" * 25),)) is None
    assert received_at_us((("received-at-ns", str(2**63 * 1000 - 1).encode()),)) == 2**63 - 1


def test_a_record_with_an_out_of_range_receipt_time_is_derived_without_it() -> None:
    record = RawRecord(
        PREFIX + "dde.raw.basketball.actions",
        0,
        0,
        b"f",
        _rest_packets()[0],
        (("received-at-ns", b"9" * 25),),
        timestamp_ms=T0_MS,
    )
    outputs = _transformer().handle(record, PartitionStore())
    assert outputs and all(o.topic != PREFIX + topics.DLQ for o in outputs)


def test_a_bad_field_under_a_key_utf8_cannot_carry_is_still_dead_lettered() -> None:
    # Found by fuzzing: the field path named a feed-chosen key with an unpaired surrogate, and writing the
    # dlq.field header raised UnicodeEncodeError out of the Transformer.
    wire = json.loads((SAMPLES / "snooker-statistics.json").read_bytes())
    wire["advancedSportStatistics"]["averageShotTimeStatistics"]["averageShotTimes"] = {"p\ud800": "soon"}
    value = json.dumps(wire).encode()
    record = RawRecord(PREFIX + "dde.raw.snooker.statistics", 0, 7, b"f\xff", value, (), timestamp_ms=T0_MS)
    (letter,) = _transformer().handle(record, PartitionStore())
    headers = read_dlq_headers(list(letter.headers))
    assert letter.topic == PREFIX + topics.DLQ and letter.value == value
    assert headers["dlq.reason"] == "bad_value"
    assert headers["dlq.field"] == "advancedSportStatistics.averageShotTimeStatistics.averageShotTimes.p\\ud800"


def test_overlay_is_invisible_to_restore_until_commit() -> None:
    store = PartitionStore()
    transformer = _transformer()
    packets = _rest_packets()
    transformer.handle(_raw(packets[0], 0), store)
    pending = dict(store.pending())
    assert pending and len(store) == 0
    store.discard()
    assert not dict(store.pending()) and len(store) == 0

    transformer.handle(_raw(packets[0], 0), store)
    store.commit()
    assert len(store) == len(pending)
    # A fresh store restored from the changelog records holds the same states.
    restored = PartitionStore()
    for key, value in pending.items():
        restored.restore(key, value)
    fixture_id = json.loads(packets[0])["fixtureAction"]["fixtureId"]
    assert restored.fixture(fixture_id) == store.fixture(fixture_id)
    restored.restore(fixture_key(fixture_id), None)
    assert restored.fixture(fixture_id) is None
    # Every record read counts, the tombstone too, though it leaves one state fewer.
    assert restored.records_restored == len(pending) + 1
    assert len(restored) == len(pending) - 1


def test_state_encoding_round_trips_and_rejects_unknown_keys() -> None:
    store = PartitionStore()
    transformer = _transformer()
    for offset, packet in enumerate(_rest_packets()):
        transformer.handle(_raw(packet, offset), store)
    for key, value in store.pending():
        assert encode_state(decode_state(key, value)) == value
    with pytest.raises(ValueError, match="no known prefix"):
        decode_state(b"x:1", b"{}")


def test_a_kept_snapshot_round_trips_byte_for_byte_and_a_bad_one_is_a_state_error() -> None:
    raw = (SAMPLES / "snooker-statistics.json").read_bytes()
    packet = parse_statistics_packet(raw)
    kept = SnapshotState(fixture_id=packet.fixture_id, seq_num=packet.seq_num, raw=raw, packet=packet)
    key = snapshot_key(packet.fixture_id)
    restored = decode_state(key, encode_state(kept))
    assert restored == kept
    stored = json.loads(encode_state(kept))
    with pytest.raises(StateError, match="does not parse"):
        decode_state(key, json.dumps({**stored, "packet": "{}"}).encode())


def test_replaying_the_same_records_from_the_same_state_is_identical() -> None:
    packets = _rest_packets()

    def run() -> list[tuple[str, bytes | None, bytes]]:
        store, transformer = PartitionStore(), _transformer()
        out = []
        for offset, packet in enumerate(packets + packets[:5]):  # with re-deliveries
            out += [(o.topic, o.key, o.value) for o in transformer.handle(_raw(packet, offset), store)]
        return out

    first = run()
    assert first == run()
    actions_topic = PREFIX + topics.derived_actions(Sport.BASKETBALL)
    action_records = [o for o in first if o[0] == actions_topic]
    assert len(action_records) == len(packets)  # one state per applied packet, none for the five re-sends
    schema_ids = {avro.split(value)[0] for _, _, value in first}
    assert schema_ids <= set(range(1, len(topic_schemas.bindings()) + 1))


def _wrong_type() -> bytes:
    element = json.loads(_rest_packets()[0])
    element["fixtureAction"]["fixtureSeqNum"] = "7"
    return json.dumps(element).encode()


@pytest.mark.parametrize(
    ("value", "reason", "field"),
    [
        (b'{"fixtureAction": {"fixtureSeqNum": 1', "malformed_json", None),
        (None, "not_a_packet", None),
        (_wrong_type(), "wrong_type", "fixtureAction.fixtureSeqNum"),
    ],
)
def test_bad_records_become_dead_letters_with_source_coordinates(
    value: bytes | None, reason: str, field: str | None
) -> None:
    store = PartitionStore()
    transformer = _transformer()
    (letter,) = transformer.handle(_raw(value, 41), store)
    headers = read_dlq_headers(list(letter.headers))
    assert letter.topic == PREFIX + topics.DLQ
    assert letter.value == (value or b"")
    assert letter.key == b"fixture"
    assert headers["dlq.origin"] == "processor"
    assert headers["dlq.source.topic"] == PREFIX + "dde.raw.basketball.actions"
    assert (headers["dlq.source.partition"], headers["dlq.source.offset"]) == ("3", "41")
    assert "dlq.failed-at-ns" not in headers  # re-processing must give identical dead letters
    assert headers["dlq.reason"] == reason
    assert headers.get("dlq.field") == field
    assert headers["dlq.detail"]
    assert transformer.counters["dlq"] == 1
    # A dead letter changes no state; only its topic's stream time moved.
    assert [key for key, _ in store.pending()] == [stream_time_key(PREFIX + "dde.raw.basketball.actions")]


def test_action_keys_tell_every_fixture_and_action_pair_apart() -> None:
    assert action_key("x", "") != fixture_key("x")
    assert action_key("ab", "c") != action_key("a", "bc")
    assert action_key("fx", "a") != action_key("fy", "a")


def _in_fixture(packet: bytes, fixture_id: str) -> bytes:
    element = json.loads(packet)
    element["fixtureAction"]["fixtureId"] = fixture_id
    return json.dumps(element).encode()


def test_an_action_id_shared_by_two_fixtures_is_never_applied_twice() -> None:
    store, transformer = PartitionStore(), _transformer()
    first = _rest_packets()[0]
    other = _in_fixture(first, "another-fixture")
    assert transformer.handle(_raw(first, 0), store)
    assert transformer.handle(_raw(other, 1), store)
    store.commit()
    # The first fixture's packet again, after the other fixture stored the same actionId.
    assert transformer.handle(_raw(first, 2), store) == []
    assert transformer.counters["actions.duplicate"] == 1


def test_a_changelog_keyed_by_action_id_alone_is_moved_to_the_new_keys() -> None:
    store, transformer = PartitionStore(), _transformer()
    for offset, packet in enumerate(_rest_packets()[:3]):
        transformer.handle(_raw(packet, offset), store)
    written = dict(store.pending())
    actions = {k: v for k, v in written.items() if k.startswith(b"a:") and v is not None}
    assert actions
    legacy = {b"a:" + _action_state(v).action_id.encode(): v for v in actions.values()}
    assert not legacy.keys() & actions.keys()

    old = PartitionStore()
    for key, value in {**{k: v for k, v in written.items() if k not in actions}, **legacy}.items():
        old.restore(key, value)
    for state in map(_action_state, actions.values()):
        assert old.action(state.fixture_id, state.action_id) == state  # visible at once under the new key
    move = list(old.pending())
    assert move == [record for k, v in legacy.items() for record in [(k, None), (_new_key(v), v)]]
    old.discard()
    assert list(old.pending()) == move  # an aborted transaction leaves the move to the next one
    old.commit()
    assert list(old.pending()) == []

    # The changelog with the move written, as a restore reads it: the old keys end up removed, nothing moves again.
    replayed = PartitionStore()
    for key, value in [*legacy.items(), *move]:
        replayed.restore(key, value)
    assert list(replayed.pending()) == []
    assert len(replayed) == len(actions)
    assert all(replayed.action(s.fixture_id, s.action_id) == s for s in map(_action_state, actions.values()))


def _action_state(value: bytes) -> ActionState:
    state = decode_state(b"a:", value)
    assert isinstance(state, ActionState)
    return state


def _new_key(value: bytes) -> bytes:
    state = _action_state(value)
    return action_key(state.fixture_id, state.action_id)


def test_every_output_carries_an_id_made_of_its_input_coordinates_and_index() -> None:
    packets = _rest_packets()
    store, transformer = PartitionStore(), _transformer()
    ids: list[bytes] = []
    for offset, packet in enumerate([*packets, b"not json"]):
        outputs = transformer.handle(_raw(packet, offset), store)
        for index, out in enumerate(outputs):
            found = [value for name, value in out.headers if name == HEADER_RECORD_ID]
            assert found == [f"dde.raw.basketball.actions:3:{offset}:{index}".encode()]  # without the prefix
            ids.append(found[0])
    assert len(ids) == len(set(ids)) > len(packets)  # some inputs had several outputs, the bad one a dead letter
    again_store, again = PartitionStore(), _transformer()
    again_ids = [
        value
        for offset, packet in enumerate([*packets, b"not json"])
        for out in again.handle(_raw(packet, offset), again_store)
        for name, value in out.headers
        if name == HEADER_RECORD_ID
    ]
    assert again_ids == ids
