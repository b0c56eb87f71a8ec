"""Removal of finished fixtures' state by stream time: the rule, markers, late packets, tombstones, restore.

Pure: generated matches go through the ``Transformer`` and a ``PartitionStore`` as the
worker would send them, with Kafka record timestamps set by the test.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from ddeflow import topics
from ddeflow.config import load_settings
from ddeflow.processors.core import ActionState, FixtureState, MarkedStream, Marker, RetentionPolicy, fixture_is_over
from ddeflow.processors.store import PartitionStore, decode_state, encode_state, marker_key, stream_time_key
from ddeflow.processors.transform import Transformer, retention_policy
from ddeflow.producers.raw_records import RawRecord
from ddeflow.simulator.generator import GeneratedMatch, generate_match
from tests.processors.worker.support import PREFIX, codec

GRACE_MS = 60_000
MARKER_MS = 600_000
POLICY = RetentionPolicy(grace_ms=GRACE_MS, marker_ms=MARKER_MS)
VOLLEYBALL = PREFIX + "dde.raw.volleyball.actions"
SNOOKER = PREFIX + "dde.raw.snooker.actions"
SNOOKER_STATS = PREFIX + "dde.raw.snooker.statistics"
STEP_MS = 1_000
OVER = ("Completed", "Abandoned", "Cancelled")


@cache
def _match(sport: str, index: int) -> GeneratedMatch:
    return generate_match(sport, 5, index)


def _record(topic: str, match: GeneratedMatch, value: str | bytes, offset: int, timestamp_ms: int) -> RawRecord:
    data = value.encode() if isinstance(value, str) else value
    headers = (("received-at-ns", str(1_700_000_000_000_000_000 + offset).encode()),)
    return RawRecord(topic, 0, offset, match.fixture_id.encode(), data, headers, timestamp_ms=timestamp_ms)


def _stream(topic: str, match: GeneratedMatch, lines: Sequence[str], start_ms: int) -> list[RawRecord]:
    """One fixture's packets on ``topic``, STEP_MS apart from ``start_ms``."""
    return [_record(topic, match, line, i, start_ms + i * STEP_MS) for i, line in enumerate(lines)]


def _seq(line: str) -> int:
    return int(json.loads(line)["fixtureAction"]["fixtureSeqNum"])


def _over_at(lines: Sequence[str]) -> int:
    """Index of the first packet saying the match is over (finished, or a final status), read from the JSON."""
    for index, line in enumerate(lines):
        packet = json.loads(line)
        summary = packet["fixtureSummary"]
        if packet.get("finished") or summary.get("finished") or summary.get("currentStatus") in OVER:
            return index
    raise AssertionError("the match never ends")


class Run:
    """A transformer and a store; ``feed`` applies records and commits after each, as one transaction each."""

    def __init__(self, policy: RetentionPolicy = POLICY) -> None:
        self.transformer = Transformer(PREFIX, codec(), policy)
        self.store = PartitionStore()
        self.changelog: list[tuple[bytes, bytes | None]] = []

    def feed(self, records: Iterable[RawRecord]) -> list[tuple[str, bytes | None, bytes]]:
        out = []
        for record in records:
            out += [(o.topic, o.key, o.value) for o in self.transformer.handle(record, self.store)]
            self.commit()
        return out

    def commit(self) -> None:
        self.changelog += list(self.store.pending())
        self.store.commit()

    def kinds(self) -> Counter[bytes]:
        """How many committed keys of each kind, by folding the changelog as compaction would."""
        return Counter(key[:2] for key in _fold(self.changelog))


def _fold(changelog: Iterable[tuple[bytes, bytes | None]]) -> dict[bytes, bytes]:
    folded: dict[bytes, bytes] = {}
    for key, value in changelog:
        if value is None:
            folded.pop(key, None)
        else:
            folded[key] = value
    return folded


def _restored(changelog: Iterable[tuple[bytes, bytes | None]]) -> PartitionStore:
    store = PartitionStore()
    for key, value in changelog:
        store.restore(key, value)
    return store


