"""Publishing whole bodies: a REST ``/actions`` array, a saved file, and the reconciliation after a match.

What goes where is decided by ``batch_plan`` and ``reconcile`` (pure); this
module sends it: accepted packets to the raw topics (``source`` rest or file,
no ``stream-position``, see ``raw_records``), rejected pieces to ``dde.dlq``
with their reason, element index and line (origin ``ingest-rest`` or
``ingest-file``), each rejection also logged as a warning.  Every call ends
with a flush, so a returned outcome means the broker has everything.  A Kafka
outage on the way raises ``BrokerUnavailableError``: part of the body may be
in the topics, so a retry must start from what the topics hold (the
reconciliation re-reads them) or accept re-deliveries (``ingest rest/file``).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ddeflow.dde.sports import Sport
from ddeflow.dlq import dead_letter
from ddeflow.errors import PacketError
from ddeflow.producers.batch_plan import Accepted, BatchPlan, Rejected, plan_batch
from ddeflow.producers.json_split import split_input
from ddeflow.producers.raw_records import Source, Stream, element_record, raw_topic
from ddeflow.producers.raw_sink import RawSink
from ddeflow.producers.reconcile import reconcile
from ddeflow.producers.rest_client import FeedRest
from ddeflow.producers.topic_scan import TopicScanner
from ddeflow.topics import DLQ

PROGRESS_EVERY = 500

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    published: Counter[Stream]
    rejected: tuple[Rejected, ...]

    @property
    def total(self) -> int:
        return sum(self.published.values())


@dataclass(frozen=True, slots=True)
class ReconcileOutcome:
    fixture_id: str
    rest_packets: int
    held: int
    healed: int
    rejected: int


def _origin(source: Source) -> str:
    return "ingest-file" if source is Source.FILE else "ingest-rest"


async def publish_pieces(
    *,
    sink: RawSink,
    topic_prefix: str,
    sport: Sport,
    source: Source,
    accepted: Sequence[Accepted],
    rejected: Iterable[Rejected],
    received_at_ns: int,
    source_file: str | None = None,
    fixture_id: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BatchOutcome:
    """Publish ``accepted`` in order, dead-letter ``rejected`` (keyed by ``fixture_id`` when known), flush.

    ``progress(published, of)`` is told every ``PROGRESS_EVERY`` records and at the end."""
    generation = sink.generation
    published: Counter[Stream] = Counter()
    for count, item in enumerate(accepted, start=1):
        record = element_record(
            topic=raw_topic(topic_prefix, sport, item.stream),
            fixture_id=item.fixture_id,
            element=item.raw,
            source=source,
            stream=item.stream,
            received_at_ns=received_at_ns,
        )
        await sink.publish(record, generation=generation)
        published[item.stream] += 1
        if progress is not None and (count % PROGRESS_EVERY == 0 or count == len(accepted)):
            progress(count, len(accepted))
    rejected = tuple(rejected)
    for rejection in rejected:
        where = f"{source_file or 'REST body'} line {rejection.line}, element {rejection.index}"
        log.warning("%s: rejected (%s): %s", where, rejection.error.reason, rejection.error.detail)
        error = rejection.error
        located = PacketError(
            error.reason, f"element {rejection.index} (line {rejection.line}): {error.detail}", field=error.field
        )
        letter = dead_letter(
            located,
            origin=_origin(source),
            failed_at_ns=time.time_ns(),
            raw=rejection.raw,
            source_file=source_file,
            source_line=rejection.line,
            fixture_id=fixture_id,
        )
        await sink.dead_letter(topic_prefix + DLQ, letter, generation=generation)
    await sink.flush(generation)
    return BatchOutcome(published, rejected)


async def ingest_body(
    body: bytes,
    *,
    sink: RawSink,
    topic_prefix: str,
    sport: Sport,
    source: Source,
    received_at_ns: int,
    source_file: str | None = None,
    expect: frozenset[Stream] = frozenset(Stream),
    progress: Callable[[int, int], None] | None = None,
) -> BatchOutcome:
    """Split, check, order and publish a JSON array or JSON-lines body."""
    _, pieces = split_input(body)
    plan: BatchPlan = plan_batch(pieces, expect=expect)
    return await publish_pieces(
        sink=sink,
        topic_prefix=topic_prefix,
        sport=sport,
        source=source,
        accepted=plan.accepted,
        rejected=plan.rejected,
        received_at_ns=received_at_ns,
        source_file=source_file,
        progress=progress,
    )


async def reconcile_fixture(
    *,
    sport: Sport,
    fixture_id: str,
    rest: FeedRest,
    sink: RawSink,
    scanner: TopicScanner,
    topic_prefix: str,
    known_seqs: set[int] | None,
    since_ms: int | None = None,
) -> ReconcileOutcome:
    """Publish every packet of ``/actions`` that the raw topic lacks.

    ``known_seqs``: the seq numbers the topic holds for the fixture, when the caller
    saw its whole history (everything it wrote is flushed); None reads them back.
    """
    body = await rest.actions(sport, fixture_id)
    received_at_ns = time.time_ns()
    _, pieces = split_input(body)
    plan = plan_batch(pieces, expect=frozenset({Stream.ACTIONS}))
    held = known_seqs
    if held is None:
        topic = raw_topic(topic_prefix, sport, Stream.ACTIONS)
        history = await scanner.history(
            topic, await sink.partitions(topic), fixture_id, Stream.ACTIONS, need=None, since_ms=since_ms
        )
        held = history.action_seqs()
    result = reconcile(plan, fixture_id, held)
    await publish_pieces(
        sink=sink,
        topic_prefix=topic_prefix,
        sport=sport,
        source=Source.REST,
        accepted=result.missing,
        rejected=result.rejected,
        received_at_ns=received_at_ns,
        fixture_id=fixture_id,
    )
    sink.counters.gaps_healed += len(result.missing)
    if result.missing:
        log.info(
            "%s fixture %s: REST reconciliation published %d missing packets (seq %s)",
            sport,
            fixture_id,
            len(result.missing),
            _ranges([item.seq for item in result.missing]),
        )
    return ReconcileOutcome(fixture_id, result.rest_packets, len(held), len(result.missing), len(result.rejected))


def _ranges(seqs: Sequence[int]) -> str:
    if len(seqs) <= 8:
        return ", ".join(map(str, seqs))
    return f"{seqs[0]}..{seqs[-1]}"
