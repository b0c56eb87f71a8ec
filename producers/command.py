"""``ddeflow ingest ws|live|rest|file``: the producers' command line.

Only options and wiring: the ingests themselves are calls in ``ddeflow.producers.stream_ingest`` (ws, live) and
``ddeflow.producers.one_shot`` (rest, file).

The token comes from ``DDE_AUTH_TOKEN`` or ``DDE_AUTH_TOKEN_FILE`` only (never an
argument); hosts from ``DDE_STREAMS_URL`` / ``DDE_API_URL``; Kafka from the usual
settings.  Exit codes: 0 done; 1 finished but something went to ``dde.dlq`` or a
stream ended without its finished packet; 2 an error (from ``ddeflow.cli``);
130 interrupted (after flushing what was received).

Kafka outages: ``ws`` and ``live`` wait them out (``ddeflow.producers.raw_sink``).  The
one-shot ``rest`` and ``file`` do not: an outage longer than the producer's own
retries ends them with a retriable error saying that part of the input may be
in the topics and that running the same command again is safe (re-deliveries
are dropped downstream), rather than holding a half-published batch for an
unknown time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from ddeflow.backoff import BackoffPolicy
from ddeflow.config import Settings
from ddeflow.dde.sports import Sport
from ddeflow.metrics import add_metrics_port, metrics_port
from ddeflow.producers.batch_ingest import BatchOutcome
from ddeflow.producers.feed_status import DEFAULT_STALE_AFTER_S
from ddeflow.producers.live import DEFAULT_HEAL_LOOKBACK_S, LiveOptions
from ddeflow.producers.one_shot import SAFE_AGAIN, ingest_file, ingest_rest
from ddeflow.producers.outage import DEFAULT_MAX_BUFFERED_BYTES, OutagePolicy
from ddeflow.producers.raw_records import Stream
from ddeflow.producers.stream_ingest import ingest_ws, run_live
from ddeflow.producers.ws_stream import StreamOptions
from ddeflow.progress_display import ProgressDisplay
from ddeflow.signals import stop_on_signals

log = logging.getLogger("ddeflow.producers")

_STREAM_CHOICES = {"actions": (Stream.ACTIONS,), "statistics": (Stream.STATISTICS,), "both": tuple(Stream)}
_INTERRUPTED = 130


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value


def _hours_or_zero(text: str) -> float:
    value = float(text)
    if not 0 <= value < 24 * 366:
        raise argparse.ArgumentTypeError("must be >= 0 hours and under a year")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def _sport(text: str) -> Sport:
    try:
        return Sport(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# --- running with signals ------------------------------------------------------------------


def _run_until_signal(main: Callable[[asyncio.Event], Awaitable[int]]) -> int:
    # aiokafka logs every manual partition assignment at INFO; the raw-topic scanner makes many.
    logging.getLogger("aiokafka.consumer.subscription_state").setLevel(logging.WARNING)
    # During a Kafka outage aiokafka logs each failed connection and metadata attempt at ERROR, several a
    # second; its failures reach us as errors, and the sink logs the outage once at each end.  (--verbose keeps them.)
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)

    async def runner() -> int:
        with stop_on_signals() as stop:
            return await main(stop)

    return asyncio.run(runner())


async def _until_stopped(work: Awaitable[int], stop: asyncio.Event) -> int:
    """Run ``work``; on ``stop`` cancel it and report an interruption."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait([task, stopper], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    log.info("interrupted; what was received is flushed")
    return _INTERRUPTED


# --- options shared by ws and live ---------------------------------------------------------


def _add_stream_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stream",
        choices=sorted(_STREAM_CHOICES),
        default="actions",
        help="which websocket stream(s) to ingest (default actions)",
    )
    parser.add_argument("--media", action="store_true", help="use the /media/ variant of the streams")
    parser.add_argument(
        "--silence-timeout-s",
        type=_positive_float,
        default=30.0,
        help="a connection with no frame at all (not even a heartbeat) for this long is dead (default 30)",
    )
    parser.add_argument(
        "--stale-after-s",
        type=_positive_float,
        default=DEFAULT_STALE_AFTER_S,
        help="silence (no frame, heartbeats included) after which dde.feed-status says a stream is down "
        f"(default {DEFAULT_STALE_AFTER_S:g}); a lost connection says so at once",
    )
    parser.add_argument(
        "--backoff-initial-s", type=_positive_float, default=0.5, help="first reconnect delay (feed and Kafka)"
    )
    parser.add_argument(
        "--backoff-max-s", type=_positive_float, default=30.0, help="longest reconnect delay (feed and Kafka)"
    )
    parser.add_argument(
        "--kafka-ack-timeout-s",
        type=_positive_float,
        default=15.0,
        help="a record unacknowledged this long starts a Kafka outage: streams disconnect and wait it out (default 15)",
    )
    parser.add_argument(
        "--max-buffered-mb",
        type=_positive_float,
        default=DEFAULT_MAX_BUFFERED_BYTES / 2**20,
        help="unacknowledged records held at most, in MiB; streams stop reading beyond it (default 64)",
    )
    parser.add_argument(
        "--max-connects-per-s",
        type=_positive_int,
        default=5,
        help="websocket connection attempts per second, all streams of the process together (default 5)",
    )
    parser.add_argument(
        "--lookback-h",
        type=_positive_float,
        default=24.0,
        help="how far back the raw topic is searched for a stream's earlier records (default 24)",
    )
    parser.add_argument("--speed", choices=["fast", "normal"], help="replay speed, for offline matches only")