def test_a_finished_fixture_keeps_its_state_through_the_grace_period_then_leaves_only_a_marker() -> None:
    match = _match("volleyball", 0)
    run = Run()
    records = _stream(VOLLEYBALL, match, match.actions, 0)
    run.feed(records)
    over = _over_at(match.actions)
    finished_at = records[over].timestamp_ms
    marker = run.store.marker(MarkedStream.ACTIONS, match.fixture_id)
    assert marker == Marker(
        fixture_id=match.fixture_id,
        stream=MarkedStream.ACTIONS,
        topic=VOLLEYBALL,
        finished_at_ms=finished_at,
        seq_num=_seq(match.actions[over]),
        removed=False,
    )
    kept = run.kinds()
    assert kept[b"a:"] == len({json.loads(line)["fixtureAction"]["actionId"] for line in match.actions})

    # A re-delivery just before the grace period ends is handled as before: a duplicate.
    last = match.actions[-1]
    assert run.feed([_record(VOLLEYBALL, match, last, 900, finished_at + GRACE_MS - 1)]) == []
    assert run.transformer.counters["actions.duplicate"] == 1
    assert run.kinds() == kept

    # At the end of the grace period every state of the fixture goes, with a tombstone each.
    run.feed([_record(VOLLEYBALL, match, last, 901, finished_at + GRACE_MS)])
    tombstones = {key for key, value in run.changelog[-(kept[b"a:"] + 3) :] if value is None}
    assert len(tombstones) == kept[b"a:"] + 1
    assert run.kinds() == Counter({b"m:": 1, b"t:": 1})
    assert run.store.fixture(match.fixture_id) is None
    removed = run.store.marker(MarkedStream.ACTIONS, match.fixture_id)
    assert removed is not None and removed.removed and removed.seq_num == _seq(match.actions[-1])
    assert len(encode_state(removed)) < 200
    counters = run.transformer.counters
    assert counters["state.fixtures_removed"] == 1 and counters["state.actions_removed"] == kept[b"a:"]
    # That re-delivery came after the removal: late, dropped.
    assert counters["actions.late_for_removed_fixture"] == 1


def test_a_late_packet_for_a_removed_fixture_is_counted_and_dropped_never_taken_for_new() -> None:
    match = _match("volleyball", 1)
    run = Run()
    records = _stream(VOLLEYBALL, match, match.actions, 0)
    run.feed(records)
    after = records[_over_at(match.actions)].timestamp_ms + GRACE_MS
    # A REST heal of an early action and a packet with a new, higher fixtureSeqNum: both late.
    healed = json.loads(match.actions[3])
    newer = json.loads(match.actions[-1])
    newer["fixtureAction"]["fixtureSeqNum"] += 1
    newer["fixtureAction"]["actionId"] = "never-seen"
    late = [healed, newer]
    out = run.feed(_record(VOLLEYBALL, match, json.dumps(p), 1000 + i, after + i) for i, p in enumerate(late))
    assert out == []
    assert run.transformer.counters["actions.late_for_removed_fixture"] == 2
    assert run.kinds() == Counter({b"m:": 1, b"t:": 1})
    assert run.store.action(match.fixture_id, "never-seen") is None


def test_a_marker_goes_once_the_raw_retention_has_passed_after_the_removal() -> None:
    match = _match("volleyball", 2)
    run = Run()
    records = _stream(VOLLEYBALL, match, match.actions, 0)
    run.feed(records)
    finished_at = records[_over_at(match.actions)].timestamp_ms
    other = _match("volleyball", 3)
    tick = other.actions[0]
    run.feed([_record(VOLLEYBALL, other, tick, 500, finished_at + GRACE_MS + MARKER_MS - 1)])
    assert run.store.marker(MarkedStream.ACTIONS, match.fixture_id) is not None
    run.feed([_record(VOLLEYBALL, other, other.actions[1], 501, finished_at + GRACE_MS + MARKER_MS)])
    assert run.store.marker(MarkedStream.ACTIONS, match.fixture_id) is None
    assert (marker_key(MarkedStream.ACTIONS, match.fixture_id), None) in run.changelog
    assert run.transformer.counters["state.markers_expired"] == 1
    assert run.kinds()[b"m:"] == 0


def test_stream_time_is_per_input_topic() -> None:
    """A late timestamp on another topic of the same partition removes nothing of this one."""
    match = _match("snooker", 0)
    run = Run()
    run.feed(_stream(SNOOKER, match, match.actions, 0))
    stats = _stream(SNOOKER_STATS, match, match.statistics[-3:], 10**9)  # far later, on the statistics topic
    run.feed(stats)
    other = _match("volleyball", 4)
    run.feed([_record(VOLLEYBALL, other, other.actions[0], 0, 10**10)])
    assert run.store.fixture(match.fixture_id) is not None
    assert run.store.statistics(match.fixture_id) is not None  # its statistics finished, but the grace is ahead
    assert run.transformer.counters["state.fixtures_removed"] == 0
    assert run.store.stream_time(SNOOKER) == (len(match.actions) - 1) * STEP_MS
    assert run.store.stream_time(SNOOKER_STATS) == stats[-1].timestamp_ms


