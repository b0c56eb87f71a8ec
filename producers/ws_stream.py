"""One fixture stream from the feed's websocket into its raw topic, resumed across drops and restarts.

Protocol (the feed's, see docs/dde-feed.md)::

    GET {DDE_STREAMS_URL}[/media]/{feedPath}/fixtures/{fixtureId}/{actions|statistics}?startPosition=N
        Accept: application/vnd.imggaming.dde.api+json;version=1      (without it: HTTP 400)
    client -> {"authToken": "<token>"}                                  first and only message
    server -> data frames and heartbeats (about every 10 s) ... the packet with finished: true

Lifecycle of ``StreamRunner.run``:

1. Recover: read the fixture's latest records back from the raw topic
   (``TopicScanner``); the next event position is one past the highest
   ``stream-position`` there, and their bytes seed duplicate detection.  If the
   last event there already said ``finished``, there is nothing to do.
2. Connect through the process's shared ``Gate`` (at most ~5 attempts/s for all
   streams together), with ``startPosition`` = events written so far.
3. For every frame: heartbeats are counted, never written; an error frame
   raises; a data frame (malformed ones too) is written with its position.
   Silence (no frame at all) longer than ``silence_timeout_s`` is a dead
   connection.
4. After a packet with ``finished``, keep reading until the feed closes (at most
   ``finish_grace_s``: a reordered tail may still be on its way), then stop.
5. A refused token (401) or a bad request (400, 404) stops at once: retrying
   cannot help.  So do refused Kafka credentials or ACLs and bad configuration.
   Anything else (drop, silence, 5xx, normal close before the end) reconnects
   after an exponential, jittered backoff; a connection that delivered data
   starts the backoff afresh.  A normal close with no frame at all means the
   feed has nothing after this position: the stream ends there.
6. A Kafka outage (``ddeflow.producers.raw_sink``) disconnects the stream; once the
   broker is back the stream starts again at step 1, since the records handed
   to the discarded producer may or may not be in the topic.  A stream counts
   as done (finished, or closed with nothing more) only once the broker has
   acknowledged its records.
7. Feed status (``dde.feed-status``): each connection attempt, frame, lost connection and the finished packet
   is told to the stream's ``StreamStatus``, which decides down / up / finished (``ddeflow.producers.feed_status``)
   and queues the record without waiting (``ddeflow.producers.status_writer``).

Why a crash neither skips nor repeats: positions are counted only for frames
handed to the producer, and what a crash leaves in the topic is a prefix, per
partition, of what was sent (idempotent producer, one batch in flight per
partition).  The restarted process counts exactly the events in that prefix
and asks the feed to resume right after them.  This relies on the broker having
appended the dead process's last in-flight request before the new process reads
the partition's end, which holds unless the new process starts within the
broker's request handling time (milliseconds) of the kill.  It also assumes one
producer per fixture stream at a time: two processes ingesting the same stream
at once would both count from the same topic end.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import ssl
import time
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlencode

from pydantic import SecretStr
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from ddeflow.backoff import BackoffPolicy, backoff_delays
from ddeflow.dde.parse import MAX_FRAME_BYTES
from ddeflow.dde.sports import Sport
from ddeflow.errors import BrokerError, ConfigError, FeedAuthError, FeedError, FeedUnavailableError
from ddeflow.producers.failures import OnFailure, close_error, on_failure, server_message, status_error
from ddeflow.producers.feed_status import DEFAULT_STALE_AFTER_S, DownReason
from ddeflow.producers.frames import FrameKind, inspect_frame
from ddeflow.producers.gate import Gate
from ddeflow.producers.history import StreamHistory
from ddeflow.producers.positions import DEFAULT_RECENT, StreamPositions
from ddeflow.producers.progress import IngestCounters
from ddeflow.producers.raw_records import Source, Stream, frame_record, raw_topic
from ddeflow.producers.raw_sink import RawSink
from ddeflow.producers.status_writer import FeedStatusWriter, StreamStatus
from ddeflow.producers.topic_scan import TopicScanner

log = logging.getLogger(__name__)
# websockets logs every frame at DEBUG, the auth message (the token) included: its logger stays at WARNING.
_ws_log = logging.getLogger("ddeflow.producers.websockets")
_ws_log.setLevel(logging.WARNING)

DDE_ACCEPT: Final = "application/vnd.imggaming.dde.api+json;version=1"


@dataclass(frozen=True, slots=True)
class StreamOptions:
    silence_timeout_s: float = 30.0
    stale_after_s: float = DEFAULT_STALE_AFTER_S
    """Silence (no frame, heartbeats included) after which ``dde.feed-status`` says the stream is down."""
    backoff: BackoffPolicy = field(default_factory=BackoffPolicy)
    open_timeout_s: float = 10.0
    close_timeout_s: float = 2.0
    finish_grace_s: float = 5.0
    """After ``finished``: how long to keep reading for a reordered tail before closing."""
    recent_frames: int = DEFAULT_RECENT
    """How many recent frames a re-delivery is recognised against."""
    recover_records: int = 64
    """Positioned records to read back from the topic at start (at least the re-delivery reach)."""
    speed: str | None = None
    """``fast`` or ``normal``: the feed's replay speed for offline matches; None sends nothing."""
    accept: str | None = DDE_ACCEPT
    """The Accept header; None sends none (a test seam: the feed must answer 400)."""
    max_frame_bytes: int = MAX_FRAME_BYTES
    tls: ssl.SSLContext | None = None
    """For wss: the context verifying the feed's certificate (``endpoints.feed_tls``); None: the system's CAs."""

    def __post_init__(self) -> None:
        if not (
            self.silence_timeout_s > 0
            and self.stale_after_s > 0
            and self.open_timeout_s > 0
            and self.finish_grace_s >= 0
        ):
            raise ConfigError("silence, staleness and open timeouts must be > 0 and the finish grace >= 0")


