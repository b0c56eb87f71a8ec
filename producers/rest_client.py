"""The feed's REST API as the producers use it (httpx shell): fixtures and a finished match's actions.

Requests (see docs/dde-feed.md)::

    GET {DDE_API_URL}/{feedPath}/fixtures?live=true&size=1000&page=N
    GET {DDE_API_URL}/{feedPath}/fixtures?status=Scheduled&dateTo=<ISO>&size=1000&page=N
    GET {DDE_API_URL}/{feedPath}/fixtures/{id}
    GET {DDE_API_URL}/{feedPath}/fixtures/{id}/actions
        Accept: application/vnd.imggaming.dde.api+json;version=1
        Content-Type: application/json
        Authorization: Bearer <token>

A fixtures answer is a page (``{"content": [...], "last": bool, ...}``) or a bare
array; pages are followed until ``last``.  Every request of the process passes
one ``Gate`` (default: at most 4 per second, under the feed's ~5).  A 429 defers
every later request by its ``Retry-After``; 5xx, 409 (actions not ready yet)
and transport errors are retried with backoff; 400/401/403/404 are not (see
``failures``).  The token only ever travels in the Authorization header.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import ssl
from datetime import datetime
from types import TracebackType
from typing import Any, Final

import httpx
from pydantic import SecretStr

from ddeflow.backoff import BackoffPolicy, backoff_delays
from ddeflow.dde.fixtures import Fixture
from ddeflow.dde.parse import parse_fixture, parse_fixture_json
from ddeflow.dde.sports import Sport
from ddeflow.errors import FeedAuthError, FeedError, FeedNotFoundError, FeedUnavailableError, PacketError
from ddeflow.producers.failures import OnFailure, on_failure, retry_after_s, server_message, status_error
from ddeflow.producers.gate import Gate
from ddeflow.producers.ws_stream import DDE_ACCEPT

log = logging.getLogger(__name__)

PAGE_SIZE: Final = 1000
_MAX_PAGES: Final = 1000


class FeedRest:
    def __init__(
        self,
        api_url: str,
        token: SecretStr,
        gate: Gate,
        *,
        backoff: BackoffPolicy | None = None,
        max_attempts: int = 6,
        max_rate_limited: int = 30,
        timeout_s: float = 30.0,
        page_size: int = PAGE_SIZE,
        rng: random.Random | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self._api_url = api_url.rstrip("/")
        self._verify = verify
        self._token = token
        self._gate = gate
        self._backoff = backoff or BackoffPolicy()
        self._max_attempts = max_attempts
        self._max_rate_limited = max_rate_limited
        self._timeout_s = timeout_s
        self._page_size = page_size
        self._rng = rng or random.Random()
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self.requests = 0
        self.rate_limited = 0

    async def __aenter__(self) -> FeedRest:
        self._client = httpx.AsyncClient(
            base_url=self._api_url,
            headers={"Accept": DDE_ACCEPT, "Content-Type": "application/json", "User-Agent": "ddeflow-ingest"},
            timeout=self._timeout_s,
            transport=self._transport,
            verify=self._verify,
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def get(self, path: str, params: dict[str, str] | None = None) -> bytes:
        """The body of a 200 answer to ``GET path``; retries what can be retried, raises ``FeedError``."""
        client = self._client
        if client is None:
            raise RuntimeError("FeedRest is used outside its async with block")
        what = f"GET {path}"
        delays = backoff_delays(self._backoff, self._rng)
        failures = 0
        limited = 0
        while True:
            await self._gate.wait()
            self.requests += 1
            error: FeedError
            try:
                response = await client.get(
                    path, params=params, headers={"Authorization": f"Bearer {self._token.get_secret_value()}"}
                )
            except httpx.TransportError as exc:
                refused = _refused_certificate(exc)
                if refused is not None:
                    raise FeedAuthError(f"{what}: the feed's TLS certificate was refused: {refused}") from None
                error = FeedUnavailableError(f"{what}: {type(exc).__name__}: {exc}")
            else:
                if response.status_code == 200:
                    return response.content
                if response.status_code == 429 and limited < self._max_rate_limited:
                    limited += 1
                    self.rate_limited += 1
                    wait_s = retry_after_s(response.headers.get("Retry-After"), default_s=1.0)
                    log.info("%s: rate limited; waiting %.1f s as asked", what, wait_s)
                    self._gate.defer(wait_s)
                    continue
                error = status_error(response.status_code, server_message(response.content), what)
            failures += 1
            if on_failure(error) is OnFailure.STOP or failures >= self._max_attempts:
                raise error
            delay_s = next(delays)
            log.info("%s: %s; retrying in %.1f s", what, error, delay_s)
            await asyncio.sleep(delay_s)

    async def fixtures(self, sport: Sport, filters: dict[str, str]) -> list[Fixture]:
        """Every fixture matching ``filters``, following pages; unreadable fixtures are logged and skipped."""
        found: list[Fixture] = []
        for page in range(_MAX_PAGES):
            params = {**filters, "size": str(self._page_size), "page": str(page)}
            body = await self.get(f"/{sport.feed_path}/fixtures", params)
            items, last = _page_items(body, f"/{sport.feed_path}/fixtures")
            for item in items:
                try:
                    found.append(parse_fixture(item))
                except PacketError as exc:
                    log.warning("%s fixtures: skipping an unreadable fixture: %s", sport, exc)
            if last or not items:
                break
        return found

    async def live_fixtures(self, sport: Sport) -> list[Fixture]:
        return await self.fixtures(sport, {"live": "true"})

    async def scheduled_fixtures(self, sport: Sport, until: datetime) -> list[Fixture]:
        return await self.fixtures(sport, {"status": "Scheduled", "dateTo": until.strftime("%Y-%m-%dT%H:%M:%S")})

    async def fixture(self, sport: Sport, fixture_id: str) -> Fixture | None:
        try:
            body = await self.get(f"/{sport.feed_path}/fixtures/{fixture_id}")
        except FeedNotFoundError:
            return None
        try:
            return parse_fixture_json(body)
        except PacketError as exc:
            log.warning("%s fixture %s: unreadable answer: %s", sport, fixture_id, exc)
            return None

    async def actions(self, sport: Sport, fixture_id: str) -> bytes:
        """The raw body of ``/fixtures/{id}/actions``: a JSON array of action packets."""
        return await self.get(f"/{sport.feed_path}/fixtures/{fixture_id}/actions")


def _page_items(body: bytes, what: str) -> tuple[list[Any], bool]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise FeedUnavailableError(f"GET {what}: the answer is not JSON") from None
    if isinstance(data, list):
        return data, True
    if isinstance(data, dict) and isinstance(data.get("content"), list):
        return data["content"], data.get("last") is not False
    raise FeedUnavailableError(f"GET {what}: expected a page of fixtures or an array")


def _refused_certificate(exc: BaseException) -> str | None:
    """The verification message of a refused server certificate somewhere behind ``exc``."""
    current: BaseException | None = exc
    seen = 0
    while current is not None and seen < 10:
        if isinstance(current, ssl.SSLCertVerificationError):
            return str(current.verify_message)
        current, seen = current.__cause__ or current.__context__, seen + 1
    return None