def test_the_statistics_stream_is_removed_by_its_own_finished_and_its_own_stream_time() -> None:
    match = _match("snooker", 1)
    run = Run()
    stats = _stream(SNOOKER_STATS, match, match.statistics[-3:], 0)
    run.feed(stats)
    marker = run.store.marker(MarkedStream.STATISTICS, match.fixture_id)
    assert marker is not None and not marker.removed
    assert marker.seq_num == json.loads(match.statistics[-1])["seqNum"]
    run.feed([_record(SNOOKER_STATS, match, match.statistics[-1], 9, stats[-1].timestamp_ms + GRACE_MS)])
    assert run.store.statistics(match.fixture_id) is None
    assert run.transformer.counters["state.statistics_removed"] == 1
    assert run.transformer.counters["statistics.late_for_removed_fixture"] == 1
    assert run.store.marker(MarkedStream.ACTIONS, match.fixture_id) is None  # its actions never ran here


def _fixture(status: str | None, finished: bool) -> FixtureState:
    return FixtureState(
        fixture_id="f",
        summary_seq_num=1,
        home_score=0,
        away_score=0,
        current_period=None,
        status=status,
        collection_status=None,
        finished=finished,
    )


def test_a_fixture_is_over_when_finished_or_completed_abandoned_or_cancelled() -> None:
    assert fixture_is_over(_fixture(None, True))
    for status in ("Completed", "Abandoned", "Cancelled"):
        assert fixture_is_over(_fixture(status, False)), status
    for status in (None, "Live", "Suspended", "Postponed", "Unverified", "Nonsense"):
        assert not fixture_is_over(_fixture(status, False)), status


def test_pending_yields_tombstones_and_a_discard_keeps_removal_due() -> None:
    match = _match("volleyball", 5)
    run = Run()
    records = _stream(VOLLEYBALL, match, match.actions, 0)
    run.feed(records)
    tick = _record(VOLLEYBALL, match, match.actions[-1], 999, records[-1].timestamp_ms + GRACE_MS)
    run.transformer.handle(tick, run.store)
    pending = dict(run.store.pending())
    assert [key[:2] for key, value in pending.items() if value is None].count(b"a:") > 0
    assert pending[marker_key(MarkedStream.ACTIONS, match.fixture_id)] is not None
    run.store.discard()  # the transaction aborted: nothing was removed, and it is due again
    assert run.store.fixture(match.fixture_id) is not None
    run.transformer.handle(tick, run.store)
    assert dict(run.store.pending()) == pending


def test_restore_from_a_changelog_with_tombstones_and_markers_gives_the_same_store() -> None:
    first, second = _match("volleyball", 6), _match("volleyball", 7)
    run = Run()
    records = _stream(VOLLEYBALL, first, first.actions, 0)
    records += _stream(VOLLEYBALL, second, second.actions[:50], records[-1].timestamp_ms + GRACE_MS)
    run.feed(records)
    assert any(value is None for _, value in run.changelog)
    restored = _restored(run.changelog)
    folded = _fold(run.changelog)
    assert len(restored) == len(folded)
    assert restored.fixture(first.fixture_id) is None and restored.fixture(second.fixture_id) is not None
    assert restored.marker(MarkedStream.ACTIONS, first.fixture_id) == run.store.marker(
        MarkedStream.ACTIONS, first.fixture_id
    )
    # The restored store's indexes are rebuilt: the second fixture's actions are known and go when it is over.
    rest = _stream(VOLLEYBALL, second, second.actions[50:], records[-1].timestamp_ms + STEP_MS)
    live, again = Run(), Run()
    again.store = restored
    live.store = _restored(run.changelog)
    tick = [_record(VOLLEYBALL, second, second.actions[-1], 5000, rest[-1].timestamp_ms + GRACE_MS)]
    assert again.feed(rest + tick) == live.feed(rest + tick)
    assert again.kinds() == live.kinds()
    assert again.store.fixture(second.fixture_id) is None
    assert restored.actions_of(second.fixture_id) == []
    assert sum(1 for key in _fold(run.changelog + again.changelog) if key[:2] in (b"a:", b"f:")) == 0


# --- determinism across interleavings ---------------------------------------------------------


@dataclass(frozen=True)
class Streams:
    """Per input topic-partition, its records in their fixed order."""

    by_topic: dict[str, list[RawRecord]]


