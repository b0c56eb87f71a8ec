"""The one translation of client errors: aiokafka's retriable flag is kept, the cause chain is searched."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from aiokafka import errors as kafka

from ddeflow.client_errors import kafka_error, registry_error, registry_status_error, translate
from ddeflow.errors import BrokerError, ConfigError, FencedError, KafkaAuthError, KafkaConfigError, RegistryError


def _wrapped(cause: BaseException) -> kafka.KafkaError:
    """What aiokafka's sender raises when its routine breaks: a generic error with the real one as cause."""
    try:
        try:
            raise cause
        except Exception as exc:
            raise kafka.KafkaError("Unexpected error during batch delivery") from exc
    except kafka.KafkaError as outer:
        return outer


@pytest.mark.parametrize(
    "exc",
    [
        kafka.KafkaConnectionError("connection lost"),
        kafka.NotLeaderForPartitionError(),
        kafka.RequestTimedOutError(),
        kafka.NotCoordinatorForGroupError(),
        kafka.NodeNotReadyError(),
        kafka.KafkaTimeoutError(),
        _wrapped(kafka.KafkaConnectionError("broker gone")),
        _wrapped(ConnectionResetError("reset by peer")),
    ],
)
def test_outages_are_retriable(exc: BaseException) -> None:
    error = kafka_error(exc, "committing")
    assert type(error) is BrokerError
    assert error.retriable
    assert str(error).startswith("committing: ")


def test_a_plain_client_error_is_not_retriable() -> None:
    error = kafka_error(kafka.IllegalStateError("bad state"), "sending")
    assert not error.retriable
    assert "IllegalStateError: bad state" in str(error)


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (kafka.ProducerFenced(), FencedError),
        (kafka.InvalidProducerEpoch(), FencedError),
        (_wrapped(kafka.ProducerFenced()), FencedError),
        (kafka.TopicAuthorizationFailedError(), KafkaAuthError),
        (kafka.TransactionalIdAuthorizationFailed(), KafkaAuthError),
        (kafka.SaslAuthenticationFailed(), KafkaAuthError),
        (kafka.RecordTooLargeError(), KafkaConfigError),
        (kafka.UnsupportedVersionError(), KafkaConfigError),
    ],
)
def test_what_waiting_cannot_cure(exc: BaseException, kind: type[BrokerError]) -> None:
    error = kafka_error(exc, "x")
    assert isinstance(error, kind)
    assert not error.retriable


def test_config_errors_are_config_errors_too() -> None:
    assert isinstance(kafka_error(kafka.KafkaConfigurationError("bad"), "x"), ConfigError)


def test_our_own_errors_pass_through_unchanged() -> None:
    ours = BrokerError("already ours", retriable=True)
    assert kafka_error(ours, "x") is ours


def test_registry_unreachable_is_retriable() -> None:
    error = registry_error(httpx.ConnectError("refused"), "http://127.0.0.1:1/apis/ccompat/v7")
    assert error.retriable
    assert error.status is None


@pytest.mark.parametrize(("status", "retriable"), [(500, True), (503, True), (429, True), (404, False), (409, False)])
def test_registry_answers(status: int, retriable: bool) -> None:
    assert registry_status_error("answered", status).retriable is retriable


def test_a_timeout_says_so_without_the_cancellation_behind_it() -> None:
    try:
        try:
            raise asyncio.CancelledError
        except asyncio.CancelledError as exc:
            raise TimeoutError from exc
    except TimeoutError as timeout:
        error = kafka_error(timeout, "the transaction of partition 1")
    assert error.retriable
    assert str(error) == "the transaction of partition 1: no answer in time (TimeoutError)"


def test_anything_but_a_client_failure_is_not_translated() -> None:
    with pytest.raises(ZeroDivisionError):
        translate(ZeroDivisionError("a bug of ours"), "x")
    assert isinstance(translate(httpx.ConnectError("refused"), "x"), RegistryError)
