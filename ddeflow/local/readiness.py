"""Waiting until a started service really answers: a Kafka metadata round trip, a registry GET."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import httpx
from aiokafka import AIOKafkaClient
from aiokafka.errors import KafkaError as AIOKafkaError

POLL_S = 0.5


async def kafka_answers(bootstrap: str, timeout_s: float = 3.0, node_id: int | None = None) -> bool:
    """True when the broker answers a metadata request and reports a live node (``node_id`` among them, if given:
    a cluster member answers before it has joined, but only lists itself once the controller has unfenced it)."""
    # A refused connection while the broker boots is expected; aiokafka would log each one as an error.
    quiet = logging.getLogger("aiokafka")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000))
    try:
        await asyncio.wait_for(client.bootstrap(), timeout_s)
        live = {broker.nodeId for broker in client.cluster.brokers()}
        return bool(live) if node_id is None else node_id in live
    except (AIOKafkaError, OSError, TimeoutError):
        return False
    finally:
        await client.close()
        quiet.setLevel(level)


def registry_answers(url: str, timeout_s: float = 3.0) -> bool:
    """True when the Confluent-compatible API lists subjects (a JSON array)."""
    try:
        response = httpx.get(f"{url}/subjects", timeout=timeout_s)
        return response.status_code == 200 and isinstance(response.json(), list)
    except (httpx.HTTPError, ValueError):
        return False


def wait_until(
    check: Callable[[], bool],
    alive: Callable[[], bool],
    *,
    stalled_s: float,
    limit_s: float,
    progress: Callable[[], object],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Poll ``check`` until it holds ('ready'), the process dies ('died'), ``progress`` (say, the size of its log) has
    not changed for ``stalled_s`` ('stalled'), or ``limit_s`` has passed since the start ('timeout').

    A JVM that a loaded machine starves is slow, not stuck: it goes on writing its log, and is waited for up to
    the limit; one that stops writing is given up on soon."""
    started = changed = clock()
    last = progress()
    while True:
        if check():
            return "ready"
        if not alive():
            return "died"
        now = clock()
        seen = progress()
        if seen != last:
            last, changed = seen, now
        if now - changed >= stalled_s:
            return "ready" if check() else "stalled"
        if now - started >= limit_s:
            return "ready" if check() else "timeout"
        sleep(POLL_S)