@cache
def _streams() -> Streams:
    """Two volleyball fixtures and a snooker fixture (actions and statistics) in partition 0, with late packets.

    The first volleyball fixture ends while the second runs; its grace passes while the second
    is still running, and a REST heal of it arrives after that.  Snooker's statistics end and
    are removed on their own topic's clock.
    """
    a, b, s = _match("volleyball", 8), _match("volleyball", 9), _match("snooker", 2)
    volleyball = _stream(VOLLEYBALL, a, a.actions, 0)
    end_a = volleyball[-1].timestamp_ms
    volleyball += _stream(VOLLEYBALL, b, b.actions[:120], end_a - 100 * STEP_MS)
    volleyball.append(_record(VOLLEYBALL, a, a.actions[7], 7000, end_a + GRACE_MS // 2))  # within the grace
    volleyball += _stream(VOLLEYBALL, b, b.actions[120:], volleyball[-1].timestamp_ms + GRACE_MS)
    volleyball.append(_record(VOLLEYBALL, a, a.actions[9], 7001, volleyball[-1].timestamp_ms))  # after: late
    snooker = _stream(SNOOKER, s, s.actions[:40], 0)
    stats = _stream(SNOOKER_STATS, s, s.statistics[-6:], 0)
    stats.append(_record(SNOOKER_STATS, s, s.statistics[-1], 8000, stats[-1].timestamp_ms + GRACE_MS))
    return Streams({VOLLEYBALL: volleyball, SNOOKER: snooker, SNOOKER_STATS: stats})


def _interleave(streams: Streams, picks: list[int]) -> list[RawRecord]:
    """Merge the per-topic sequences, taking the next record of the topic ``picks`` says (mod the ones left)."""
    queues = {topic: list(records) for topic, records in streams.by_topic.items()}
    merged: list[RawRecord] = []
    step = 0
    while any(queues.values()):
        left = sorted(topic for topic, queue in queues.items() if queue)
        topic = left[picks[step % len(picks)] % len(left)] if picks else left[0]
        merged.append(queues[topic].pop(0))
        step += 1
    return merged


def _per_record_outputs(
    records: list[RawRecord], commits: set[int], restarts: set[int]
) -> tuple[dict[tuple[str, int], list[tuple[str, bytes | None, bytes]]], dict[bytes, bytes], Counter[str]]:
    """Each record's outputs by (topic, offset); the folded changelog; the late/removal counters."""
    transformer = Transformer(PREFIX, codec(), POLICY)
    store = PartitionStore()
    changelog: list[tuple[bytes, bytes | None]] = []
    outputs: dict[tuple[str, int], list[tuple[str, bytes | None, bytes]]] = {}
    for index, record in enumerate(records):
        outs = transformer.handle(record, store)
        outputs[(record.topic, record.offset)] = [(o.topic, o.key, o.value) for o in outs]
        if index in commits or index == len(records) - 1:
            changelog += list(store.pending())
            store.commit()
            if index in restarts:
                store = _restored(changelog)
    counters = Counter({k: v for k, v in transformer.counters.items() if k.startswith(("state.", "actions.", "stat"))})
    return outputs, _fold(changelog), counters


@cache
def _reference() -> tuple[
    dict[tuple[str, int], list[tuple[str, bytes | None, bytes]]], dict[bytes, bytes], Counter[str]
]:
    """One topic after the other, one transaction per record."""
    return _per_record_outputs(_interleave(_streams(), []), set(range(10_000)), set())


@settings(max_examples=20, deadline=None)
@given(
    picks=st.lists(st.integers(min_value=0, max_value=2), max_size=60),
    commits=st.sets(st.integers(min_value=0, max_value=700), max_size=40),
    restarts=st.sets(st.integers(min_value=0, max_value=700), max_size=5),
)
def test_every_record_gets_the_same_outcome_whatever_the_interleaving_of_topics_and_transactions(
    picks: list[int], commits: set[int], restarts: set[int]
) -> None:
    reference = _reference()
    outputs, folded, counters = _per_record_outputs(_interleave(_streams(), picks), commits, restarts & commits)
    assert outputs == reference[0]
    assert folded == reference[1]
    assert counters == reference[2]
    assert counters["state.fixtures_removed"] == 1 and counters["state.statistics_removed"] == 1
    assert counters["actions.late_for_removed_fixture"] == 1
    assert counters["statistics.late_for_removed_fixture"] == 1


def test_the_marker_lifetime_is_the_raw_retention() -> None:
    policy = retention_policy(load_settings(DDEFLOW_STATE_GRACE_S="7"))
    assert policy == RetentionPolicy(grace_ms=7000, marker_ms=topics.RAW_RETENTION_MS)
    spec = topics.raw_topics()[0]
    assert spec.config["retention.ms"] == str(topics.RAW_RETENTION_MS)
    assert load_settings().state_grace_s == 6 * 3600


def test_state_keys_decode_to_their_kinds() -> None:
    state = ActionState.from_dict(
        {
            "v": 1,
            "actionId": "x",
            "fixtureId": "f",
            "status": "Pending",
            "fixtureSeqNum": 1,
            "revision": 1,
            "digest": "d",
        }
    )
    assert decode_state(b"a:x", encode_state(state)) == state
    time_key = stream_time_key("t")
    assert decode_state(time_key, b'{"v":1,"topic":"t","ms":5}').ms == 5  # type: ignore[union-attr]