def _backoff(args: argparse.Namespace) -> BackoffPolicy:
    return BackoffPolicy(initial_s=args.backoff_initial_s, max_s=max(args.backoff_max_s, args.backoff_initial_s))


def _stream_options(args: argparse.Namespace) -> StreamOptions:
    return StreamOptions(
        silence_timeout_s=args.silence_timeout_s,
        stale_after_s=args.stale_after_s,
        backoff=_backoff(args),
        speed=args.speed,
    )


def _outage_policy(args: argparse.Namespace) -> OutagePolicy:
    return OutagePolicy(
        ack_timeout_s=args.kafka_ack_timeout_s,
        max_buffered_bytes=int(args.max_buffered_mb * 2**20),
        backoff=_backoff(args),
    )


# --- ingest ws ---------------------------------------------------------------------------------------


def _run_ws(args: argparse.Namespace, settings: Settings) -> int:
    streams = _STREAM_CHOICES[args.stream]

    async def main(stop: asyncio.Event) -> int:
        async def work() -> int:
            results = await ingest_ws(
                settings,
                args.sport,
                args.fixture,
                streams,
                media=args.media,
                options=_stream_options(args),
                max_connects_per_s=args.max_connects_per_s,
                lookback_s=args.lookback_h * 3600,
                outage=_outage_policy(args),
            )
            for result in results:
                state = "finished" if result.finished else "ended without a finished packet"
                print(
                    f"{result.target.describe()}: {state}; {result.events} events in the topic "
                    f"(resumed at {result.resumed_at}), {result.frames_written} frames written, "
                    f"{result.reconnects} reconnects",
                    flush=True,
                )
            return 0 if all(result.finished for result in results) else 1

        return await _until_stopped(work(), stop)

    return _run_until_signal(main)


# --- ingest live ----------------------------------------------------------------------------------------


def _run_live(args: argparse.Namespace, settings: Settings) -> int:
    options = LiveOptions(
        sports=tuple(dict.fromkeys(args.sport)),
        streams=frozenset(_STREAM_CHOICES[args.stream]),
        media=args.media,
        poll_interval_s=args.poll_interval_s,
        horizon_s=args.horizon_min * 60,
        lead_s=args.lead_s,
        progress_interval_s=args.progress_interval_s,
        until_finished=args.until_finished,
        reconcile=not args.no_reconcile,
        heal_lookback_s=args.heal_lookback_h * 3600,
        stream=_stream_options(args),
    )

    async def main(stop: asyncio.Event) -> int:
        summary = await run_live(
            settings,
            options,
            stop,
            max_connects_per_s=args.max_connects_per_s,
            max_requests_per_s=args.max_requests_per_s,
            lookback_s=args.lookback_h * 3600,
            outage=_outage_policy(args),
            metrics_port=metrics_port(args, settings),
        )
        if args.summary_json is not None:
            args.summary_json.write_text(json.dumps(summary.to_json(), indent=2) + "\n", encoding="utf-8")
        print(summary.line(), flush=True)
        if stop.is_set():
            return _INTERRUPTED
        return 0 if summary.fixtures_failed == 0 else 1

    return _run_until_signal(main)


# --- ingest rest / file ----------------------------------------------------------------------------------


def _report_batch(what: str, outcome: BatchOutcome) -> int:
    parts = ", ".join(f"{count} {stream}" for stream, count in sorted(outcome.published.items())) or "nothing"
    print(f"{what}: published {parts}; {len(outcome.rejected)} rejected to dde.dlq", flush=True)
    for rejection in outcome.rejected:
        print(f"  rejected {rejection.describe()}", file=sys.stderr)
    return 1 if outcome.rejected else 0