@dataclass(frozen=True, slots=True)
class StreamTarget:
    sport: Sport
    fixture_id: str
    stream: Stream
    media: bool = False

    @property
    def source(self) -> Source:
        return Source.WS_MEDIA if self.media else Source.WS

    def path(self) -> str:
        media = "/media" if self.media else ""
        return f"{media}/{self.sport.feed_path}/fixtures/{self.fixture_id}/{self.stream.value}"

    def describe(self) -> str:
        media = " (media)" if self.media else ""
        return f"{self.sport} fixture {self.fixture_id} {self.stream}{media}"


@dataclass(frozen=True, slots=True)
class StreamResult:
    target: StreamTarget
    resumed_at: int
    """Events already in the topic when the run started."""
    events: int
    """Events in the topic (as far as this run knows) when it ended."""
    frames_written: int
    reconnects: int
    finished: bool
    """The feed sent ``finished`` (now or in an earlier run)."""


@dataclass(slots=True)
class _Session:
    """What one connection delivered."""

    frames: int = 0
    data_frames: int = 0
    finished: bool = False
    error: FeedError | None = None
    clean_close: bool = False


class StreamRunner:
    def __init__(
        self,
        target: StreamTarget,
        *,
        streams_url: str,
        token: SecretStr,
        topic_prefix: str,
        sink: RawSink,
        scanner: TopicScanner,
        gate: Gate,
        options: StreamOptions | None = None,
        since_ms: int | None = None,
        rng: random.Random | None = None,
        status: FeedStatusWriter | None = None,
    ) -> None:
        self.target = target
        self._base_url = streams_url.rstrip("/")
        self._token = token
        self.topic = raw_topic(topic_prefix, target.sport, target.stream)
        self._sink = sink
        self._scanner = scanner
        self._gate = gate
        self.options = options or StreamOptions()
        self._since_ms = since_ms
        self._rng = rng or random.Random()
        self.positions = StreamPositions(self.options.recent_frames)
        self.recovered: StreamHistory | None = None
        self.seqs_written: set[int] = set()
        """``fixtureSeqNum`` of the valid action packets this run handed to the producer."""
        self.frames_written = 0
        self.reconnects = 0
        self.outages = 0
        """Times a Kafka outage disconnected this stream."""
        self._generation = sink.generation
        """The sink generation that ``positions`` is true for (see ``RawSink``)."""
        self._counters: IngestCounters = sink.counters
        self._what = target.describe()
        self.status = StreamStatus(
            status,
            fixture_id=target.fixture_id,
            sport=target.sport.value,
            stream=target.stream,
            media=target.media,
            stale_after_s=self.options.stale_after_s,
        )

    @property
    def generation(self) -> int:
        """The sink generation this stream's position and ``seqs_written`` hold for."""
        return self._generation

    def url(self) -> str:
        query: dict[str, str | int] = {"startPosition": self.positions.next_position}
        if self.options.speed:
            query["speed"] = self.options.speed
        return f"{self._base_url}{self.target.path()}?{urlencode(query)}"

    async def recover(self) -> StreamHistory:
        """Start over from what the topic holds: the next position, the recent frames, the seqs known."""
        self._generation = self._sink.generation
        self.positions = StreamPositions(self.options.recent_frames)
        self.seqs_written.clear()
        partitions = await self._sink.partitions(self.topic)
        history = await self._scanner.history(
            self.topic,
            partitions,
            self.target.fixture_id,
            self.target.stream,
            need=self.options.recover_records,
            since_ms=self._since_ms,
        )
        self.positions.restore(history.positioned())
        self.recovered = history
        return history

    async def run(self) -> StreamResult:
        self.status.start()
        try:
            return await self._run()
        finally:
            await self.status.stop()

    async def _run(self) -> StreamResult:
        history = await self._recover_when_ready()
        resumed_at = self.positions.next_position
        if history.finished():
            log.info("%s: already complete in %s (%d events)", self._what, self.topic, resumed_at)
            return self._result(resumed_at, finished=True)
        if resumed_at:
            log.info("%s: resuming at event %d from %s", self._what, resumed_at, self.topic)
        delays = backoff_delays(self.options.backoff, self._rng)
        while True:
            await self._gate.wait()
            try:
                session = await self._session()
                if session.finished or (session.clean_close and session.frames == 0):
                    await self._sink.flush(self._generation)  # done only once the broker has it all
            except BrokerError as kafka_failure:
                if on_failure(kafka_failure) is OnFailure.STOP:
                    raise
                self.status.lost(DownReason.KAFKA_OUTAGE, str(kafka_failure))
                history = await self._after_outage(kafka_failure)
                if history.finished():
                    return self._result(resumed_at, finished=True)
                continue
            if session.finished:
                return self._result(resumed_at, finished=True)
            error = session.error
            if error is not None and on_failure(error) is OnFailure.STOP:
                raise error  # no status: the process stops, or the feed has no such stream (404)
            self.status.lost(DownReason.CONNECTION_LOST, str(error) if error is not None else "closed by the feed")
            if session.clean_close and session.frames == 0:
                log.warning(
                    "%s: the feed closed at event %d with nothing to send and no finished packet seen; stopping",
                    self._what,
                    self.positions.next_position,
                )
                return self._result(resumed_at, finished=False)
            if session.data_frames:
                delays = backoff_delays(self.options.backoff, self._rng)
            delay_s = next(delays)
            self.reconnects += 1
            self._counters.reconnects += 1
            log.info(
                "%s: %s; reconnecting in %.2f s at event %d",
                self._what,
                error or "closed",
                delay_s,
                self.positions.next_position,
            )
            await asyncio.sleep(delay_s)

    async def _recover_when_ready(self) -> StreamHistory:
        """``recover`` once Kafka is healthy, retried with backoff while reading the topic back fails retriably."""
        delays = backoff_delays(self.options.backoff, self._rng)
        while True:
            await self._sink.wait_healthy()
            try:
                return await self.recover()
            except BrokerError as error:
                if on_failure(error) is OnFailure.STOP:
                    raise
                delay_s = next(delays)
                log.info("%s: cannot read %s back (%s); trying again in %.2f s", self._what, self.topic, error, delay_s)
                await asyncio.sleep(delay_s)

    async def _after_outage(self, error: BrokerError) -> StreamHistory:
        self.outages += 1
        log.info(
            "%s: disconnected at event %d by the Kafka outage (%s); resuming from the topic once Kafka is back",
            self._what,
            self.positions.next_position,
            error,
        )
        history = await self._recover_when_ready()
        log.info(
            "%s: resuming at event %d from %s after the outage", self._what, self.positions.next_position, self.topic
        )
        return history

    def _result(self, resumed_at: int, *, finished: bool) -> StreamResult:
        return StreamResult(
            self.target,
            resumed_at,
            self.positions.next_position,
            self.frames_written,
            self.reconnects,
            finished,
        )

    async def _session(self) -> _Session:
        session = _Session()
        self.status.connecting(self.positions.next_position)
        headers = {"Accept": self.options.accept} if self.options.accept is not None else {}
        try:
            async with connect(
                self.url(),
                additional_headers=headers,
                user_agent_header="ddeflow-ingest",
                compression=None,
                open_timeout=self.options.open_timeout_s,
                close_timeout=self.options.close_timeout_s,
                max_size=self.options.max_frame_bytes,
                logger=_ws_log,
                ssl=self.options.tls if self.url().startswith("wss:") else None,
            ) as ws:
                self._counters.connections += 1
                try:
                    await ws.send(json.dumps({"authToken": self._token.get_secret_value()}))
                    await self._receive(ws, session)
                finally:
                    self._counters.connections -= 1
        except InvalidStatus as exc:
            response = exc.response
            session.error = status_error(response.status_code, server_message(bytes(response.body)), self._what)
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd is not None else None
            session.clean_close = code in (1000, 1001)
            if not session.finished:
                session.error = close_error(code, exc.rcvd.reason if exc.rcvd is not None else "", self._what)
        except FeedError as exc:  # an error frame
            session.error = exc
        except InvalidURI as exc:
            raise ConfigError(f"DDE_STREAMS_URL is not a websocket URL: {exc}") from None
        except ssl.SSLCertVerificationError as exc:
            session.error = FeedAuthError(f"{self._what}: the feed's TLS certificate was refused: {exc.verify_message}")
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            session.error = FeedUnavailableError(f"{self._what}: cannot connect: {type(exc).__name__}: {exc}")
        return session

    async def _receive(self, ws: ClientConnection, session: _Session) -> None:
        options = self.options
        finish_by: float | None = None
        while True:
            timeout_s = options.silence_timeout_s
            if finish_by is not None:
                timeout_s = min(timeout_s, finish_by - time.monotonic())
                if timeout_s <= 0:
                    return
            try:
                async with asyncio.timeout(timeout_s):
                    data = await ws.recv(decode=False)
            except TimeoutError:
                if finish_by is not None:
                    return
                self._counters.silences += 1
                session.error = FeedUnavailableError(
                    f"{self._what}: no frame for {options.silence_timeout_s:g} s, the connection is dead"
                )
                ws.transport.abort()
                return
            received_at_ns = time.time_ns()
            self.status.alive(received_at_ns // 1_000_000)
            session.frames += 1
            info = inspect_frame(data, self._what)
            if info.kind is FrameKind.HEARTBEAT:
                self._counters.heartbeats += 1
                continue
            await self._write(data, received_at_ns, info.seq)
            self.status.written(self.positions.next_position, info.seq)
            session.data_frames += 1
            if info.finished and finish_by is None:
                session.finished = True
                self.status.finished()
                finish_by = time.monotonic() + options.finish_grace_s

    async def _write(self, frame: bytes, received_at_ns: int, seq: int | None) -> None:
        observation = self.positions.observe(frame)
        record = frame_record(
            topic=self.topic,
            fixture_id=self.target.fixture_id,
            frame=frame,
            source=self.target.source,
            stream=self.target.stream,
            received_at_ns=received_at_ns,
            position=observation.position,
        )
        await self._sink.publish(record, generation=self._generation, frame=True)
        self.frames_written += 1
        if observation.duplicate:
            self._counters.duplicates += 1
        if seq is not None and self.target.stream is Stream.ACTIONS:
            self.seqs_written.add(seq)
