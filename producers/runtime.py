"""What every ingest command opens first: the token, the topics, the raw producer and the topic scanner."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from ddeflow.admin import ensure_topics
from ddeflow.backoff import backoff_delays
from ddeflow.config import Settings
from ddeflow.endpoints import kafka_options, registry_client, resolve
from ddeflow.errors import BrokerError, ConfigError
from ddeflow.outage import Outage
from ddeflow.producers.failures import OnFailure, on_failure
from ddeflow.producers.outage import OutagePolicy
from ddeflow.producers.raw_sink import RawSink
from ddeflow.producers.status_writer import FeedStatusWriter
from ddeflow.producers.topic_scan import DEFAULT_LOOKBACK_S, TopicScanner
from ddeflow.topics import DLQ, TopicSpec, derived_topics, feed_status, raw_topics

log = logging.getLogger(__name__)


def require_token(settings: Settings) -> SecretStr:
    token = settings.auth_token()
    if token is None or not token.get_secret_value():
        raise ConfigError("no DDE token: set DDE_AUTH_TOKEN or DDE_AUTH_TOKEN_FILE")
    return token


@dataclass(frozen=True, slots=True)
class Runtime:
    topic_prefix: str
    sink: RawSink
    scanner: TopicScanner
    status: FeedStatusWriter | None = None
    """The ``dde.feed-status`` writer of the streaming commands (``ingest ws``, ``ingest live``)."""


async def _start(
    options: dict[str, Any], specs: list[TopicSpec], policy: OutagePolicy, lookback_s: float, replication: int | None
) -> tuple[RawSink, TopicScanner]:
    created = await ensure_topics(options, specs, replication=replication)
    if created:
        log.info("created topics: %s", ", ".join(created))
    sink = RawSink(options, policy=policy)
    await sink.start()
    scanner = TopicScanner(options, lookback_s=lookback_s)
    try:
        await scanner.start()
    except BaseException:
        await sink.stop()
        raise
    return sink, scanner


@asynccontextmanager
async def open_runtime(
    settings: Settings,
    *,
    lookback_s: float = DEFAULT_LOOKBACK_S,
    outage: OutagePolicy | None = None,
    with_feed_status: bool = False,
) -> AsyncIterator[Runtime]:
    """Create the raw topics and ``dde.dlq`` if missing, start the producer and the scanner; ``with_feed_status``:
    also ``dde.feed-status`` and its writer, which registers its schema in the background (ingest never waits for
    the registry).

    A broker that is away at start is waited for (backoff as in an outage, one line
    when the wait starts and one when it ends); refused access and bad configuration
    are raised.  On the way out the producer is flushed; a flush failure is raised
    unless the block is already failing with an error of its own.
    """
    options = kafka_options(settings, resolve(settings))
    prefix = settings.topic_prefix
    layout = settings.topic_layout
    specs = raw_topics(prefix, layout) + [spec for spec in derived_topics(prefix, layout) if spec.name == prefix + DLQ]
    if with_feed_status:
        specs.append(feed_status(prefix, layout))
    policy = outage or OutagePolicy()
    delays = backoff_delays(policy.backoff, random.Random())
    waiting = Outage("Kafka")
    while True:
        try:
            sink, scanner = await _start(options, specs, policy, lookback_s, layout.replication)
            break
        except BrokerError as error:
            if on_failure(error) is OnFailure.STOP:
                raise
            if message := waiting.failed(time.monotonic(), f"at start: {error}"):
                log.warning("%s", message)
            await asyncio.sleep(next(delays))
    if message := waiting.healthy(time.monotonic()):
        log.warning("%s", message)
    failing = False
    status: FeedStatusWriter | None = None
    try:
        async with AsyncExitStack() as stack:
            if with_feed_status:
                registry = await stack.enter_async_context(registry_client(settings))
                status = FeedStatusWriter(sink, registry, prefix, backoff=policy.backoff)
                status.start()
                stack.push_async_callback(status.stop)
            yield Runtime(prefix, sink, scanner, status)
    except BaseException:
        failing = True
        raise
    finally:
        await scanner.stop()
        try:
            await sink.stop()
        except Exception:
            if not failing:
                raise
            log.exception("flushing the producer failed while stopping after an error")
