"""The replay's range model: parsing bounds, filters and the per-partition plan, without Kafka."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ddeflow.dde.sports import Sport
from ddeflow.errors import ConfigError
from ddeflow.processors.replay_range import (
    EPOCH_MS_FLOOR,
    AllOffsets,
    Filters,
    PartitionOffsets,
    Plan,
    Request,
    Span,
    Timestamp,
    describe,
    make_filters,
    make_plan,
    parse_bound,
)

P = "x."
SOCCER_ACTIONS = "x.dde.raw.soccer.actions"


def test_a_bare_number_is_one_offset_for_every_partition() -> None:
    assert parse_bound("0") == AllOffsets(0)
    assert parse_bound("123") == AllOffsets(123)
    assert parse_bound(str(EPOCH_MS_FLOOR - 1)) == AllOffsets(EPOCH_MS_FLOOR - 1)


def test_a_bare_number_of_epoch_milliseconds_is_a_timestamp() -> None:
    assert parse_bound("1764612000000") == Timestamp(1764612000000)
    assert parse_bound(str(EPOCH_MS_FLOOR)) == Timestamp(EPOCH_MS_FLOOR)


def test_offsets_per_partition() -> None:
    bound = parse_bound("p1=456,p0=123")
    assert bound == PartitionOffsets(((0, 123), (1, 456)))
    assert isinstance(bound, PartitionOffsets) and bound.get(1) == 456 and bound.get(2) is None


def test_iso_times_with_and_without_a_zone() -> None:
    expected = int(datetime(2026, 12, 1, 18, 0, tzinfo=UTC).timestamp() * 1000)
    assert parse_bound("2026-12-01T18:00:00Z") == Timestamp(expected)
    assert parse_bound("2026-12-01T19:00:00+01:00") == Timestamp(expected)
    assert parse_bound("2026-12-01T18:00:00") == Timestamp(expected)  # no zone: UTC
    assert parse_bound("2026-12-01T18:00:00.250Z") == Timestamp(expected + 250)


@pytest.mark.parametrize("text", ["p0=1,p0=2", "p0=x", "p=1", "yesterday", "-5", "p0=1;p1=2"])
def test_bad_bounds_say_what_is_expected(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_bound(text, what="--from")


def test_filters_select_topics_and_fixtures() -> None:
    every = Filters().topics(P)
    assert len(every) == 2 * len(Sport)
    chosen = make_filters(["snooker", "soccer"], "statistics", ["9", "7", "9"])
    assert chosen.topics(P) == ["x.dde.raw.soccer.statistics", "x.dde.raw.snooker.statistics"]
    assert chosen.fixtures == ("7", "9")
    assert chosen.keeps(b"7") and not chosen.keeps(b"8") and not chosen.keeps(None)
    assert Filters().keeps(None)
    with pytest.raises(ConfigError):
        make_filters(["cricket"], None, [])
    with pytest.raises(ConfigError):
        make_filters([], "media", [])


def _plan(
    start: str | None, end: str | None, *, warm_up: bool = False, at: dict[int, int | None] | None = None
) -> Plan:
    request = Request(P, start, end, make_filters(["soccer"], "actions", []), warm_up)
    earliest = {(SOCCER_ACTIONS, p): 10 * p for p in range(3)}
    latest = {(SOCCER_ACTIONS, p): 100 + p for p in range(3)}
    first = parse_bound(start) if start is not None else None
    last = parse_bound(end) if end is not None else None
    at_time = {ms: {(SOCCER_ACTIONS, p): offset for p in range(3)} for ms, offset in (at or {}).items()}
    return make_plan(request, first, last, 3, earliest, latest, at_time)


def test_defaults_are_the_earliest_kept_and_the_last_stable_offsets() -> None:
    plan = _plan(None, None)
    assert [(s.partition, s.start, s.end) for s in plan.spans] == [(0, 0, 100), (1, 10, 101), (2, 20, 102)]
    assert plan.count == 100 + 91 + 82


def test_from_is_inclusive_and_to_exclusive() -> None:
    plan = _plan("30", "40")
    assert all((s.start, s.end, s.count) == (30, 40, 10) for s in plan.spans)


def test_offsets_outside_the_topic_are_clamped() -> None:
    plan = _plan("5", "500")
    assert [(s.start, s.end) for s in plan.spans] == [(5, 100), (10, 101), (20, 102)]


def test_per_partition_offsets_replay_only_the_partitions_named() -> None:
    plan = _plan("p0=50,p2=60", "p0=70")
    assert [(s.partition, s.start, s.end) for s in plan.spans] == [(0, 50, 70), (2, 60, 102)]


def test_a_partition_that_does_not_exist_is_refused() -> None:
    with pytest.raises(ConfigError, match="partition 7"):
        _plan("p7=1", None)


def test_from_after_to_is_refused() -> None:
    with pytest.raises(ConfigError, match="after"):
        _plan("60", "50")


def test_timestamps_take_the_offsets_offsets_for_times_gave() -> None:
    plan = _plan("1764612000000", "1764615600000", at={1764612000000: 42, 1764615600000: None})
    # No record at or after the end time: the end is the last stable offset.
    assert [(s.start, s.end) for s in plan.spans] == [(42, 100), (42, 101), (42, 102)]


def test_warm_up_reads_from_the_earliest_offset_but_emits_from_the_start() -> None:
    plan = _plan("50", None, warm_up=True)
    assert [(s.warm_from, s.start, s.warm_count) for s in plan.spans] == [(0, 50, 50), (10, 50, 40), (20, 50, 30)]
    assert plan.reads == plan.count + 120
    assert not _plan("50", None).request.warm_up and _plan("50", None).reads == _plan("50", None).count


def test_a_stored_plan_reads_back_for_the_same_request_only() -> None:
    plan = _plan("30", None)
    assert Plan.from_json(plan.to_json(), plan.request) == plan
    other = Request(P, "31", None, plan.request.filters, False)
    with pytest.raises(ConfigError, match="another request"):
        Plan.from_json(plan.to_json(), other)


def test_describe_lists_every_span_and_the_total() -> None:
    plan = Plan(
        Request(P, None, None, Filters(fixtures=("7",)), False),
        (Span(SOCCER_ACTIONS, 0, 3, 3, 8), Span(SOCCER_ACTIONS, 1, 0, 0, 0)),
    )
    lines = describe(plan)
    assert lines[0].split() == ["TOPIC", "PARTITION", "FROM", "TO", "(excl.)", "COUNT", "WARM-UP"]
    assert lines[1].split() == [SOCCER_ACTIONS, "0", "3", "8", "5", "0"]
    assert lines[2].split() == [SOCCER_ACTIONS, "1", "0", "0", "0", "0"]
    assert lines[3] == "total 5 offsets in range; only fixtures 7"
