"""Who may ask for what: the Accept header, the token checks and the loopback rule.  Pure: no I/O.

Wire formats checked here:

- every feed request (websocket handshake and REST) must carry
  ``Accept: application/vnd.imggaming.dde.api+json;version=1``; the media type
  may be one entry of a comma-separated list and spaces around ``;`` are
  ignored.  Absent: HTTP 400 "Request is missing required HTTP header 'Accept'".
  Present but without that type: HTTP 400 naming the expected value.
- the websocket's first client message is the text ``{"authToken": "<token>"}``.
- REST requests carry ``Authorization: Bearer <token>``.

Tokens are compared in constant time and never put into messages.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from dataclasses import dataclass

DDE_MEDIA_TYPE = "application/vnd.imggaming.dde.api+json;version=1"
MISSING_ACCEPT_MESSAGE = "Request is missing required HTTP header 'Accept'"
WRONG_ACCEPT_MESSAGE = f"Unsupported 'Accept' header; expected {DDE_MEDIA_TYPE}"
INVALID_AUTH_MESSAGE = "The supplied authentication is invalid"


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request is refused, as the HTTP status and message to answer with."""

    status: int
    message: str


def _normalise_media_range(text: str) -> str:
    return ";".join(part.strip().lower() for part in text.split(";") if part.strip())


def check_accept(values: list[str]) -> Refusal | None:
    """None when one of the ``Accept`` header values names the DDE media type."""
    if not values:
        return Refusal(400, MISSING_ACCEPT_MESSAGE)
    for value in values:
        for media_range in value.split(","):
            if _normalise_media_range(media_range) == DDE_MEDIA_TYPE:
                return None
    return Refusal(400, WRONG_ACCEPT_MESSAGE)


def tokens_match(presented: str | None, expected: str) -> bool:
    """Constant-time comparison; a missing or empty token never matches."""
    if not presented:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    return token or None


def token_from_auth_message(message: str | bytes) -> str | None:
    """The token of a first websocket message ``{"authToken": "..."}``, or None if it is not one."""
    try:
        data = json.loads(message)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    token = data.get("authToken")
    return token if isinstance(token, str) and token else None


def is_loopback(host: str | None) -> bool:
    """Whether a peer address is a loopback address (127.0.0.0/8, ::1, or IPv4-mapped loopback)."""
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback
