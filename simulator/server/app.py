"""The simulator's asyncio shell: one port serving the feed's websockets, its REST API and ``/_sim``.

Everything that decides is elsewhere (routes, access, ratelimit, faults,
timeline, rest, control); this module reads requests, asks those modules and
writes the answers.  A request with ``Upgrade: websocket`` is a stream;
anything else is answered over plain HTTP from ``process_request`` and the
connection is then closed (``Connection: close``).  Behaviour is documented in
``simulator/server/README.md``.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import logging
import math
import ssl
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from http import HTTPStatus
from types import TracebackType
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ddeflow.simulator.server.access import (
    INVALID_AUTH_MESSAGE,
    Refusal,
    bearer_token,
    check_accept,
    is_loopback,
    token_from_auth_message,
    tokens_match,
)
from ddeflow.simulator.server.catalog import (
    Catalog,
    FixtureEntry,
    FrameReader,
    StreamIndex,
    actions_array,
    build_index,
    load_catalog,
)
from ddeflow.simulator.server.config import SimulatorConfig
from ddeflow.simulator.server.control import answer_control
from ddeflow.simulator.server.faults import (
    ConnectionFaults,
    FaultBook,
    FaultKind,
    seeded_rng,
    should_fail_rest,
)
from ddeflow.simulator.server.frames import AUTH_CLOSE_CODE, NORMAL_CLOSE_CODE, auth_error_frame, heartbeat_frame
from ddeflow.simulator.server.ratelimit import RateLimiter
from ddeflow.simulator.server.rest import (
    JSON_CONTENT_TYPE,
    ActionsAnswer,
    FixtureClock,
    HttpAnswer,
    answer_rest,
    error_answer,
)
from ddeflow.simulator.server.routes import (
    ControlRoute,
    QueryError,
    Speed,
    StreamKind,
    StreamQuery,
    StreamRoute,
    UnknownRoute,
    parse_http_path,
    parse_stream_path,
    parse_stream_query,
    split_target,
)
from ddeflow.simulator.server.stats import SimStats
from ddeflow.simulator.server.timeline import Pacing, PacingMode, go_live_offsets

log = logging.getLogger(__name__)
# websockets logs request headers and frames at DEBUG, which would include the token:
# its logger is pinned to WARNING whatever the root level is.
_ws_log = logging.getLogger("ddeflow.simulator.server.websockets")
_ws_log.setLevel(logging.WARNING)

SERVER_HEADER = "ddeflow-dde-simulator"
_MAX_CLIENT_MESSAGE = 64 * 1024


def _http_response(answer: HttpAnswer, content_type: str = JSON_CONTENT_TYPE) -> Response:
    headers = Headers(
        [
            ("Date", email.utils.formatdate(usegmt=True)),
            ("Content-Type", content_type),
            ("Content-Length", str(len(answer.body))),
            ("Connection", "close"),
            *answer.headers,
        ]
    )
    return Response(answer.status, _phrase(answer.status), headers, answer.body)


def _phrase(status: int) -> str:
    return HTTPStatus(status).phrase


def _refusal(refusal: Refusal, path: str) -> HttpAnswer:
    return error_answer(refusal.status, refusal.message, path)


class _IndexCache:
    """Stream indexes, built once per stream in a worker thread and shared by every connection."""

    def __init__(self, max_entries: int = 1024) -> None:
        self._max_entries = max_entries
        self._items: OrderedDict[tuple[str, str, StreamKind], asyncio.Future[StreamIndex]] = OrderedDict()

    async def get(self, entry: FixtureEntry, kind: StreamKind) -> StreamIndex:
        key = (entry.sport.value, entry.fixture_id, kind)
        future = self._items.get(key)
        if future is None:
            future = asyncio.ensure_future(asyncio.to_thread(build_index, entry, kind))
            self._items[key] = future
            excess = len(self._items) - self._max_entries
            if excess > 0:
                # Oldest first; an index still being built is kept, its waiters need it.
                for old_key in [k for k, f in self._items.items() if f.done()][:excess]:
                    del self._items[old_key]
        else:
            self._items.move_to_end(key)
        try:
            return await asyncio.shield(future)
        except Exception:
            self._items.pop(key, None)
            raise


class Simulator:
    """A running local DDE.  Use ``run_simulator`` or ``async with Simulator(config)``."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.stats = SimStats()
        self.faults = FaultBook()
        self.catalog = Catalog([])
        self.go_live_s: dict[str, float] = {}
        self._limiter = RateLimiter(config.rate_limit_per_s, config.rate_limit_burst)
        self._rest_rng = seeded_rng(config.seed, "rest")
        self._reader = FrameReader()
        self._indexes = _IndexCache()
        self._ordinals: Counter[tuple[str, StreamKind]] = Counter()
        self._server: Server | None = None
        self._t0 = 0.0

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        config = self.config
        self.catalog = await asyncio.to_thread(load_catalog, config.data_dir)
        ids = [entry.fixture_id for entry in self.catalog.ordered]
        unknown = sorted(set(config.go_live_s) - set(ids))
        if unknown:
            log.warning("go-live times given for unknown fixtures: %s", ", ".join(unknown))
        self.go_live_s = go_live_offsets(ids, stagger_s=config.stagger_s, explicit=config.go_live_s)
        for fixture_id, changes in config.faults:
            if fixture_id is not None and self.catalog.by_id(fixture_id) is None:
                log.warning("faults given for unknown fixture %s", fixture_id)
            self.faults.update(fixture_id, changes)
        self._t0 = asyncio.get_running_loop().time()
        self._server = await serve(
            self._handle_stream,
            config.host,
            config.port,
            process_request=self._process_request,
            compression=None,
            max_size=_MAX_CLIENT_MESSAGE,
            server_header=SERVER_HEADER,
            logger=_ws_log,
            backlog=4096,
            ssl=self._tls(),
        )
        log.info(
            "DDE simulator serving %d fixtures on %s (websockets at %s)",
            len(self.catalog),
            self.url,
            self.ws_url,
        )

    def _tls(self) -> ssl.SSLContext | None:
        config = self.config
        if config.tls_certfile is None:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(config.tls_certfile), str(config.tls_keyfile) if config.tls_keyfile else None)
        return context

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()
        self._reader.close()

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def host(self) -> str:
        return str(self._bound()[0])

    @property
    def port(self) -> int:
        return int(self._bound()[1])

    @property
    def url(self) -> str:
        """Base URL of the REST API (and ``/_sim``)."""
        return f"{'https' if self.config.tls_certfile else 'http'}://{self._authority()}"

    @property
    def ws_url(self) -> str:
        """Base URL of the websocket streams."""
        return f"{'wss' if self.config.tls_certfile else 'ws'}://{self._authority()}"

    def _authority(self) -> str:
        host = self.host
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"

    def _bound(self) -> tuple[Any, ...]:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        address: tuple[Any, ...] = self._server.sockets[0].getsockname()
        return address

    def now_s(self) -> float:
        """Seconds since the simulator started: the clock go-live times are on."""
        return asyncio.get_running_loop().time() - self._t0

    def stats_json(self) -> dict[str, Any]:
        return self.stats.to_json(self.now_s())

    def _clock(self) -> FixtureClock:
        return FixtureClock(self.go_live_s, self.config.time_scale, self.now_s())

    # --- HTTP: handshake checks, REST and control ----------------------------------------

    async def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path, query = split_target(request.path)
        if request.headers.get("Upgrade", "").lower() == "websocket":
            answer = self._check_stream_request(path, query, request)
            if answer is None:
                return None
            self.stats.connections_rejected += 1
            return _http_response(answer)
        answer = await self._answer_http(connection, request, path, query)
        if not isinstance(parse_http_path(path), ControlRoute):
            self.stats.rest_answered(answer.status)
        return _http_response(answer)

    def _check_stream_request(self, path: str, query: dict[str, list[str]], request: Request) -> HttpAnswer | None:
        route = parse_stream_path(path)
        if isinstance(route, UnknownRoute):
            return error_answer(404, f"No stream at {path}", path)
        refusal = check_accept(request.headers.get_all("Accept"))
        if refusal is not None:
            return _refusal(refusal, path)
        try:
            parse_stream_query(query)
        except QueryError as exc:
            return error_answer(400, str(exc), path)
        entry = self.catalog.get(route.sport, route.fixture_id)
        if entry is None:
            return error_answer(404, f"Fixture {route.fixture_id} not found", path)
        if entry.stream(route.kind) is None:
            return error_answer(404, f"Fixture {route.fixture_id} has no {route.kind} stream", path)
        return None

    def _rate_key(self, connection: ServerConnection, request: Request) -> str:
        token = bearer_token(request.headers.get("Authorization"))
        if token is not None:
            return "token:" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:32]
        return f"addr:{connection.remote_address[0] if connection.remote_address else '?'}"

    async def _answer_http(
        self, connection: ServerConnection, request: Request, path: str, query: dict[str, list[str]]
    ) -> HttpAnswer:
        route = parse_http_path(path)
        if isinstance(route, ControlRoute):
            peer = connection.remote_address[0] if connection.remote_address else None
            if not is_loopback(peer):
                return error_answer(403, "The simulator's control endpoints answer loopback clients only", path)
            return answer_control(
                route,
                request.method,
                query,
                path=path,
                faults=self.faults,
                fixture_exists=lambda fixture_id: self.catalog.by_id(fixture_id) is not None,
                stats=self.stats_json,
            )
        decision = self._limiter.take(self._rate_key(connection, request), self.now_s())
        if not decision.allowed:
            return error_answer(
                429,
                "Too many requests: stay under about 5 requests per second",
                path,
                (("Retry-After", decision.retry_after_header),),
            )
        refusal = check_accept(request.headers.get_all("Accept"))
        if refusal is not None:
            return _refusal(refusal, path)
        if not tokens_match(bearer_token(request.headers.get("Authorization")), self.config.token):
            self.stats.auth_failures += 1
            return error_answer(401, INVALID_AUTH_MESSAGE, path, (("WWW-Authenticate", "Bearer"),))
        if isinstance(route, UnknownRoute):
            return error_answer(404, f"No resource at {path}", path)
        if request.method != "GET":
            return error_answer(405, f"{request.method} is not allowed on {path}", path, (("Allow", "GET"),))
        fixture_id = getattr(route, "fixture_id", None)
        if should_fail_rest(self.faults.effective(fixture_id), self._rest_rng):
            self.stats.faults_injected(fixture_id, {FaultKind.REST_ERROR: 1})
            return error_answer(503, "Service temporarily unavailable (injected fault)", path)
        answer = answer_rest(
            route,
            query,
            path=path,
            paged=request.headers.get("paged", "true").strip().lower() != "false",
            catalog=self.catalog,
            clock=self._clock(),
        )
        if isinstance(answer, ActionsAnswer):
            body = await asyncio.to_thread(actions_array, answer.entry)
            return HttpAnswer(200, body)
        return answer

    # --- websocket streams ---------------------------------------------------------------

    async def _handle_stream(self, ws: ServerConnection) -> None:
        self.stats.connection_opened()
        try:
            await self._stream(ws)
        except ConnectionClosed:
            pass
        finally:
            self.stats.connections_open -= 1

    async def _stream(self, ws: ServerConnection) -> None:
        assert ws.request is not None  # the handler runs after a successful handshake
        path, query = split_target(ws.request.path)
        route = parse_stream_path(path)
        entry = self.catalog.get(route.sport, route.fixture_id) if isinstance(route, StreamRoute) else None
        if not isinstance(route, StreamRoute) or entry is None:  # checked in _process_request already
            await ws.close(1011, "unknown stream")
            return
        if not await self._authenticate(ws):
            return
        self.stats.connections_authenticated += 1
        drain = asyncio.create_task(self._ignore_client_messages(ws))
        try:
            await self._send_events(ws, entry, route.kind, parse_stream_query(query))
        finally:
            drain.cancel()

    async def _authenticate(self, ws: ServerConnection) -> bool:
        try:
            async with asyncio.timeout(self.config.auth_timeout_s):
                message: str | bytes | None = await ws.recv()
        except TimeoutError:
            message = None
        if tokens_match(token_from_auth_message(message) if message is not None else None, self.config.token):
            return True
        self.stats.auth_failures += 1
        await ws.send(auth_error_frame(), text=True)
        await ws.close(AUTH_CLOSE_CODE, INVALID_AUTH_MESSAGE)
        return False

    @staticmethod
    async def _ignore_client_messages(ws: ServerConnection) -> None:
        # Reading keeps the receive queue from filling up (which would stall the connection).
        try:
            async for _ in ws:
                pass
        except ConnectionClosed:
            pass

    @staticmethod
    async def _pause(ws: ServerConnection, seconds: float) -> bool:
        """Wait ``seconds``; True if the connection closed meanwhile."""
        try:
            async with asyncio.timeout(max(0.0, seconds)):
                await ws.wait_closed()
        except TimeoutError:
            return False
        return True

    async def _send_events(
        self, ws: ServerConnection, entry: FixtureEntry, kind: StreamKind, stream_query: StreamQuery
    ) -> None:
        config = self.config
        index = await self._indexes.get(entry, kind)
        fixture_id = entry.fixture_id
        self._ordinals[fixture_id, kind] += 1
        faults_here = ConnectionFaults(seeded_rng(config.seed, fixture_id, kind, self._ordinals[fixture_id, kind]))
        count = index.count
        position = min(stream_query.start_position, count)
        now = self.now_s()
        pacing = Pacing.choose(
            now_s=now,
            go_live_s=self.go_live_s.get(fixture_id, 0.0),
            end_rel=index.end_rel_s,
            start_rel=index.rel_s[position] if position < count else index.end_rel_s,
            time_scale=config.time_scale,
            fast=stream_query.speed is Speed.FAST,
        )
        if position >= count and index.finished and pacing.mode is not PacingMode.LIVE:
            await ws.close(NORMAL_CLOSE_CODE)
            return
        last_frame_s = now
        while True:
            faults = self.faults.effective(fixture_id)
            silence_s = faults_here.silence_due_s(faults)
            if silence_s > 0:
                self.stats.faults_injected(fixture_id, {FaultKind.SILENCE: 1})
                if await self._pause(ws, silence_s):
                    return
                last_frame_s = self.now_s()
                continue
            now = self.now_s()
            due = pacing.due_count(index.rel_s, now)
            if position < due:
                stop = min(due, count, position + max(config.batch_max, faults.reorder_window))
                before_silence = faults_here.events_before_silence(faults)
                if before_silence:
                    stop = min(stop, position + before_silence)
                frames = self._reader.read(index, position, stop)
                plan = faults_here.plan(list(zip(range(position, stop), frames, strict=True)), faults)
                self.stats.faults_injected(fixture_id, plan.injected)
                for emit in plan.emits:
                    await ws.send(emit.data, text=True)
                    self.stats.frame_sent(fixture_id, kind)
                if plan.drop:
                    # No close frame: the client sees an abnormal closure (1006), as on a network drop.
                    ws.transport.close()
                    return
                position = stop
                if position >= count and index.finished:
                    await ws.close(NORMAL_CLOSE_CODE)
                    return
                last_frame_s = self.now_s()
                await asyncio.sleep(0)  # let other streams run between batches of a fast replay
                continue
            heartbeat_at = last_frame_s + config.heartbeat_s
            if now >= heartbeat_at:
                await ws.send(heartbeat_frame(datetime.now(UTC)), text=True)
                self.stats.heartbeats += 1
                last_frame_s = now
                continue
            next_due = pacing.due_s(index.rel_s[position]) if position < count else math.inf
            if await self._pause(ws, min(next_due, heartbeat_at) - now):
                return


@asynccontextmanager
async def run_simulator(config: SimulatorConfig) -> AsyncIterator[Simulator]:
    """Run a simulator for the duration of the block: ``async with run_simulator(cfg) as sim: sim.url``."""
    simulator = Simulator(config)
    await simulator.start()
    try:
        yield simulator
    finally:
        await simulator.stop()
