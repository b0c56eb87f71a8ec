"""``ingest live``: every live fixture of the chosen sports, each its own stream task, in one asyncio process.

A poller asks the REST API every ``poll_interval_s`` (per sport: the live
fixtures and the scheduled ones up to ``horizon_s`` ahead) and the
``FixtureBoard`` (pure) decides which fixtures to stream.  Each fixture gets
one task running a ``StreamRunner`` per stream; when its actions stream ends,
the task fetches ``/actions`` and publishes whatever the raw topic lacks
(``reconcile_fixture``), then the fixture is done.  All websocket connections
pass one ``Gate`` and all REST requests another.

Restarts lose nothing: alongside the first poll, the raw topics' records of the
last ``heal_lookback_s`` (``--heal-lookback-h``, default 6 h, by record
timestamp) are read once, forwards from ``offsets_for_times`` (so the cost is
that window, not the topic), to find fixtures whose streams hold records but no
``finished`` packet (``ddeflow.producers.open_streams``).  Each is checked with one
``GET /fixtures/{id}``; one that is over (it finished, or was called off, while
no ``ingest live`` ran) is run like any fixture: its streams resume from the
topic (with ``speed=fast``, the feed's replay of an ended match) and its
actions are reconciled from ``/actions``.  The look-back has to cover the time
``ingest live`` was down; a fixture whose last record is older is not found.

Fatal, for the whole process: a refused token, a request the feed calls wrong
(400), and a Kafka failure that cannot heal (refused credentials or ACLs, bad
configuration).  For one fixture only: its stream not found (404), the feed
failing past the retries.  A Kafka outage is waited out: the streams
disconnect and resume from the topics (``ws_stream``), and a reconciliation
caught by one starts over, reading the topic back instead of trusting what it
sent.  Ends on ``stop`` (SIGINT/SIGTERM) or, with ``until_finished``, once
the board is settled; the producer is flushed either way.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr

from ddeflow.backoff import backoff_delays
from ddeflow.dde.enums import FixtureStatus
from ddeflow.dde.fixtures import Fixture
from ddeflow.dde.sports import Sport
from ddeflow.errors import (
    BrokerError,
    BrokerUnavailableError,
    ConfigError,
    DdeflowError,
    FeedAuthError,
    FeedError,
    FeedNotFoundError,
    FeedRequestError,
)
from ddeflow.process_memory import peak_rss_mb
from ddeflow.producers.batch_ingest import reconcile_fixture
from ddeflow.producers.failures import OnFailure, on_failure
from ddeflow.producers.gate import Gate
from ddeflow.producers.open_streams import HealVerdict, OpenStreams
from ddeflow.producers.progress import Snapshot, progress_line
from ddeflow.producers.raw_records import Stream, raw_topic
from ddeflow.producers.raw_sink import RawSink
from ddeflow.producers.rest_client import FeedRest
from ddeflow.producers.schedule import FixtureBoard, FixtureKey, Phase, PollAnswer
from ddeflow.producers.status_writer import FeedStatusWriter
from ddeflow.producers.topic_scan import TopicScanner
from ddeflow.producers.ws_stream import StreamOptions, StreamResult, StreamRunner, StreamTarget

log = logging.getLogger(__name__)

DEFAULT_HEAL_LOOKBACK_S = 6 * 3600.0


@dataclass(frozen=True, slots=True)
class LiveOptions:
    sports: tuple[Sport, ...]
    streams: frozenset[Stream] = frozenset({Stream.ACTIONS})
    media: bool = False
    poll_interval_s: float = 30.0
    horizon_s: float = 3600.0
    """Scheduled fixtures starting within this are tracked (and hold ``until_finished``)."""
    lead_s: float = 120.0
    """A scheduled fixture's stream opens this long before its start time."""
    progress_interval_s: float = 10.0
    until_finished: bool = False
    reconcile: bool = True
    heal_lookback_s: float = DEFAULT_HEAL_LOOKBACK_S
    """At start, fixtures with records this recent and an unfinished stream are checked; 0 checks none."""
    stream: StreamOptions = field(default_factory=StreamOptions)


