"""Batch plans (REST bodies, files), REST reconciliation, frame inspection and raw headers.  Pure."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ddeflow.errors import FeedAuthError
from ddeflow.producers.batch_plan import plan_batch
from ddeflow.producers.frames import FrameKind, action_seq, finished_hint, inspect_frame
from ddeflow.producers.json_split import Piece, split_input
from ddeflow.producers.raw_records import Source, Stream, element_record, frame_record, read_raw_headers
from ddeflow.producers.reconcile import reconcile
from tests.producers.packets import action, statistics


def _pieces(*raws: bytes) -> list[Piece]:
    return [Piece(i, i + 1, raw) for i, raw in enumerate(raws)]


@given(seqs=st.lists(st.integers(1, 500), min_size=1, max_size=40, unique=True), seed=st.integers(0, 1000))
def test_packets_are_published_per_fixture_in_seq_order_bytes_untouched(seqs: list[int], seed: int) -> None:
    fixture_of = {
        action("f1" if seq % 3 else "f2", seq, spaced=bool(seq % 2)): "f1" if seq % 3 else "f2" for seq in seqs
    }
    raws = list(fixture_of)
    random.Random(seed).shuffle(raws)
    body = b"[" + b",\n".join(raws) + b"]"
    _, pieces = split_input(body)
    plan = plan_batch(pieces)
    assert not plan.rejected
    assert sorted(item.raw for item in plan.accepted) == sorted(raws)
    groups = list(dict.fromkeys(item.fixture_id for item in plan.accepted))
    assert groups == list(dict.fromkeys(fixture_of[raw] for raw in raws))  # first appearance order
    for fixture in groups:
        mine = [item.seq for item in plan.accepted if item.fixture_id == fixture]
        assert mine == sorted(mine)
    # Each group is contiguous.
    flat = [item.fixture_id for item in plan.accepted]
    assert flat == sorted(flat, key=groups.index)


def test_statistics_and_actions_are_told_apart_and_non_packets_rejected_with_reasons() -> None:
    plan = plan_batch(
        _pieces(
            statistics("f1", 2),
            action("f1", 1),
            b'{"heartbeat": true}',
            b"not json",
            b'{"fixtureAction": {"fixtureId": "f1"}}',
            statistics("f1", 1),
        )
    )
    assert [(item.stream, item.seq) for item in plan.accepted] == [
        (Stream.STATISTICS, 1),
        (Stream.STATISTICS, 2),
        (Stream.ACTIONS, 1),
    ]
    assert [(r.index, r.error.reason) for r in plan.rejected] == [
        (2, "not_a_packet"),
        (3, "malformed_json"),
        (4, "missing_field"),
    ]
    assert plan.rejected[2].error.field is not None and "fixtureAction" in plan.rejected[2].error.field


def test_expect_limits_the_streams_accepted() -> None:
    plan = plan_batch(_pieces(action("f", 1), statistics("f", 1)), expect=frozenset({Stream.ACTIONS}))
    assert [item.stream for item in plan.accepted] == [Stream.ACTIONS]
    assert [r.error.reason for r in plan.rejected] == ["not_a_packet"]
    assert "statistics" in plan.rejected[0].error.detail


def test_reconcile_publishes_only_what_the_topic_lacks_in_seq_order() -> None:
    rest = [action("f", seq) for seq in (5, 1, 4, 2, 3, 4)]  # unsorted, seq 4 twice
    plan = plan_batch(_pieces(*rest, action("other", 9)))
    result = reconcile(plan, "f", {1, 3, 77})
    assert [item.seq for item in result.missing] == [2, 4, 5]
    assert [item.raw for item in result.missing] == [action("f", 2), action("f", 4), action("f", 5)]
    assert result.rest_packets == 6
    assert [(r.index, r.error.field) for r in result.rejected] == [(6, "fixtureAction.fixtureId")]


def test_reconcile_when_everything_is_held_publishes_nothing() -> None:
    plan = plan_batch(_pieces(*(action("f", seq) for seq in range(1, 20))))
    assert reconcile(plan, "f", set(range(1, 20))).missing == ()


def test_inspect_frame() -> None:
    assert inspect_frame(b'{"heartbeat":true,"timestamp":"2026-05-06T19:05:08.376Z"}', "s").kind is FrameKind.HEARTBEAT
    assert inspect_frame(b"ping", "s").kind is FrameKind.HEARTBEAT
    data = inspect_frame(action("f", 7), "s")
    assert (data.kind, data.seq, data.finished, data.error) == (FrameKind.DATA, 7, False, None)
    assert inspect_frame(action("f", 8, finished=True), "s").finished
    assert inspect_frame(statistics("f", 3, finished=True), "s").finished
    truncated = action("f", 9)[:60]
    broken = inspect_frame(truncated, "s")
    assert broken.kind is FrameKind.DATA and broken.error is not None and broken.seq is None
    with pytest.raises(FeedAuthError):
        inspect_frame(b'{"status":401,"error":"Unauthorized","message":"The supplied authentication is invalid"}', "s")


def test_finished_hint_reads_frames_that_do_not_parse() -> None:
    assert finished_hint(b'{"finished": true, "fixtureAction": 1}')
    assert finished_hint(b'{"fixtureSummary": {"finished": true}}')
    assert not finished_hint(b'{"finished": "yes"}')
    assert not finished_hint(b"{broken")
    assert action_seq(action("f", 12)) == 12
    assert action_seq(statistics("f", 12)) is None
    assert action_seq(b"{") is None


def test_raw_headers_round_trip() -> None:
    record = frame_record(
        topic="t",
        fixture_id="fïx",
        frame=b"x",
        source=Source.WS_MEDIA,
        stream=Stream.STATISTICS,
        received_at_ns=123,
        position=45,
    )
    assert record.key == "fïx".encode()
    assert dict(record.headers) == {
        "source": b"ws-media",
        "received-at-ns": b"123",
        "stream": b"statistics",
        "stream-position": b"45",
    }
    headers = read_raw_headers(record.headers)
    assert (headers.source, headers.received_at_ns, headers.stream, headers.position) == (
        Source.WS_MEDIA,
        123,
        Stream.STATISTICS,
        45,
    )
    rest = read_raw_headers(
        element_record(
            topic="t", fixture_id="f", element=b"x", source=Source.REST, stream=Stream.ACTIONS, received_at_ns=1
        ).headers
    )
    assert rest.position is None and rest.source is Source.REST
    odd = read_raw_headers([("source", b"carrier-pigeon"), ("stream-position", b"x"), ("stream", b"other")])
    assert (odd.source, odd.position, odd.stream, odd.received_at_ns) == (Source.UNKNOWN, None, None, None)
