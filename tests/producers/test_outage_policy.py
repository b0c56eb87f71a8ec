"""The producers' outage policy: the buffer bound, the stall rule, what a fresh producer cures.  Pure."""

from __future__ import annotations

import pytest
from aiokafka import errors as kafka
from hypothesis import given
from hypothesis import strategies as st

from ddeflow.client_errors import kafka_error
from ddeflow.errors import BrokerUnavailableError, ConfigError, KafkaAuthError, KafkaConfigError
from ddeflow.producers.failures import OnFailure, on_failure
from ddeflow.producers.outage import (
    OutagePolicy,
    SendBuffer,
    cured_by_a_fresh_producer,
    is_stalled,
    record_size,
)


def test_the_buffer_admits_up_to_its_bound_and_one_oversized_record_alone() -> None:
    buffer = SendBuffer(100)
    assert buffer.admits(100)
    buffer.add(60)
    assert buffer.admits(40) and not buffer.admits(41)
    buffer.add(40)
    assert not buffer.admits(1)
    buffer.remove(60)
    buffer.remove(40)
    assert buffer.records == 0 and buffer.bytes == 0
    assert buffer.admits(10_000)  # alone, an oversized record still goes
    buffer.add(10_000)
    assert not buffer.admits(1)


@given(st.lists(st.integers(min_value=1, max_value=300), max_size=60))
def test_admitted_records_never_exceed_the_bound_except_one_alone(sizes: list[int]) -> None:
    buffer = SendBuffer(256)
    held: list[int] = []
    for size in sizes:
        if buffer.admits(size):
            buffer.add(size)
            held.append(size)
        else:
            buffer.remove(held.pop(0))  # an acknowledgement makes room
        assert buffer.bytes <= 256 or len(held) == 1
        assert buffer.bytes == sum(held) and buffer.records == len(held)


def test_record_size_counts_value_key_and_headers() -> None:
    assert record_size(b"abcd", b"k1", [("source", b"ws"), ("x", b"")]) == 4 + 2 + 6 + 2 + 1
    assert record_size(b"", None, []) == 0


@pytest.mark.parametrize(
    ("oldest", "now", "stalled"),
    [(None, 100.0, False), (90.0, 100.0, False), (85.0, 100.0, True), (84.0, 100.0, True)],
)
def test_a_record_unacknowledged_for_the_timeout_is_a_stall(oldest: float | None, now: float, stalled: bool) -> None:
    assert is_stalled(oldest, now, 15.0) is stalled


@pytest.mark.parametrize(
    "exc",
    [
        kafka.KafkaConnectionError("broker gone"),
        kafka.KafkaTimeoutError(),
        kafka.NotLeaderForPartitionError(),
        kafka.OutOfOrderSequenceNumber(),  # the broker lost this producer's state: a new producer id gets past it
        kafka.InvalidProducerEpoch(),
    ],
)
def test_a_fresh_producer_gets_past_outages_and_its_own_broken_state(exc: Exception) -> None:
    assert cured_by_a_fresh_producer(kafka_error(exc, "sending"))


@pytest.mark.parametrize(
    "exc",
    [kafka.TopicAuthorizationFailedError(), kafka.SaslAuthenticationFailed(), kafka.RecordTooLargeError()],
)
def test_refused_access_and_bad_configuration_are_final(exc: Exception) -> None:
    error = kafka_error(exc, "sending")
    assert not cured_by_a_fresh_producer(error)
    assert on_failure(error) is OnFailure.STOP


def test_an_outage_is_retried_by_the_streams() -> None:
    assert on_failure(BrokerUnavailableError("gone")) is OnFailure.RETRY
    assert on_failure(kafka_error(ConnectionRefusedError(111, "refused"), "reading back")) is OnFailure.RETRY
    assert (
        on_failure(KafkaAuthError("refused")) is OnFailure.STOP
        and on_failure(KafkaConfigError("bad")) is OnFailure.STOP
    )


def test_the_policy_refuses_nonsense() -> None:
    with pytest.raises(ConfigError):
        OutagePolicy(ack_timeout_s=0)
    with pytest.raises(ConfigError):
        OutagePolicy(max_buffered_bytes=0)
    with pytest.raises(ConfigError):
        SendBuffer(0)