@dataclass(frozen=True, slots=True)
class LiveSummary:
    elapsed_s: float
    fixtures_done: int
    fixtures_failed: int
    frames: int
    heartbeats: int
    duplicates: int
    reconnects: int
    silences: int
    gaps_healed: int
    dead_letters: int
    packets_per_s: float
    delay_p50_ms: float
    delay_p99_ms: float
    delay_max_ms: float
    peak_streams: int
    peak_rss_mb: float
    ws_connects: int
    rest_requests: int
    rest_rate_limited: int
    kafka_outages: int
    records_read_back: int
    """Raw records read back from Kafka: the start-up scan, stream starts and resumes, reconciliations."""

    def line(self) -> str:
        return (
            f"{self.fixtures_done} fixtures done, {self.fixtures_failed} failed in {self.elapsed_s:.1f} s; "
            f"{self.frames} frames ({self.packets_per_s:.1f}/s), {self.duplicates} re-deliveries, "
            f"{self.heartbeats} heartbeats; {self.reconnects} reconnects ({self.silences} silences); "
            f"{self.gaps_healed} gaps healed; {self.dead_letters} dead letters; "
            f"receipt-to-ack p50 {self.delay_p50_ms:.1f} ms, p99 {self.delay_p99_ms:.1f} ms; "
            f"peak {self.peak_streams} streams, {self.peak_rss_mb:.0f} MB RSS; "
            f"{self.ws_connects} connects, {self.rest_requests} REST requests ({self.rest_rate_limited} rate limited); "
            f"{self.kafka_outages} Kafka outages; {self.records_read_back} records read back"
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class LiveIngest:
    def __init__(
        self,
        *,
        streams_url: str,
        token: SecretStr,
        topic_prefix: str,
        sink: RawSink,
        scanner: TopicScanner,
        rest: FeedRest,
        ws_gate: Gate,
        options: LiveOptions,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] = _utc_now,
        status: FeedStatusWriter | None = None,
    ) -> None:
        self._streams_url = streams_url
        self._token = token
        self._prefix = topic_prefix
        self._sink = sink
        self._scanner = scanner
        self._rest = rest
        self._ws_gate = ws_gate
        self.options = options
        self._rng = rng or random.Random()
        self._clock = clock
        self._status = status
        self.board = FixtureBoard(options.sports, lead_s=options.lead_s, recovering=options.heal_lookback_s > 0)
        self._start_dates: dict[FixtureKey, datetime | None] = {}
        self._over: set[FixtureKey] = set()
        """Recovered fixtures that are over: their streams are asked for the feed's fast replay."""
        self._tasks: dict[FixtureKey, asyncio.Task[None]] = {}
        self._helpers: set[asyncio.Task[None]] = set()
        self.results: dict[FixtureKey, list[StreamResult]] = {}
        self._settled = asyncio.Event()
        self._fatal = asyncio.Event()
        self._fatal_error: BaseException | None = None
        self.streaming = 0
        self.peak_streaming = 0
        self.reconciling = 0

    # --- the run ----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> LiveSummary:
        started = time.monotonic()
        poller = asyncio.create_task(self._poll_loop(), name="ingest-live-poller")
        if self.options.heal_lookback_s > 0:
            self._spawn(self._heal(), "ingest-live-heal")
        reporter = asyncio.create_task(self._progress_loop(started), name="ingest-live-progress")
        waits = [
            asyncio.create_task(stop.wait()),
            asyncio.create_task(self._settled.wait()),
            asyncio.create_task(self._fatal.wait()),
            asyncio.create_task(self._sink.failed.wait()),
        ]
        try:
            await asyncio.wait([poller, *waits], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (poller, reporter, *waits, *self._helpers, *self._tasks.values()):
                task.cancel()
            await asyncio.gather(
                poller, reporter, *waits, *self._helpers, *self._tasks.values(), return_exceptions=True
            )
        if poller.done() and not poller.cancelled() and poller.exception() is not None:
            raise poller.exception()  # type: ignore[misc]
        if self._fatal_error is not None:
            raise self._fatal_error
        if self._sink.failure is not None:
            raise self._sink.failure
        try:
            await self._sink.flush()
        except BrokerUnavailableError:
            # Every finished stream and reconciliation had its own records acknowledged before it ended.
            log.warning("ingest live: ending during a Kafka outage; the next run resumes from what the topics hold")
        summary = self.summary(time.monotonic() - started)
        log.info("ingest live: %s", summary.line())
        return summary

    def summary(self, elapsed_s: float) -> LiveSummary:
        counters = self._sink.counters
        counts = self.board.counts()
        delays = self._sink.delays
        return LiveSummary(
            elapsed_s=elapsed_s,
            fixtures_done=counts[Phase.DONE],
            fixtures_failed=counts[Phase.FAILED],
            frames=counters.frames,
            heartbeats=counters.heartbeats,
            duplicates=counters.duplicates,
            reconnects=counters.reconnects,
            silences=counters.silences,
            gaps_healed=counters.gaps_healed,
            dead_letters=counters.dead_letters,
            packets_per_s=counters.frames / elapsed_s if elapsed_s > 0 else 0.0,
            delay_p50_ms=delays.quantile_ns(0.5) / 1e6,
            delay_p99_ms=delays.quantile_ns(0.99) / 1e6,
            delay_max_ms=delays.max_ns / 1e6,
            peak_streams=self.peak_streaming,
            peak_rss_mb=peak_rss_mb(),
            ws_connects=self._ws_gate.attempts,
            rest_requests=self._rest.requests,
            rest_rate_limited=self._rest.rate_limited,
            kafka_outages=self._sink.outage.total,
            records_read_back=self._scanner.records_read,
        )

    def _fail(self, error: BaseException) -> None:
        if self._fatal_error is None:
            self._fatal_error = error
        self._fatal.set()

    def _check_settled(self) -> None:
        if self.options.until_finished and self.board.settled and not self._tasks:
            self._settled.set()

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        self._helpers.add(task)
        task.add_done_callback(self._helpers.discard)

    # --- discovery ----------------------------------------------------------------------------

    async def _poll_loop(self) -> None:
        while True:
            for sport in self.options.sports:
                await self._poll(sport)
            self._check_settled()
            await asyncio.sleep(self.options.poll_interval_s)

    async def _poll(self, sport: Sport) -> None:
        now = self._clock()
        try:
            live = await self._rest.live_fixtures(sport)
            scheduled = await self._rest.scheduled_fixtures(sport, now + timedelta(seconds=self.options.horizon_s))
        except (FeedAuthError, ConfigError) as exc:
            self._fail(exc)
            return
        except FeedNotFoundError as exc:
            log.warning("%s: fixtures not found: %s", sport, exc)
            return
        except FeedRequestError as exc:
            self._fail(exc)
            return
        except FeedError as exc:
            log.warning("%s: polling fixtures failed, trying again next time: %s", sport, exc)
            return
        for fixture in (*live, *scheduled):
            self._start_dates[FixtureKey(sport, fixture.id)] = fixture.start_date_utc
        decisions = self.board.observe(PollAnswer(sport, live, scheduled), now)
        for key in decisions.start:
            self._start(key)
        for key in decisions.check:
            self._spawn(self._check(key), f"check-{key.fixture_id}")

    async def _check(self, key: FixtureKey) -> None:
        fixture = await self._fetch_fixture(key)
        if self._fatal.is_set():
            return
        if self.board.resolve_check(key, fixture):
            self._start(key)
        self._check_settled()

    async def _fetch_fixture(self, key: FixtureKey) -> Fixture | None:
        """``GET /fixtures/{id}``: None when not found; a refused token ends the process."""
        try:
            return await self._rest.fixture(key.sport, key.fixture_id)
        except FeedAuthError as exc:
            self._fail(exc)
            return None
        except FeedError as exc:
            # Unknown: treated as played, so a replay is attempted rather than the match missed.
            log.warning("%s fixture %s: cannot check its status: %s", key.sport, key.fixture_id, exc)
            return Fixture(id=key.fixture_id, status=FixtureStatus.UNKNOWN)

    # --- fixtures left open by an earlier run ----------------------------------------------------

    async def _heal(self) -> None:
        lookback_s = self.options.heal_lookback_s
        since_ms = int((self._clock().timestamp() - lookback_s) * 1000)
        delays = backoff_delays(self.options.stream.backoff, self._rng)
        while True:
            await self._sink.wait_healthy()
            try:
                found = await self._open_fixtures(since_ms)
                break
            except BrokerError as error:
                if on_failure(error) is OnFailure.STOP:
                    self._fail(error)
                    return
                delay_s = next(delays)
                log.info("ingest live: cannot read the raw topics back (%s); trying again in %.2f s", error, delay_s)
                await asyncio.sleep(delay_s)
            except Exception as exc:  # a bug: stop rather than wait forever for a recovery that never reports
                log.exception("ingest live: unexpected error while looking for unfinished fixtures")
                self._fail(exc)
                return
        keys = self.board.recover(found)
        log.info(
            "ingest live: %d fixtures with records in the last %.1f h have an unfinished stream; %d to check",
            len(found),
            lookback_s / 3600,
            len(keys),
        )
        for key in keys:
            self._spawn(self._heal_check(key), f"heal-{key.fixture_id}")
        self._check_settled()

    async def _open_fixtures(self, since_ms: int) -> list[FixtureKey]:
        topics = {
            raw_topic(self._prefix, sport, stream): (sport, stream)
            for sport in self.options.sports
            for stream in sorted(self.options.streams)
        }
        open_streams = {sport: OpenStreams() for sport in self.options.sports}

        def visit(topic: str, key: bytes, value: bytes) -> None:
            sport, stream = topics[topic]
            open_streams[sport].add(stream, key, value)

        partitions = {topic: await self._sink.partitions(topic) for topic in topics}
        await self._scanner.scan_recent(partitions, since_ms, visit)
        return [
            FixtureKey(sport, fixture_id)
            for sport, found in open_streams.items()
            for fixture_id in found.open_fixtures()
        ]

    async def _heal_check(self, key: FixtureKey) -> None:
        fixture = await self._fetch_fixture(key)
        if self._fatal.is_set():
            return
        heal = self.board.resolve_heal(key, fixture)
        if heal is not None:
            if fixture is not None:
                self._start_dates[key] = fixture.start_date_utc
            if heal is HealVerdict.STREAM_OVER:
                self._over.add(key)
            log.info(
                "%s fixture %s: an earlier run left its stream unfinished; it is %s now, %s",
                key.sport,
                key.fixture_id,
                fixture.status if fixture is not None else "unknown",
                "resuming it to its end" if heal is HealVerdict.STREAM_OVER else "streaming it",
            )
            self._start(key)
        self._check_settled()

    # --- one fixture -----------------------------------------------------------------------------

    def _start(self, key: FixtureKey) -> None:
        if key in self._tasks:
            return
        task = asyncio.create_task(self._fixture(key), name=f"fixture-{key.fixture_id}")
        self._tasks[key] = task

        def finished(_: asyncio.Task[None]) -> None:
            self._tasks.pop(key, None)
            self._check_settled()

        task.add_done_callback(finished)

    def _since_ms(self, key: FixtureKey) -> int | None:
        start = self._start_dates.get(key)
        if start is None:
            return None
        since = start - timedelta(hours=1)
        if since < self._clock() - timedelta(seconds=self._scanner.lookback_s):
            return None
        return int(since.timestamp() * 1000)

    async def _fixture(self, key: FixtureKey) -> None:
        since_ms = self._since_ms(key)
        stream_options = self.options.stream
        if key in self._over and stream_options.speed is None:
            stream_options = replace(stream_options, speed="fast")
        runners = [
            StreamRunner(
                StreamTarget(key.sport, key.fixture_id, stream, self.options.media),
                streams_url=self._streams_url,
                token=self._token,
                topic_prefix=self._prefix,
                sink=self._sink,
                scanner=self._scanner,
                gate=self._ws_gate,
                options=stream_options,
                since_ms=since_ms,
                rng=random.Random(self._rng.random()),
                status=self._status,
            )
            for stream in sorted(self.options.streams)
        ]
        ok = interrupted = False
        try:
            self.results[key] = await self._streams(runners)
            actions = next((runner for runner in runners if runner.target.stream is Stream.ACTIONS), None)
            if self.options.reconcile and actions is not None:
                await self._reconcile(key, actions, since_ms)
            ok = True
        except asyncio.CancelledError:
            interrupted = True  # stopping: the fixture is neither done nor failed
            raise
        except (FeedAuthError, BrokerError, ConfigError) as exc:
            self._fail(exc)
        except FeedNotFoundError as exc:
            log.error("%s fixture %s: %s", key.sport, key.fixture_id, exc)
        except FeedRequestError as exc:
            self._fail(exc)
        except DdeflowError as exc:
            log.error("%s fixture %s failed: %s", key.sport, key.fixture_id, exc)
        except Exception as exc:  # a bug: stop the process rather than lose a fixture quietly
            log.exception("%s fixture %s: unexpected error", key.sport, key.fixture_id)
            self._fail(exc)
        finally:
            if not interrupted:
                self.board.finish(key, ok=ok)

    async def _streams(self, runners: list[StreamRunner]) -> list[StreamResult]:
        self.streaming += 1
        self.peak_streaming = max(self.peak_streaming, self.streaming)
        try:
            outcomes = await asyncio.gather(*(self._stream(runner) for runner in runners), return_exceptions=True)
        finally:
            self.streaming -= 1
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return [outcome for outcome in outcomes if isinstance(outcome, StreamResult)]

    async def _stream(self, runner: StreamRunner) -> StreamResult | None:
        try:
            return await runner.run()
        except FeedNotFoundError:
            if runner.target.stream is Stream.ACTIONS:
                raise
            log.info("%s: the feed has no such stream; skipping it", runner.target.describe())
            return None

    async def _reconcile(self, key: FixtureKey, actions: StreamRunner, since_ms: int | None) -> None:
        self.reconciling += 1
        delays = backoff_delays(self.options.stream.backoff, self._rng)
        trust_memory = True
        try:
            while True:
                try:
                    await self._reconcile_now(key, actions, since_ms, trust_memory=trust_memory)
                    return
                except BrokerError as error:
                    if on_failure(error) is OnFailure.STOP:
                        raise
                    delay_s = next(delays)
                    log.info(
                        "%s fixture %s: reconciliation interrupted by Kafka (%s); again in %.2f s, from the topic",
                        key.sport,
                        key.fixture_id,
                        error,
                        delay_s,
                    )
                    trust_memory = False  # part of it may have landed: only the topic knows what
                    await asyncio.sleep(delay_s)
                    await self._sink.wait_healthy()
        finally:
            self.reconciling -= 1

    async def _reconcile_now(
        self, key: FixtureKey, actions: StreamRunner, since_ms: int | None, *, trust_memory: bool
    ) -> None:
        known: set[int] | None = None
        recovered = actions.recovered
        if trust_memory and recovered is not None and recovered.complete:
            await self._sink.flush(actions.generation)
            known = recovered.action_seqs() | actions.seqs_written
        await reconcile_fixture(
            sport=key.sport,
            fixture_id=key.fixture_id,
            rest=self._rest,
            sink=self._sink,
            scanner=self._scanner,
            topic_prefix=self._prefix,
            known_seqs=known,
            since_ms=since_ms,
        )

    # --- progress ----------------------------------------------------------------------------------

    async def _progress_loop(self, started: float) -> None:
        before = Snapshot.of(self._sink.counters, time.monotonic())
        while True:
            await asyncio.sleep(self.options.progress_interval_s)
            now = Snapshot.of(self._sink.counters, time.monotonic())
            counts = self.board.counts()
            log.info(
                "ingest live: %s",
                progress_line(
                    streaming=self.streaming,
                    reconciling=self.reconciling,
                    scheduled=counts[Phase.SCHEDULED] + counts[Phase.CHECKING],
                    done=counts[Phase.DONE],
                    failed=counts[Phase.FAILED],
                    now=now,
                    before=before,
                ),
            )
            before = now
