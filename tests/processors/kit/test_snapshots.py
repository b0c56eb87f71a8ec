"""The previous statistics snapshot (``wants_previous_snapshot``), on the test kit: which snapshot an event carries
through duplicates and stale re-sends, that it is kept only when asked for, removed with the fixture, restored
after a crash exactly as the uninterrupted run saw it, and that it changes nothing for the other processors."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache

from hypothesis import given
from hypothesis import strategies as st

from ddeflow.dde import Sport, StatisticsPacket, parse_statistics_packet
from ddeflow.processors.api import Json, StatisticsEvent, StatisticsProcessor, Step, Stream, schema_beside
from ddeflow.processors.store import snapshot_key
from ddeflow.processors.testkit import Kit
from ddeflow.processors.transform import SNAPSHOT_MAX_BYTES
from ddeflow.simulator.generator import generate_match
from tests.profiles import examples

SNOOKER = Sport.SNOOKER
STATISTICS = Stream.STATISTICS


@dataclass(frozen=True)
class Seen:
    seq_num: int
    applied: bool
    before: StatisticsPacket | None
    after: StatisticsPacket | None


@dataclass
class Watcher:
    """A statistics processor that writes nothing and notes the snapshots each event carries."""

    wants: bool = True
    seen: list[Seen] = field(default_factory=list)

    def handle(self, event: StatisticsEvent, state: Json) -> Step:
        self.seen.append(Seen(event.packet.seq_num, event.applied, event.snapshot_before, event.snapshot_after))
        return Step(state=state)

    def processor(self) -> StatisticsProcessor:
        return StatisticsProcessor(
            name="snapshot-watcher",
            sports=frozenset({SNOOKER}),
            topic="test.snapshot-watcher",
            key="fixtureId",
            schema=schema_beside(__file__, "counted.avsc"),
            handle=self.handle,
            stateful=False,
            wants_previous_snapshot=self.wants,
        )


@cache
def _snapshots(seed: int = 3, count: int = 40) -> tuple[str, ...]:
    """The first ``count`` statistics packets of a generated snooker match (seqNum 1, 2, ...)."""
    return tuple(generate_match(SNOOKER.value, seed, 0, statistics=True).statistics[:count])


def _parsed(line: str) -> StatisticsPacket:
    return parse_statistics_packet(line.encode())


def _fixture(line: str) -> str:
    fixture_id = json.loads(line)["fixtureId"]
    assert isinstance(fixture_id, str)
    return fixture_id


def test_an_event_carries_the_last_applied_snapshot_before_and_after_it() -> None:
    s1, s2, s3 = _snapshots()[:3]
    watcher = Watcher()
    kit = Kit(watcher.processor())
    kit.packets(SNOOKER, [s1, s2, s2, s1, s3], STATISTICS)  # a duplicate and a stale re-send in the middle
    p1, p2, p3 = _parsed(s1), _parsed(s2), _parsed(s3)
    assert watcher.seen == [
        Seen(1, True, None, p1),
        Seen(2, True, p1, p2),
        Seen(2, False, p2, p2),
        Seen(1, False, p2, p2),
        Seen(3, True, p2, p3),
    ]


def test_the_snapshot_is_kept_only_while_a_processor_asks_for_it() -> None:
    lines = _snapshots()[:3]
    key = snapshot_key(_fixture(lines[0]))
    asking, not_asking = Watcher(), Watcher(wants=False)
    kit = Kit(asking.processor())
    kit.packets(SNOOKER, lines, STATISTICS)
    assert kit.changelog()[key] is not None
    kit = Kit(not_asking.processor())
    kit.packets(SNOOKER, lines, STATISTICS)
    assert [seen.before for seen in not_asking.seen] == [None, None, None]
    assert key not in kit.changelog()


def test_the_snapshot_is_removed_with_the_fixture() -> None:
    finished = generate_match(SNOOKER.value, 5, 0, statistics=True).statistics[-3:]
    assert json.loads(finished[-1])["finished"] is True
    other = _snapshots()[:2]
    kit = Kit(Watcher().processor(), grace_s=1)
    kit.packets(SNOOKER, finished, STATISTICS)
    key = snapshot_key(_fixture(finished[0]))
    assert kit.changelog()[key] is not None
    kit.packets(SNOOKER, other, STATISTICS)  # another fixture's packets move the stream time past the grace period
    assert kit.counters["state.statistics_removed"] == 1
    assert kit.changelog()[key] is None


def test_a_snapshot_too_large_to_keep_is_counted_and_the_next_one_is_kept() -> None:
    s1, s2, s3 = (json.loads(line) for line in _snapshots()[:3])
    s1["traceId"] = "x" * SNAPSHOT_MAX_BYTES
    watcher = Watcher()
    kit = Kit(watcher.processor())
    kit.packets(SNOOKER, [s1, s2, s3], STATISTICS)
    assert kit.counters["statistics.snapshot_not_kept"] == 1
    assert [seen.before.seq_num if seen.before else None for seen in watcher.seen] == [None, None, 2]


def _run(lines: list[str], restart_after: int | None) -> tuple[list[Seen], dict[bytes, bytes | None]]:
    watcher = Watcher()
    kit = Kit(watcher.processor(), builtins=True)
    for number, line in enumerate(lines):
        if number == restart_after:
            kit.restart()
        kit.packets(SNOOKER, [line], STATISTICS)
    return watcher.seen, kit.changelog()


@given(
    picks=st.lists(st.integers(min_value=0, max_value=11), min_size=1, max_size=16),
    restart_after=st.integers(min_value=0, max_value=15),
)
@examples(ci=15, fuzz=200)
def test_after_a_crash_the_restored_snapshots_are_the_ones_the_uninterrupted_run_saw(
    picks: list[int], restart_after: int
) -> None:
    """Any order of packets (re-sends and stale ones too), restarted anywhere: the same events, snapshots
    included (parsed again from the changelog), and the same changelog."""
    lines = [_snapshots()[pick] for pick in picks]
    assert _run(lines, restart_after) == _run(lines, None)


def test_the_other_processors_records_and_state_do_not_change_when_one_asks() -> None:
    lines = list(_snapshots()[:12])
    lines = lines + lines[3:6]  # re-sends
    plain, asking = Kit(builtins=True), Kit(Watcher().processor(), builtins=True)
    for kit in (plain, asking):
        kit.match(SNOOKER, seed=3, statistics=False)
        kit.packets(SNOOKER, lines, STATISTICS)
    assert asking.records() == plain.records() and plain.records()
    kept = {key: value for key, value in asking.changelog().items() if not key.startswith(b"l:")}
    assert kept == plain.changelog()
