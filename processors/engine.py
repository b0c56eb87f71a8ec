"""The one processing loop: a batch of raw records through the ``Transformer`` into one Kafka transaction.

The live worker and ``ddeflow replay`` both commit through ``transact``: the derived records, the dead
letters, the changed states (to the changelog partition of the partition number) and the input offsets
go into one transaction, and the store's overlay is folded in only once Kafka committed it.

Both also start the same way: each step that needs Kafka or the registry runs through ``until_done``,
which waits out an outage and gives up only on what waiting cannot cure (``fatal``).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from ddeflow import topics
from ddeflow.backoff import BackoffPolicy, backoff_delays
from ddeflow.client_errors import translate
from ddeflow.errors import BrokerError, ConfigError, DdeflowError, KafkaAuthError
from ddeflow.outage import Outage
from ddeflow.partitioning import default_partitioner
from ddeflow.processors.store import PartitionStore
from ddeflow.processors.transform import Transformer
from ddeflow.producers.raw_records import RawRecord

log = logging.getLogger("ddeflow.processors")

# Retries after a Kafka or registry failure: quick at first, at most every 5 s during a long outage.
RECOVERY_BACKOFF = BackoffPolicy(initial_s=0.2, max_s=5.0)

T = TypeVar("T")


class Use(enum.Enum):
    """What a record is used for."""

    EMIT = "emit"
    """Applied to the state, its derived records written: the live worker's only use."""
    STATE = "state"
    """Applied to the state, its derived records dropped (a replay's warm-up)."""
    TIME = "time"
    """Only moves its topic's stream time (a record a replay's fixture filter leaves out)."""


Choose = Callable[[RawRecord], Use]


@dataclass(frozen=True, slots=True)
class Committed:
    offsets: dict[TopicPartition, int]
    records_in: int
    records_out: int
    out_topics: Counter[str]
    """Records written per topic (``records_out`` of them in all)."""


def raw_record(message: Any) -> RawRecord:
    """An aiokafka ``ConsumerRecord`` as the Transformer's input."""
    return RawRecord(
        message.topic,
        message.partition,
        message.offset,
        message.key,
        message.value,
        tuple(message.headers),
        timestamp_ms=message.timestamp,
    )


def lane_producer(options: dict[str, Any], group: str, number: int, *, linger_ms: int) -> AIOKafkaProducer:
    """The transactional producer of partition number ``number`` of ``group`` (not started)."""
    return AIOKafkaProducer(
        **options,
        client_id=f"{group}-p{number}",
        transactional_id=f"{group}-p{number}",
        enable_idempotence=True,
        acks="all",
        linger_ms=linger_ms,
        max_request_size=topics.MAX_RECORD_BYTES + 64 * 1024,  # a dead letter carries the whole bad frame
        partitioner=default_partitioner,
    )


async def transact(
    producer: AIOKafkaProducer,
    transformer: Transformer,
    store: PartitionStore,
    parts: Sequence[tuple[TopicPartition, Sequence[Any]]],
    *,
    changelog: str,
    number: int,
    group: str,
    choose: Choose | None = None,
) -> Committed:
    """Process ``parts`` (non-empty message lists of partition number ``number``) in one transaction.

    On any failure the store's overlay is dropped and the exception propagates: whether the broker
    committed is unknown, so the caller rebuilds from the changelog and the committed offsets.
    """
    try:
        await producer.begin_transaction()
        sent: Counter[str] = Counter()
        deliveries: list[asyncio.Future[Any]] = []
        for _, messages in parts:
            for message in messages:
                record = raw_record(message)
                use = Use.EMIT if choose is None else choose(record)
                if use is Use.TIME:
                    transformer.advance_time(record, store)
                    continue
                outputs = transformer.handle(record, store)
                if use is Use.EMIT:
                    for out in outputs:
                        deliveries.append(
                            await producer.send(out.topic, out.value, key=out.key, headers=list(out.headers))
                        )
                        sent[out.topic] += 1
        for key, value in store.pending():
            deliveries.append(await producer.send(changelog, value, key=key, partition=number))
        # Every record must be on the broker before the commit is asked for: aiokafka's commit waits for the
        # batches to finish, not to succeed, so a batch that failed (expired in an outage) would be left out of
        # a transaction that still commits, input offsets and all, and its records would be lost.  Before the
        # offsets, too: a transaction given up while its offsets are in flight leaves them to a producer that
        # is about to be fenced.
        await asyncio.gather(*deliveries)
        offsets = {tp: messages[-1].offset + 1 for tp, messages in parts}
        await producer.send_offsets_to_transaction(offsets, group)
        await producer.commit_transaction()
    except BaseException:
        # Whether the broker committed is unknown here: the lane is rebuilt from what the
        # changelog and the committed offsets say, never from this overlay.
        store.discard()
        raise
    store.commit()
    return Committed(offsets, sum(len(messages) for _, messages in parts), sent.total(), sent)


async def restore_store(options: dict[str, Any], changelog: str, number: int) -> PartitionStore:
    """Partition ``number``'s state, read back from the committed records of its changelog partition."""
    store = PartitionStore()
    tp = TopicPartition(changelog, number)
    reader = AIOKafkaConsumer(**options, isolation_level="read_committed", enable_auto_commit=False)
    await reader.start()
    try:
        reader.assign([tp])
        await reader.seek_to_beginning(tp)
        end = (await reader.end_offsets([tp]))[tp]
        while await reader.position(tp) < end:
            batch = await reader.getmany(tp, timeout_ms=500, max_records=5000)
            for message in batch.get(tp, []):
                store.restore(message.key, message.value)
    finally:
        await reader.stop()
    return store


# --- waiting out outages (the worker and replay) ------------------------------------------


def fatal(error: DdeflowError) -> bool:
    """Whether a failure ends the worker: refused access and bad configuration never heal.

    A fence ends the worker's hold on a partition, not the worker.  The lane is
    rebuilt after the next poll only if the partition is still assigned to us
    (the broker timed our transaction out, or our producer broke); if a newer
    owner really has it, the rebalance has revoked it by then and the lane is
    dropped.  Either way every commit comes from a producer that restored the
    state after the last commit of any other, so nothing is lost or doubled.
    """
    return isinstance(error, KafkaAuthError | ConfigError) or (
        not error.retriable and not isinstance(error, BrokerError)
    )


async def until_done(step: Callable[[], Awaitable[T]], stop: asyncio.Event, what: str) -> T | None:
    """``step()``, retried through outages; None if ``stop`` is set first."""
    outage = Outage(f"Kafka or the schema registry ({what})")
    delays = backoff_delays(RECOVERY_BACKOFF, random.Random())
    while not stop.is_set():
        try:
            result = await step()
        except Exception as exc:
            error = translate(exc, what)
            if fatal(error) or not error.retriable:
                raise error from None
            message = outage.failed(time.monotonic(), str(error))
            if message:
                log.warning("%s", message)
            await pause(stop, next(delays))
            continue
        message = outage.healthy(time.monotonic())
        if message:
            log.warning("%s", message)
        return result
    return None


async def pause(stop: asyncio.Event, delay_s: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), delay_s)
