"""The benchmark's data: a generated season slice laid out as the producer writes it, and appending it."""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from aiokafka import AIOKafkaProducer

from ddeflow.bench.figures import Feed
from ddeflow.config import Settings
from ddeflow.harness.derived import options
from ddeflow.harness.plan import Delivery, Kind, Match, load_matches
from ddeflow.producers.raw_records import Source, element_record
from ddeflow.simulator.generator import SPORTS, generate

SEND_WINDOW = 2000
"""Sends in flight before the appender waits for their acks."""


def season_slice(root: Path, fixtures: int, snooker_statistics: int, seed: int) -> list[Match]:
    """``fixtures`` generated matches, the four sports in turn; snooker keeps ``snooker_statistics`` snapshots."""
    per_sport = -(-fixtures // len(SPORTS))
    generate("all", per_sport, seed, root, statistics=snooker_statistics > 0)
    by_sport: dict[str, list[Match]] = defaultdict(list)
    for match in load_matches(root):
        by_sport[match.sport.value].append(match)
    picked = [by_sport[sport][i] for i in range(per_sport) for sport in SPORTS][:fixtures]
    return [replace(m, statistics=_thin(m.statistics, snooker_statistics)) for m in picked]


def _thin(lines: tuple[bytes, ...], keep: int) -> tuple[bytes, ...]:
    if keep <= 0:
        return ()
    if len(lines) <= keep:
        return lines
    step = len(lines) / keep
    picked = sorted({int(i * step) for i in range(keep - 1)} | {len(lines) - 1})
    return tuple(lines[i] for i in picked)


def describe(matches: Sequence[Match], plan: Sequence[Delivery]) -> Feed:
    kinds = Counter(item.kind for item in plan)
    return Feed(
        fixtures=len(matches),
        packets=len(plan),
        duplicates=kinds[Kind.DUPLICATE],
        stale=kinds[Kind.STALE],
        by_sport=dict(sorted(Counter(item.sport.value for item in plan).items())),
    )


async def append(settings: Settings, plan: Sequence[Delivery], *, rate_per_s: float | None = None) -> float:
    """Append ``plan`` in order; at ``rate_per_s``, each record's ``received-at-ns`` is the clock at its send.
    Returns the seconds it took."""
    prefix = settings.topic_prefix
    producer = AIOKafkaProducer(
        **options(settings), acks="all", enable_idempotence=True, linger_ms=2, max_request_size=16 * 1024 * 1024
    )
    await producer.start()
    started = time.monotonic()
    try:
        pending = []
        for count, item in enumerate(plan):
            if rate_per_s is not None:
                due = started + count / rate_per_s
                if (wait_s := due - time.monotonic()) > 0:
                    await asyncio.sleep(wait_s)
                headers = element_record(
                    topic=item.topic(prefix),
                    fixture_id=item.fixture_id,
                    element=item.value,
                    source=Source.FILE,
                    stream=item.stream,
                    received_at_ns=time.time_ns(),
                ).headers
            else:
                headers = item.headers(prefix)
            pending.append(await producer.send(item.topic(prefix), item.value, key=item.key, headers=list(headers)))
            if len(pending) >= SEND_WINDOW:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return time.monotonic() - started
