"""``ingest ws`` and ``ingest live`` as calls: open the runtime (and REST for live), run the streams to their end.

The command line (``ddeflow.producers.command``) turns its options into these calls; the demo and the tests call them
directly.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Awaitable
from typing import Any

from ddeflow.config import Settings
from ddeflow.dde.sports import Sport
from ddeflow.endpoints import feed_tls
from ddeflow.metrics import IngestFigures, ingest_registry, serving
from ddeflow.producers.gate import Gate
from ddeflow.producers.live import LiveIngest, LiveOptions, LiveSummary
from ddeflow.producers.outage import OutagePolicy
from ddeflow.producers.pacer import Pacer
from ddeflow.producers.raw_records import Stream
from ddeflow.producers.rest_client import FeedRest
from ddeflow.producers.runtime import Runtime, open_runtime, require_token
from ddeflow.producers.ws_stream import StreamOptions, StreamResult, StreamRunner, StreamTarget


def with_feed_tls(options: StreamOptions, settings: Settings) -> StreamOptions:
    """``options`` verifying the feed's certificate against the system's CAs and ``DDE_CA_FILE``'s."""
    return dataclasses.replace(options, tls=feed_tls(settings))


async def ingest_ws(
    settings: Settings,
    sport: Sport,
    fixture_id: str,
    streams: tuple[Stream, ...],
    *,
    media: bool = False,
    options: StreamOptions | None = None,
    max_connects_per_s: int = 5,
    lookback_s: float = 24 * 3600.0,
    outage: OutagePolicy | None = None,
) -> list[StreamResult]:
    """Stream one fixture until its feed says finished; returns one result per stream."""
    token = require_token(settings)
    gate = Gate(Pacer(max_connects_per_s, 1.0))
    async with open_runtime(settings, lookback_s=lookback_s, outage=outage, with_feed_status=True) as runtime:
        runners = [
            StreamRunner(
                StreamTarget(sport, fixture_id, stream, media),
                streams_url=settings.dde_streams_url,
                token=token,
                topic_prefix=runtime.topic_prefix,
                sink=runtime.sink,
                scanner=runtime.scanner,
                gate=gate,
                options=with_feed_tls(options or StreamOptions(), settings),
                rng=random.Random(),
                status=runtime.status,
            )
            for stream in streams
        ]
        results = await _run_all(runtime, [runner.run() for runner in runners])
    return results


async def _run_all(runtime: Runtime, work: list[Awaitable[StreamResult]]) -> list[StreamResult]:
    """Run the streams together; the first failure (a stream's, or the producer's) cancels the rest."""
    tasks: list[asyncio.Future[StreamResult]] = [asyncio.ensure_future(item) for item in work]
    watcher = asyncio.ensure_future(runtime.sink.failed.wait())
    try:
        while not all(task.done() for task in tasks):
            waiting: list[asyncio.Future[Any]] = [task for task in tasks if not task.done()]
            await asyncio.wait([*waiting, watcher], return_when=asyncio.FIRST_COMPLETED)
            if runtime.sink.failure is not None:
                raise runtime.sink.failure
            for task in tasks:
                if task.done() and (error := task.exception()) is not None:
                    raise error
        return [task.result() for task in tasks]
    finally:
        watcher.cancel()
        for task in tasks:
            task.cancel()
        await asyncio.gather(watcher, *tasks, return_exceptions=True)


async def run_live(
    settings: Settings,
    options: LiveOptions,
    stop: asyncio.Event,
    *,
    max_connects_per_s: int = 5,
    max_requests_per_s: int = 4,
    lookback_s: float = 24 * 3600.0,
    outage: OutagePolicy | None = None,
    metrics_port: int = 0,
) -> LiveSummary:
    """Stream every live fixture of ``options.sports`` until ``stop`` is set (or, with ``until_finished``, done).

    With ``metrics_port``, ``/metrics`` is served on it for Prometheus (see ``ddeflow.metrics``).
    """
    token = require_token(settings)
    ws_gate = Gate(Pacer(max_connects_per_s, 1.0))
    rest_gate = Gate(Pacer(max_requests_per_s, 1.0))
    async with (
        open_runtime(settings, lookback_s=lookback_s, outage=outage, with_feed_status=True) as runtime,
        FeedRest(settings.dde_api_url, token, rest_gate, verify=feed_tls(settings)) as rest,
    ):
        metrics = ingest_registry(lambda: _figures(runtime, rest)) if metrics_port else None
        live = LiveIngest(
            streams_url=settings.dde_streams_url,
            token=token,
            topic_prefix=runtime.topic_prefix,
            sink=runtime.sink,
            scanner=runtime.scanner,
            rest=rest,
            ws_gate=ws_gate,
            options=dataclasses.replace(options, stream=with_feed_tls(options.stream, settings)),
            status=runtime.status,
        )
        with serving(metrics, metrics_port):
            return await live.run(stop)


def _figures(runtime: Runtime, rest: FeedRest) -> IngestFigures:
    counters = runtime.sink.counters
    return IngestFigures(
        connections=counters.connections,
        reconnects=counters.reconnects,
        heartbeats=counters.heartbeats,
        frames_by_topic=dict(counters.frames_by_topic),
        rest_throttled=rest.rate_limited,
    )
