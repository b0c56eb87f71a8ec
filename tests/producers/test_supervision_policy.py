"""The live fixture board, backward scan windows and stream history, progress numbers, and module purity."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ddeflow.dde.enums import FixtureStatus
from ddeflow.dde.fixtures import Fixture
from ddeflow.dde.sports import Sport
from ddeflow.producers.history import HeldRecord, StreamHistory, backward_windows
from ddeflow.producers.progress import DelayHistogram, Snapshot, progress_line
from ddeflow.producers.raw_records import RawHeaders, Source, Stream
from ddeflow.producers.schedule import FixtureBoard, FixtureKey, Phase, PollAnswer
from tests.producers.packets import action

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
OLD = datetime(2026, 9, 4, 17, 0, tzinfo=UTC)


def _fixture(fixture_id: str, status: FixtureStatus, start: datetime | None = OLD) -> Fixture:
    return Fixture(id=fixture_id, status=status, start_date_utc=start)


def _key(fixture_id: str, sport: Sport = Sport.SOCCER) -> FixtureKey:
    return FixtureKey(sport, fixture_id)


def test_live_fixtures_start_once_and_scheduled_ones_wait() -> None:
    board = FixtureBoard([Sport.SOCCER], lead_s=120)
    first = board.observe(
        PollAnswer(Sport.SOCCER, [_fixture("a", FixtureStatus.LIVE)], [_fixture("b", FixtureStatus.SCHEDULED)]), NOW
    )
    assert first.start == (_key("a"),) and first.check == ()
    assert board.phase(_key("b")) is Phase.SCHEDULED
    again = board.observe(
        PollAnswer(
            Sport.SOCCER,
            [_fixture("a", FixtureStatus.LIVE), _fixture("b", FixtureStatus.LIVE)],
            [],
        ),
        NOW,
    )
    assert again.start == (_key("b"),)
    board.finish(_key("a"), ok=True)
    assert board.observe(PollAnswer(Sport.SOCCER, [_fixture("a", FixtureStatus.LIVE)], []), NOW).start == ()


def test_a_scheduled_fixture_opens_early_within_the_lead() -> None:
    board = FixtureBoard([Sport.SOCCER], lead_s=120)
    soon = _fixture("s", FixtureStatus.SCHEDULED, NOW + timedelta(seconds=90))
    later = _fixture("l", FixtureStatus.SCHEDULED, NOW + timedelta(minutes=30))
    decisions = board.observe(PollAnswer(Sport.SOCCER, [], [soon, later]), NOW)
    assert decisions.start == (_key("s"),)
    assert board.phase(_key("l")) is Phase.SCHEDULED
    assert board.observe(PollAnswer(Sport.SOCCER, [], [later]), NOW + timedelta(minutes=29)).start == (_key("l"),)


def test_a_scheduled_fixture_that_vanished_is_checked_then_started_or_dropped() -> None:
    board = FixtureBoard([Sport.SOCCER])
    scheduled = [_fixture(name, FixtureStatus.SCHEDULED) for name in ("played", "postponed", "waiting", "gone")]
    board.observe(PollAnswer(Sport.SOCCER, [], scheduled), NOW)
    decisions = board.observe(PollAnswer(Sport.SOCCER, [], []), NOW)
    assert set(decisions.check) == {_key(n) for n in ("played", "postponed", "waiting", "gone")}
    assert board.resolve_check(_key("played"), _fixture("played", FixtureStatus.COMPLETED))
    assert not board.resolve_check(_key("postponed"), _fixture("postponed", FixtureStatus.POSTPONED))
    assert not board.resolve_check(_key("waiting"), _fixture("waiting", FixtureStatus.SCHEDULED))
    assert not board.resolve_check(_key("gone"), None)
    assert board.phase(_key("played")) is Phase.STREAMING
    assert board.phase(_key("postponed")) is Phase.DONE
    assert board.phase(_key("waiting")) is Phase.SCHEDULED
    assert not board.resolve_check(_key("played"), _fixture("played", FixtureStatus.COMPLETED))  # only once


def test_settled_needs_every_sport_polled_and_nothing_pending() -> None:
    board = FixtureBoard([Sport.SOCCER, Sport.SNOOKER])
    assert not board.settled
    board.observe(PollAnswer(Sport.SOCCER, [_fixture("a", FixtureStatus.LIVE)], []), NOW)
    assert not board.settled
    board.observe(PollAnswer(Sport.SNOOKER, [], [_fixture("s", FixtureStatus.SCHEDULED)]), NOW)
    board.finish(_key("a"), ok=True)
    assert not board.settled  # the snooker fixture is still to come
    board.observe(PollAnswer(Sport.SNOOKER, [_fixture("s", FixtureStatus.LIVE)], []), NOW)
    board.finish(_key("s", Sport.SNOOKER), ok=False)
    assert board.settled
    assert board.counts()[Phase.DONE] == 1 and board.counts()[Phase.FAILED] == 1


@given(end=st.integers(0, 10**6), span=st.integers(0, 10**6), first=st.integers(1, 5000), growth=st.integers(2, 8))
def test_backward_windows_cover_the_range_exactly_newest_first(end: int, span: int, first: int, growth: int) -> None:
    low = max(0, end - span)
    windows = list(backward_windows(end, low, first, growth))
    if end <= low:
        assert windows == []
        return
    assert windows[0][1] == end and windows[-1][0] == low
    assert all(a[0] == b[1] for a, b in itertools.pairwise(windows))
    sizes = [hi - lo for lo, hi in windows]
    assert all(size > 0 for size in sizes)
    assert all(b >= a or b == sizes[-1] for a, b in itertools.pairwise(sizes))
    assert len(windows) <= 2 + math.log(max(2, span), growth)


def _held(offset: int, value: bytes, source: Source, position: int | None) -> HeldRecord:
    return HeldRecord(offset, value, RawHeaders(source, 1, Stream.ACTIONS, position))


def test_history_orders_windows_and_recovers_position_finish_and_seqs() -> None:
    history = StreamHistory(need=3)
    history.add_window(
        [_held(10, action("f", 3), Source.WS, 2), _held(12, action("f", 4, finished=True), Source.WS, 3)]
    )
    assert not history.satisfied
    history.add_window([_held(2, action("f", 1), Source.WS, 0), _held(5, action("f", 2), Source.REST, None)])
    assert history.satisfied
    assert [r.offset for r in history.records()] == [2, 5, 10, 12]
    assert [p for p, _ in history.positioned()] == [0, 2, 3]
    assert history.next_position() == 4
    assert history.finished()
    assert history.action_seqs() == {1, 2, 3, 4}


def test_history_finished_only_when_the_last_event_says_so() -> None:
    history = StreamHistory(need=1)
    history.add_window([_held(1, action("f", 9, finished=True), Source.WS, 0), _held(2, b"{trunc", Source.WS, 1)])
    assert not history.finished()
    assert StreamHistory(need=1).next_position() == 0


@given(samples=st.lists(st.integers(1, 10**11), min_size=1, max_size=300), q=st.sampled_from([0.5, 0.9, 0.99]))
def test_delay_quantiles_are_within_a_bucket_of_the_exact_ones(samples: list[int], q: float) -> None:
    histogram = DelayHistogram()
    for sample in samples:
        histogram.record(sample)
    exact = sorted(samples)[max(0, math.ceil(q * len(samples)) - 1)]
    estimate = histogram.quantile_ns(q)
    # An upper bound, at most one bucket (2 ** (1/8), about 9 %) above; everything under 1 µs shares a bucket.
    assert exact <= estimate <= max(exact * 1.0906, 1024)
    assert histogram.count == len(samples) and histogram.max_ns == max(samples)


def test_progress_line_reports_rate_and_counts() -> None:
    line = progress_line(
        streaming=120,
        reconciling=7,
        scheduled=30,
        done=50,
        failed=1,
        now=Snapshot(20.0, 3000, 12, 4),
        before=Snapshot(10.0, 1000, 2, 0),
    )
    assert line == (
        "fixtures live 120, reconciling 7, scheduled 30, done 50, failed 1; 200.0 packets/s; frames 3000; "
        "reconnects 12; gaps healed 4"
    )


PURE = (
    "pacer",
    "failures",
    "positions",
    "json_split",
    "batch_plan",
    "frames",
    "history",
    "reconcile",
    "schedule",
    "open_streams",
    "progress",
    "raw_records",
)


def test_policy_modules_import_no_io_framework() -> None:
    script = (
        "import sys\n"
        + "import ddeflow.backoff\n"
        + "".join(f"import producers.{name}\n" for name in PURE)
        + "print(sorted({m.split('.')[0] for m in sys.modules} & {'asyncio', 'websockets', 'httpx', 'aiokafka'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"
