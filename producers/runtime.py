"""What every ingest command opens first: the token, the topics, the raw producer and the topic scanner."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from pydantic import SecretStr

from ddeflow.admin import ensure_topics
from ddeflow.config import Settings
from ddeflow.endpoints import kafka_options, resolve
from ddeflow.errors import ConfigError
from ddeflow.topics import DLQ, derived_topics, raw_topics
from producers.outage import OutagePolicy
from producers.raw_sink import RawSink
from producers.topic_scan import DEFAULT_LOOKBACK_S, TopicScanner

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


@asynccontextmanager
async def open_runtime(
    settings: Settings, *, lookback_s: float = DEFAULT_LOOKBACK_S, outage: OutagePolicy | None = None
) -> AsyncIterator[Runtime]:
    """Create the raw topics and ``dde.dlq`` if missing, start the producer and the scanner.

    On the way out the producer is flushed; a flush failure is raised unless the
    block is already failing with an error of its own.
    """
    options = kafka_options(settings, resolve(settings))
    prefix = settings.topic_prefix
    specs = raw_topics(prefix) + [spec for spec in derived_topics(prefix) if spec.name == prefix + DLQ]
    created = await ensure_topics(options, specs)
    if created:
        log.info("created topics: %s", ", ".join(created))
    sink = RawSink(options, policy=outage)
    await sink.start()
    scanner = TopicScanner(options, lookback_s=lookback_s)
    try:
        await scanner.start()
    except BaseException:
        await sink.stop()
        raise
    failing = False
    try:
        yield Runtime(prefix, sink, scanner)
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
