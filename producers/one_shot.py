"""``ingest rest`` and ``ingest file`` as calls: fetch or read one body, publish it once, flush.

Neither waits out a Kafka outage: one longer than the producer's own retries ends the call with a
``BrokerUnavailableError`` that says part of the body may be in the topics and that running it again is safe.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

from ddeflow.config import Settings
from ddeflow.dde.sports import Sport
from ddeflow.endpoints import feed_tls
from ddeflow.errors import BrokerUnavailableError, ConfigError
from ddeflow.producers.batch_ingest import BatchOutcome, ingest_body
from ddeflow.producers.gate import Gate
from ddeflow.producers.pacer import Pacer
from ddeflow.producers.raw_records import Source, Stream
from ddeflow.producers.rest_client import FeedRest
from ddeflow.producers.runtime import open_runtime, require_token

SAFE_AGAIN = (
    "Re-ingesting the same input is safe: the packets are appended again and consumers drop them as "
    "re-deliveries (by fixtureSeqNum / seqNum), so the derived topics do not change."
)


async def ingest_rest(
    settings: Settings,
    sport: Sport,
    fixture_id: str,
    *,
    max_requests_per_s: int = 4,
    progress: Callable[[int, int], None] | None = None,
) -> BatchOutcome:
    token = require_token(settings)
    async with FeedRest(
        settings.dde_api_url, token, Gate(Pacer(max_requests_per_s, 1.0)), verify=feed_tls(settings)
    ) as rest:
        body = await rest.actions(sport, fixture_id)
    ingest = partial(
        ingest_body, body, sport=sport, source=Source.REST, expect=frozenset({Stream.ACTIONS}), progress=progress
    )
    return await _publish(settings, f"{sport} fixture {fixture_id} (REST)", ingest)


async def ingest_file(
    settings: Settings, path: Path, sport: Sport, *, progress: Callable[[int, int], None] | None = None
) -> BatchOutcome:
    try:
        body = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    ingest = partial(ingest_body, body, sport=sport, source=Source.FILE, source_file=str(path), progress=progress)
    return await _publish(settings, str(path), ingest)


async def _publish(settings: Settings, what: str, ingest: Callable[..., Awaitable[BatchOutcome]]) -> BatchOutcome:
    """``ingest`` (``ingest_body`` with the body) into the raw topics; an outage says to run it again."""
    received_at_ns = time.time_ns()
    try:
        async with open_runtime(settings) as runtime:
            return await ingest(sink=runtime.sink, topic_prefix=runtime.topic_prefix, received_at_ns=received_at_ns)
    except BrokerUnavailableError:
        raise BrokerUnavailableError(
            f"{what}: Kafka became unavailable before it acknowledged everything, so part of it may be in the "
            f"topics and part not. Run the same command again once Kafka is back. {SAFE_AGAIN}"
        ) from None