def _run_rest(args: argparse.Namespace, settings: Settings) -> int:
    async def main(stop: asyncio.Event) -> int:
        async def work() -> int:
            with ProgressDisplay("ingest rest", "packets") as progress:
                outcome = await ingest_rest(settings, args.sport, args.fixture, progress=progress.update)
            return _report_batch(f"{args.sport} fixture {args.fixture} (REST)", outcome)

        return await _until_stopped(work(), stop)

    return _run_until_signal(main)


def _run_file(args: argparse.Namespace, settings: Settings) -> int:
    async def main(stop: asyncio.Event) -> int:
        async def work() -> int:
            with ProgressDisplay("ingest file", "packets") as progress:
                outcome = await ingest_file(settings, args.path, args.sport, progress=progress.update)
            return _report_batch(str(args.path), outcome)

        return await _until_stopped(work(), stop)

    return _run_until_signal(main)


# --- registration -----------------------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ingest = subparsers.add_parser(
        "ingest",
        help="producers: the feed's frames into the raw Kafka topics",
        description="Publish DDE packets byte for byte into dde.raw.<sport>.actions / .statistics. "
        "The token is read from DDE_AUTH_TOKEN or DDE_AUTH_TOKEN_FILE.",
    )
    sub = ingest.add_subparsers(dest="ingest_command", metavar="SOURCE", required=True)

    ws = sub.add_parser(
        "ws",
        help="one fixture's websocket stream(s), resumed across drops and restarts",
        description="Stream one fixture until the feed sends finished. Drops, silences and restarts resume "
        "where the raw topic ends: nothing skipped, nothing written twice.",
    )
    ws.add_argument("--sport", type=_sport, required=True, help="basketball, soccer, volleyball or snooker")
    ws.add_argument("--fixture", required=True, help="the fixture id")
    _add_stream_options(ws)
    ws.set_defaults(handler=_run_ws)

    live = sub.add_parser(
        "live",
        help="every live fixture of the sports, discovered through REST, healed by REST after each match",
        description="Poll the fixtures API, stream every live fixture in one process, and after each match "
        "publish from REST /actions whatever the raw topic lacks.",
    )
    live.add_argument("--sport", type=_sport, action="append", required=True, help="repeat for several sports")
    _add_stream_options(live)
    live.add_argument("--poll-interval-s", type=_positive_float, default=30.0, help="fixture polling (default 30)")
    live.add_argument(
        "--horizon-min",
        type=_positive_float,
        default=60.0,
        help="track scheduled fixtures starting within this many minutes (default 60)",
    )
    live.add_argument(
        "--lead-s", type=float, default=120.0, help="open a scheduled fixture's stream this early (default 120)"
    )
    live.add_argument(
        "--max-requests-per-s", type=_positive_int, default=4, help="REST requests per second (default 4)"
    )
    live.add_argument("--progress-interval-s", type=_positive_float, default=10.0, help="progress log (default 10)")
    live.add_argument(
        "--until-finished",
        action="store_true",
        help="stop once every discovered fixture is finished and none is scheduled within the horizon",
    )
    live.add_argument("--no-reconcile", action="store_true", help="skip the REST reconciliation after each match")
    live.add_argument(
        "--heal-lookback-h",
        type=_hours_or_zero,
        default=DEFAULT_HEAL_LOOKBACK_S / 3600,
        help="at start, fixtures with raw records this recent whose stream never finished are checked, and those "
        "that ended meanwhile are resumed to their end and reconciled; must cover the time ingest live was down "
        f"(default {DEFAULT_HEAL_LOOKBACK_S / 3600:g}; 0 turns it off)",
    )
    live.add_argument("--summary-json", type=Path, help="also write the final summary to this file as JSON")
    add_metrics_port(live)
    live.set_defaults(handler=_run_live)

    rest = sub.add_parser(
        "rest",
        help="a finished fixture's REST /actions array",
        description="Fetch /{sport}/fixtures/{id}/actions and publish its packets in fixtureSeqNum order; "
        "elements that are not valid packets go to dde.dlq with the reason. " + SAFE_AGAIN,
    )
    rest.add_argument("--sport", type=_sport, required=True)
    rest.add_argument("--fixture", required=True)
    rest.set_defaults(handler=_run_rest)

    file = sub.add_parser(
        "file",
        help="a saved JSON array or JSON-lines file of packets",
        description="Publish a file's action and statistics packets (bytes as in the file) per fixture in "
        "fixtureSeqNum / seqNum order; invalid lines or elements are reported with their line and index and "
        "go to dde.dlq with the reason. " + SAFE_AGAIN,
    )
    file.add_argument("path", type=Path)
    file.add_argument("--sport", type=_sport, required=True)
    file.set_defaults(handler=_run_file)
