"""``ingest rest`` and ``ingest file`` as calls: fetch or read one body, publish it once, flush.

Neither waits out a Kafka outage: one longer than the producer's own retries ends the call with a
``BrokerUnavailableError`` that says part of the body may be in the topics and that running it again is safe.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dde.sports import Sport
from ddeflow.config import Settings
from ddeflow.endpoints import feed_tls
from ddeflow.errors import BrokerUnavailableError, ConfigError
from producers.batch_ingest import BatchOutcome, ingest_body
from producers.gate import Gate
from producers.pacer import Pacer
from producers.raw_records import Source, Stream
from producers.rest_client import FeedRest
from producers.runtime import open_runtime, require_token

SAFE_AGAIN = (
    "Re-ingesting the same input is safe: the packets are appended again and consumers drop them as "
    "re-deliveries (by fixtureSeqNum / seqNum), so the derived topics do not change."
)


@contextmanager
def _rerun_when_kafka_is_back(what: str) -> Iterator[None]:
    """A ``BrokerUnavailableError`` during a batch becomes one that says what to do."""
    try:
        yield
    except BrokerUnavailableError:
        raise BrokerUnavailableError(
            f"{what}: Kafka became unavailable before it acknowledged everything, so part of it may be in the "
            f"topics and part not. Run the same command again once Kafka is back. {SAFE_AGAIN}"
        ) from None


async def ingest_rest(
    settings: Settings, sport: Sport, fixture_id: str, *, max_requests_per_s: int = 4
) -> BatchOutcome:
    token = require_token(settings)
    async with FeedRest(
        settings.dde_api_url, token, Gate(Pacer(max_requests_per_s, 1.0)), verify=feed_tls(settings)
    ) as rest:
        body = await rest.actions(sport, fixture_id)
    received_at_ns = time.time_ns()
    with _rerun_when_kafka_is_back(f"{sport} fixture {fixture_id} (REST)"):
        async with open_runtime(settings) as runtime:
            return await ingest_body(
                body,
                sink=runtime.sink,
                topic_prefix=runtime.topic_prefix,
                sport=sport,
                source=Source.REST,
                received_at_ns=received_at_ns,
                expect=frozenset({Stream.ACTIONS}),
            )


async def ingest_file(settings: Settings, path: Path, sport: Sport) -> BatchOutcome:
    try:
        body = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    received_at_ns = time.time_ns()
    with _rerun_when_kafka_is_back(str(path)):
        async with open_runtime(settings) as runtime:
            return await ingest_body(
                body,
                sink=runtime.sink,
                topic_prefix=runtime.topic_prefix,
                sport=sport,
                source=Source.FILE,
                received_at_ns=received_at_ns,
                source_file=str(path),
            )
