"""Finished fixtures' state is removed once stream time passes the grace period; a restarted worker restores markers.

The plain plan is fed with Kafka timestamps 1 ms apart (so the whole plan is a few seconds of
stream time), then every fixture gets one late re-delivery of its last packet per stream,
stamped two hours later: past the grace period of one hour, on every input topic-partition
that holds a fixture.  The worker must leave the output of the session's reference run (whose
stream time never passes a grace period), and a changelog that compacts to removed markers and
stream clocks only.  A second worker restores just that, and drops one more late packet.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from ddeflow.config import Settings
from ddeflow.processors.core import MarkedStream, Marker
from ddeflow.processors.store import decode_state
from ddeflow.processors.worker import changelog_topic
from ddeflow.producers.raw_records import Stream
from tests.infra import Infra
from tests.processors.integration.conftest import WORKER_TIMEOUT_S, Run
from tests.processors.integration.kafka_io import (
    MAX_REQUEST_BYTES,
    create_raw_topics,
    new_settings,
    options,
    read_derived,
    read_topic,
    run_until_idle,
)
from tests.processors.integration.plan import Delivery, Kind, Match

pytestmark = pytest.mark.timeout(600)

GRACE_S = 3600
# Two days ago: the records' times must lie within the raw topics' retention, or the broker's retention check,
# whenever it runs during the test, deletes them before the worker reads them.
BASE_MS = int(time.time() * 1000) - 2 * 24 * 3600 * 1000
LATE_MS = BASE_MS + 2 * GRACE_S * 1000
_OWNING = re.compile(r"owning partitions \[([\d, ]*)\] \((\d+) states\)")


async def _send(settings: Settings, stamped: list[tuple[Delivery, int]]) -> None:
    """Append the deliveries in order, each with its Kafka timestamp."""
    await create_raw_topics(settings)
    producer = AIOKafkaProducer(
        **options(settings), acks="all", enable_idempotence=True, linger_ms=5, max_request_size=MAX_REQUEST_BYTES
    )
    await producer.start()
    try:
        prefix = settings.topic_prefix
        futures = [
            await producer.send(
                item.topic(prefix), item.value, key=item.key, headers=list(item.headers(prefix)), timestamp_ms=ts
            )
            for item, ts in stamped
        ]
        for future in futures:
            await future
    finally:
        await producer.stop()


def _late(match: Match, stream: Stream, line: bytes, received_at_ns: int) -> Delivery:
    return Delivery(match.sport, stream, match.fixture_id, line, Kind.DUPLICATE, received_at_ns)


async def _changelog(settings: Settings) -> dict[tuple[int, bytes], bytes]:
    """The state changelog as compaction would leave it: per partition, the last value per key, tombstones gone."""
    folded: dict[tuple[int, bytes], bytes] = {}
    for message in await read_topic(settings, changelog_topic(settings)):
        if message.value is None:
            folded.pop((message.partition, message.key), None)
        else:
            folded[(message.partition, message.key)] = message.value
    return folded


def _restored_states(stderr: str) -> tuple[list[int], int]:
    found = _OWNING.findall(stderr)
    assert found, "the worker logged no assignment"
    numbers, states = found[-1]
    return [int(n) for n in numbers.split(",") if n.strip()], int(states)


async def test_finished_fixtures_leave_only_markers_and_a_restarted_worker_restores_only_markers(
    infra: Infra,
    e2e_matches: list[Match],
    e2e_plan: tuple[Delivery, ...],
    reference_run: Run,
    e2e_logs: Path,
    tmp_path: Path,
) -> None:
    settings = new_settings(infra, tmp_path, "evict").model_copy(update={"state_grace_s": GRACE_S})
    stamped = [(item, BASE_MS + index) for index, item in enumerate(e2e_plan)]
    late = [_late(m, Stream.ACTIONS, m.actions[-1], 1) for m in e2e_matches]
    late += [_late(m, Stream.STATISTICS, m.statistics[-1], 2) for m in e2e_matches if m.statistics]
    stamped += [(item, LATE_MS) for item in late]
    await _send(settings, stamped)

    first = await run_until_idle(settings, e2e_logs, "evict-first", timeout_s=WORKER_TIMEOUT_S)
    counters = first.counters()
    with_statistics = sum(1 for m in e2e_matches if m.statistics)
    assert counters.get("state.fixtures_removed") == len(e2e_matches), counters
    assert counters.get("state.statistics_removed") == with_statistics, counters
    assert counters.get("actions.late_for_removed_fixture") == len(e2e_matches), counters
    assert counters.get("statistics.late_for_removed_fixture") == with_statistics, counters
    assert counters.get("state.actions_removed", 0) > 100 * len(e2e_matches), counters
    derived = await read_derived(settings)
    assert derived.comparable() == reference_run.derived.comparable()

    folded = await _changelog(settings)
    kinds = {key[:2] for _, key in folded}
    assert kinds == {b"m:", b"t:"}, f"left in the changelog: {sorted(kinds)}"
    markers = [decode_state(key, value) for (_, key), value in folded.items() if key.startswith(b"m:")]
    assert all(isinstance(m, Marker) and m.removed for m in markers)
    assert len(markers) == len(e2e_matches) + with_statistics
    assert all(len(value) < 300 for value in folded.values())
    final_seqs = {
        m.fixture_id: max(json.loads(line)["fixtureAction"]["fixtureSeqNum"] for line in m.actions) for m in e2e_matches
    }
    assert {
        m.fixture_id: m.seq_num for m in markers if isinstance(m, Marker) and m.stream is MarkedStream.ACTIONS
    } == final_seqs

    # A restarted worker restores the markers and stream clocks only, and still knows the fixtures are done.
    heal = next(m for m in e2e_matches if m.statistics)
    await _send(settings, [(_late(heal, Stream.ACTIONS, heal.actions[5], 3), LATE_MS + 1000)])
    second = await run_until_idle(settings, e2e_logs, "evict-second", timeout_s=WORKER_TIMEOUT_S)
    owned, restored = _restored_states(second.stderr_path.read_text(errors="replace"))
    assert owned == list(range(6)) and restored == len(folded)
    assert second.records_in() == 1
    assert second.counters().get("actions.late_for_removed_fixture") == 1
    assert (await read_derived(settings)).comparable() == reference_run.derived.comparable()
