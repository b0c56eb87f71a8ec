"""What the feed's refusals and drops mean, and whether to retry: pure translation, no I/O."""

from __future__ import annotations

import json

import pytest

from ddeflow.errors import (
    BrokerError,
    ConfigError,
    FeedAuthError,
    FeedError,
    FeedNotFoundError,
    FeedRequestError,
    FeedUnavailableError,
    PacketError,
)
from ddeflow.producers.failures import (
    OnFailure,
    close_error,
    error_frame,
    on_failure,
    retry_after_s,
    server_message,
    status_error,
)

SIM_401 = b'{"status":401,"error":"Unauthorized","message":"The supplied authentication is invalid"}'


@pytest.mark.parametrize(
    ("status", "kind", "decision"),
    [
        (400, FeedRequestError, OnFailure.STOP),
        (401, FeedAuthError, OnFailure.STOP),
        (403, FeedAuthError, OnFailure.STOP),
        (404, FeedNotFoundError, OnFailure.STOP),
        (405, FeedRequestError, OnFailure.STOP),
        (409, FeedUnavailableError, OnFailure.RETRY),
        (429, FeedUnavailableError, OnFailure.RETRY),
        (500, FeedUnavailableError, OnFailure.RETRY),
        (503, FeedUnavailableError, OnFailure.RETRY),
    ],
)
def test_http_status_to_error_and_verdict(status: int, kind: type[FeedError], decision: OnFailure) -> None:
    error = status_error(status, "said so", "GET /soccer/fixtures")
    assert type(error) is kind
    assert on_failure(error) is decision
    assert "GET /soccer/fixtures" in str(error) and "said so" in str(error) and str(status) in str(error)


def test_401_message_says_what_to_check() -> None:
    error = status_error(401, "The supplied authentication is invalid", "basketball fixture f1 actions")
    assert "refused the token" in str(error) and "DDE_AUTH_TOKEN" in str(error) and "not retrying" in str(error)


@pytest.mark.parametrize(
    ("code", "reason", "kind"),
    [
        (4001, "The supplied authentication is invalid", FeedAuthError),
        (4400, "bad", FeedRequestError),
        (4404, "gone", FeedNotFoundError),
        (4503, "busy", FeedUnavailableError),
        (4401, "refused", FeedAuthError),
        (4004, "gone", FeedNotFoundError),
        (1000, "", FeedUnavailableError),
        (1001, "going away", FeedUnavailableError),
        (1006, "", FeedUnavailableError),
        (None, "", FeedUnavailableError),
        (1011, "internal", FeedUnavailableError),
    ],
)
def test_close_codes(code: int | None, reason: str, kind: type[FeedError]) -> None:
    assert type(close_error(code, reason, "s")) is kind


def test_error_frame_is_recognised_and_other_frames_are_not() -> None:
    refused = error_frame(SIM_401, "stream")
    assert isinstance(refused, FeedAuthError)
    assert "The supplied authentication is invalid" in str(refused)
    assert isinstance(error_frame(b'{"status": 503, "error": "Service Unavailable"}', "s"), FeedUnavailableError)
    for frame in (
        b'{"heartbeat":true,"timestamp":"2026-05-06T19:05:08.376Z"}',
        b'{"status": "ok", "message": "fine"}',
        b'{"status": 200, "message": "fine"}',
        b'{"status": 401}',
        b'{"seqNum": 1, "fixtureId": "f", "status": 401, "message": "x"}',
        b'{"status": 401, "message": "x", "fixtureAction": {}}',
        b'{"status":401,"message":',
        b"\xff\xfe",
        b"[401]",
    ):
        assert error_frame(frame, "s") is None, frame


def test_server_message_is_short_printable_and_prefers_message() -> None:
    assert server_message(SIM_401) == "The supplied authentication is invalid"
    assert server_message(b'{"error": "Bad Request"}') == "Bad Request"
    assert server_message(b"plain\x00text\n") == "plain text"
    long = server_message(json.dumps({"message": "x" * 1000}).encode())
    assert len(long) <= 203 and long.endswith("...")


@pytest.mark.parametrize(
    "error",
    [
        FeedAuthError("a"),
        FeedRequestError("b"),
        FeedNotFoundError("c"),
        ConfigError("d"),
        ValueError("e"),
        PacketError("r", "d"),
    ],
)
def test_what_is_never_retried(error: BaseException) -> None:
    assert on_failure(error) is OnFailure.STOP


def test_retriable_errors_are_retried() -> None:
    assert on_failure(FeedUnavailableError("down")) is OnFailure.RETRY
    assert on_failure(BrokerError("later", retriable=True)) is OnFailure.RETRY
    assert on_failure(BrokerError("not an outage")) is OnFailure.STOP


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3.0), (" 1.5 ", 1.5), (None, 7.0), ("Wed, 21 Oct 2026 07:28:00 GMT", 7.0), ("-1", 7.0)],
)
def test_retry_after(value: str | None, expected: float) -> None:
    assert retry_after_s(value, default_s=7.0) == expected
