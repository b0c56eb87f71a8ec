"""classify_frame: what is data, what is a heartbeat, and what is a broken packet."""

from __future__ import annotations

import pytest

from ddeflow.dde.actions import ActionPacket
from ddeflow.dde.heartbeat import Heartbeat
from ddeflow.dde.parse import classify_frame
from ddeflow.dde.statistics import StatisticsPacket
from ddeflow.errors import PacketError
from tests.dde.samples import sample_bytes

ACTION = sample_bytes("basketball-2026-201-turnover.json").rstrip()
STATS = sample_bytes("snooker-statistics.json")


def test_packets_are_recognised() -> None:
    assert isinstance(classify_frame(ACTION), ActionPacket)
    assert isinstance(classify_frame(STATS), StatisticsPacket)


@pytest.mark.parametrize(
    "frame",
    [
        b"",
        b"heartbeat",
        b"ping",
        b"\x00\xff\xfe binary",
        b'{"message": "Heartbeat sent at 2024-05-26T21:01:49Z", "level": "INFO"}',
        b'{"authToken": "ACCESS_TOKEN"}',
        b"{ The supplied authentication is invalid }",
        b"{}",
        b"[]",
        b"42",
        b'"fixtureId"',
        b'{"fixtureId": "f", "type": "heartbeat"}',
        b'{"seqNum": 3}',
    ],
)
def test_anything_without_the_packet_shape_is_a_heartbeat_with_its_raw_bytes(frame: bytes) -> None:
    assert classify_frame(frame) == Heartbeat(frame)


def test_a_packet_shaped_object_that_is_broken_raises() -> None:
    with pytest.raises(PacketError) as info:
        classify_frame(b'{"fixtureAction": {}, "fixtureSummary": {}, "version": 3}')
    assert (info.value.reason, info.value.field) == ("missing_field", "fixtureAction.actionId")
    with pytest.raises(PacketError) as info:
        classify_frame(b'{"seqNum": 1, "fixtureId": "f"}')
    assert (info.value.reason, info.value.field) == ("missing_field", "version")


@pytest.mark.parametrize("cut", [1, 2, 100, 1000, 2000])
def test_a_truncated_action_packet_raises_instead_of_passing_as_a_heartbeat(cut: int) -> None:
    with pytest.raises(PacketError) as info:
        classify_frame(ACTION[:-cut])
    assert info.value.reason == "malformed_json"
    assert info.value.raw == ACTION[:-cut]


def test_a_truncated_statistics_packet_raises() -> None:
    with pytest.raises(PacketError) as info:
        classify_frame(STATS[: len(STATS) // 2])
    assert info.value.reason == "malformed_json"


def test_a_packet_with_a_corrupted_byte_raises() -> None:
    corrupted = ACTION.replace(b"Turnover", b"Turn\xffover", 1)
    with pytest.raises(PacketError) as info:
        classify_frame(corrupted)
    assert info.value.reason == "malformed_json"


def test_packets_wrapped_in_an_array_raise() -> None:
    with pytest.raises(PacketError) as info:
        classify_frame(b"[" + ACTION + b"]")
    assert info.value.reason == "not_a_packet"


def test_too_large_applies_to_heartbeats_too() -> None:
    with pytest.raises(PacketError) as info:
        classify_frame(b"x" * 11, max_bytes=10)
    assert info.value.reason == "too_large"
    assert classify_frame(b"x" * 10, max_bytes=10) == Heartbeat(b"x" * 10)
