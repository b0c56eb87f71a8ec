"""Accept header, token and loopback checks: pure, no I/O."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ddeflow.simulator.server.access import (
    DDE_MEDIA_TYPE,
    MISSING_ACCEPT_MESSAGE,
    WRONG_ACCEPT_MESSAGE,
    Refusal,
    bearer_token,
    check_accept,
    is_loopback,
    token_from_auth_message,
    tokens_match,
)


@pytest.mark.parametrize(
    "value",
    [
        DDE_MEDIA_TYPE,
        "application/vnd.imggaming.dde.api+json; version=1",
        "Application/VND.imggaming.dde.api+json;Version=1",
        f"text/html, {DDE_MEDIA_TYPE}",
    ],
)
def test_accept_values_that_pass(value: str) -> None:
    assert check_accept([value]) is None


def test_missing_accept_is_the_documented_400() -> None:
    assert check_accept([]) == Refusal(400, MISSING_ACCEPT_MESSAGE)
    assert MISSING_ACCEPT_MESSAGE == "Request is missing required HTTP header 'Accept'"


@pytest.mark.parametrize("value", ["*/*", "application/json", "application/vnd.imggaming.dde.api+json;version=2", ""])
def test_wrong_accept_is_400(value: str) -> None:
    assert check_accept([value]) == Refusal(400, WRONG_ACCEPT_MESSAGE)


def test_tokens_match() -> None:
    assert tokens_match("abc", "abc")
    assert not tokens_match("abd", "abc")
    assert not tokens_match(None, "abc")
    assert not tokens_match("", "abc")


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer   abc ", "abc"),
        ("Basic abc", None),
        ("Bearer", None),
        ("Bearer ", None),
        (None, None),
        ("abc", None),
    ],
)
def test_bearer_token(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


@pytest.mark.parametrize(
    ("message", "token"),
    [
        ('{"authToken": "abc"}', "abc"),
        (b'{"authToken":"abc","extra":1}', "abc"),
        ('{"authToken": ""}', None),
        ('{"authToken": 5}', None),
        ('{"token": "abc"}', None),
        ('["authToken"]', None),
        ("abc", None),
        (b"\xff\xfe", None),
    ],
)
def test_token_from_auth_message(message: str | bytes, token: str | None) -> None:
    assert token_from_auth_message(message) == token


@given(st.text(min_size=1))
def test_any_token_survives_the_auth_message(token: str) -> None:
    assert token_from_auth_message(json.dumps({"authToken": token})) == token


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.9.8.7", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("10.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("192.168.1.1", False),
        ("", False),
        (None, False),
        ("localhost", False),
    ],
)
def test_is_loopback(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback
