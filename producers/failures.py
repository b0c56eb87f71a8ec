"""What a refusal or a dropped connection from the feed means, and whether trying again can help.  Pure.

The I/O shells pull plain values out of third-party exceptions (an HTTP status
and body, a websocket close code and reason, a frame's bytes) and hand them
here; what comes back is one of our ``FeedError`` classes, and ``verdict``
says whether to retry.  The rules:

==========================  =================================  ===========
feed answer                 error                              verdict
==========================  =================================  ===========
401, 403; close 4001/4401   ``FeedAuthError``                  stop
400 and other 4xx           ``FeedRequestError``               stop
404; close 4004/4404        ``FeedNotFoundError``              stop
408, 409, 425, 429, 5xx     ``FeedUnavailableError``           retry
close 1000/1001 and drops   ``FeedUnavailableError``           retry
==========================  =================================  ===========

An error frame is a JSON object with an integer ``status`` >= 400 and a
``message`` or ``error`` (the shape the feed uses for its 401 on a websocket,
``{"status":401,"error":"Unauthorized","message":"..."}``).  Messages quote at
most 200 printable characters of what the server said; the token is never part
of a request line or body we quote.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Final

from ddeflow.errors import (
    ConfigError,
    DdeflowError,
    FeedAuthError,
    FeedError,
    FeedNotFoundError,
    FeedRequestError,
    FeedUnavailableError,
)

_RETRIABLE_4XX: Final = frozenset({408, 409, 425, 429})
_TOKEN_HINT: Final = "check DDE_AUTH_TOKEN or DDE_AUTH_TOKEN_FILE; not retrying"
_QUOTE_LIMIT: Final = 200
# Servers that put the HTTP status in the close code write either 4401 or 4001 for a 401.
_SHORT_CLOSE_CODES: Final = {4000: 400, 4001: 401, 4003: 403, 4004: 404, 4029: 429}


class OnFailure(StrEnum):
    RETRY = "retry"
    STOP = "stop"


def on_failure(error: BaseException) -> OnFailure:
    """Retry only what our error tree marks retriable; a refused token or a wrong request never."""
    if isinstance(error, FeedAuthError | FeedRequestError | ConfigError):
        return OnFailure.STOP
    if isinstance(error, DdeflowError) and error.retriable:
        return OnFailure.RETRY
    return OnFailure.STOP


def _quote(text: str) -> str:
    printable = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    return printable if len(printable) <= _QUOTE_LIMIT else printable[:_QUOTE_LIMIT] + "..."


def server_message(body: bytes) -> str:
    """The ``message`` (else ``error``) of a JSON error body, else the body's text, quoted safely."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _quote(body.decode("utf-8", "replace"))
    if isinstance(data, dict):
        for key in ("message", "error"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return _quote(value)
    return _quote(body.decode("utf-8", "replace"))


def status_error(status: int, message: str, what: str) -> FeedError:
    """The error for an HTTP ``status`` answered to ``what`` (e.g. ``GET /basketball/fixtures``)."""
    said = f": {message}" if message else ""
    if status in (401, 403):
        return FeedAuthError(f"{what}: the feed refused the token ({status}{said}); {_TOKEN_HINT}")
    if status == 404:
        return FeedNotFoundError(f"{what}: not found (404{said})")
    if status in _RETRIABLE_4XX or status >= 500:
        return FeedUnavailableError(f"{what}: the feed answered {status}{said}")
    if 400 <= status < 500:
        return FeedRequestError(f"{what}: the feed rejected the request ({status}{said})")
    return FeedUnavailableError(f"{what}: unexpected answer {status}{said}")


def close_error(code: int | None, reason: str, what: str) -> FeedError:
    """The error for a websocket closed by the server (``code`` None: dropped without a close frame)."""
    status = _close_status(code)
    if status is not None:
        return status_error(status, _quote(reason), what)
    if code is None or code == 1006:
        return FeedUnavailableError(f"{what}: connection dropped")
    said = f" ({_quote(reason)})" if reason else ""
    return FeedUnavailableError(f"{what}: closed by the feed with code {code}{said}")


def _close_status(code: int | None) -> int | None:
    """The HTTP status an application close code stands for: 4xxx as 4000 + status, or 40xx as 4000 + last digits."""
    if code is None:
        return None
    if 4400 <= code <= 4599:
        return code - 4000
    return _SHORT_CLOSE_CODES.get(code)


def error_frame(data: bytes, what: str) -> FeedError | None:
    """The error a frame announces, or None when the frame is not an error frame."""
    if b'"status"' not in data:
        return None
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(obj, dict) or "fixtureAction" in obj or "seqNum" in obj:
        return None
    status = obj.get("status")
    if type(status) is not int or status < 400 or not ("message" in obj or "error" in obj):
        return None
    return status_error(status, server_message(data), what)


def retry_after_s(value: str | None, *, default_s: float) -> float:
    """Seconds from a ``Retry-After`` header (delta-seconds form); ``default_s`` when absent or unreadable."""
    if value is None:
        return default_s
    try:
        seconds = float(value.strip())
    except ValueError:
        return default_s
    return seconds if seconds >= 0 else default_s
