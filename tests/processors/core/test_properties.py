"""Properties over generated matches: arrival order and re-deliveries do not change the result,
scores never go back except through corrections, and the records tell a continuous story."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from ddeflow.dde.actions import ActionPacket
from ddeflow.dde.enums import SendType
from ddeflow.dde.parse import parse_action_packet, parse_statistics_packet
from ddeflow.dde.statistics import StatisticsPacket
from ddeflow.processors.core import (
    ActionState,
    ActionStateRecord,
    BreakCompletion,
    Disposition,
    FixtureState,
    Output,
    StatisticsState,
    Verdict,
    apply_action_packet,
    apply_statistics_packet,
)
from tests.processors.core.builders import Run, brk, packet, period, score_changes, snapshot, summary
from tests.profiles import examples
from tests.strategies import action_wires, statistics_wires, wire_bytes

SEND_TYPES: list[SendType | int] = [*SendType, 9]
CORRECTING = {"Updated", "Deleted", "Restored"}
PROPERTY_SETTINGS = examples(ci=60, fuzz=2_000)


@st.composite
def matches(draw: st.DrawFn, *, allow_decrease: bool) -> list[ActionPacket]:
    """One fixture's packets in fixtureSeqNum order: a few actions, scores per period, finished on the last."""
    count = draw(st.integers(min_value=1, max_value=25))
    seq = 0
    current = 1
    scores: dict[int, tuple[int, int]] = {1: (0, 0)}
    packets: list[ActionPacket] = []
    for index in range(count):
        seq += draw(st.integers(min_value=1, max_value=3))
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            current += 1
            scores[current] = (0, 0)
        low = -2 if allow_decrease else 0
        target = draw(st.sampled_from(sorted(scores))) if allow_decrease else current
        home, away = scores[target]
        home = max(0, home + draw(st.integers(min_value=low, max_value=3)))
        away = max(0, away + draw(st.integers(min_value=low, max_value=3)))
        scores[target] = (home, away)
        total_home = sum(h for h, _ in scores.values())
        total_away = sum(a for _, a in scores.values())
        periods = [period(p, *scores[p], ended=p < current) for p in sorted(scores)]
        packets.append(
            packet(
                seq,
                f"a{draw(st.integers(min_value=0, max_value=5))}",
                draw(st.sampled_from(SEND_TYPES)),
                summary(total_home, total_away, *periods, current_period=current),
                type_id=draw(st.sampled_from([210, 211, 22])),
                finished=index == count - 1,
            )
        )
    return packets


@st.composite
def arrivals(draw: st.DrawFn, items: Sequence[object]) -> list[int]:
    """Indices of ``items``: each at least once, some again, in any order."""
    extra = draw(st.lists(st.integers(min_value=0, max_value=len(items) - 1), max_size=len(items)))
    order: list[int] = draw(st.permutations([*range(len(items)), *extra]))
    return order


def _compacted(outputs: list[Output]) -> dict[str, ActionStateRecord]:
    """The ddeflow.dde.actions topic after compaction, without the fields that record delivery history."""
    latest: dict[str, ActionStateRecord] = {}
    for record in outputs:
        if isinstance(record, ActionStateRecord):
            latest[record.action_id] = replace(record, revision=0, anomaly=None)
    return latest


@PROPERTY_SETTINGS
@given(st.data(), matches(allow_decrease=True))
def test_arrival_order_and_redeliveries_do_not_change_the_final_state(
    data: st.DataObject, match: list[ActionPacket]
) -> None:
    in_order = Run()
    in_order.feed_all(match)
    order = data.draw(arrivals(match))
    shuffled = Run()
    shuffled.feed_all(match[i] for i in order)

    assert shuffled.fixtures == in_order.fixtures
    assert shuffled.actions.keys() == in_order.actions.keys()
    for fixture_id, action_id in in_order.actions:
        got, want = shuffled.action(action_id, fixture_id), in_order.action(action_id, fixture_id)
        assert (got.status, got.fixture_seq_num, got.digest) == (want.status, want.fixture_seq_num, want.digest)
        assert 1 <= got.revision <= want.revision
    assert _compacted(shuffled.outputs) == _compacted(in_order.outputs)
    counters = shuffled.counters()
    assert counters.get("summaries.applied") + counters.get("summaries.duplicate") + counters.get(
        "summaries.stale"
    ) == len(order)


@PROPERTY_SETTINGS
@given(st.data(), matches(allow_decrease=False))
def test_a_rising_score_never_goes_back_whatever_the_arrival_order(
    data: st.DataObject, match: list[ActionPacket]
) -> None:
    run = Run()
    run.feed_all(match[i] for i in data.draw(arrivals(match)))
    for change in score_changes(run.outputs):
        assert change.home_score >= change.previous_home_score
        assert change.away_score >= change.previous_away_score
        assert change.home_period_score >= change.previous_home_period_score
        assert change.away_period_score >= change.previous_away_period_score
        assert change.is_correction == (change.cause_send_type in CORRECTING)
    seqs = [c.fixture_seq_num for c in score_changes(run.outputs)]
    assert seqs == sorted(seqs)


def assert_score_changes_replay_to_the_summary(run: Run, fixture_id: str) -> None:
    """The fixture's score changes, applied in order from 0-0, are continuous (each starts where the last left
    off), every decrease is a correction, and they end at the score of the last applied summary."""
    match_score = (0, 0)
    period_scores: dict[int, tuple[int, int]] = {}
    packet_seq: int | None = None
    for change in score_changes(run.outputs):
        if change.fixture_id != fixture_id:
            continue
        # the records of one packet share the match score before and after it
        if change.fixture_seq_num != packet_seq:
            packet_seq = change.fixture_seq_num
            before_packet = match_score
        assert (change.previous_home_score, change.previous_away_score) == before_packet
        assert (change.previous_home_period_score, change.previous_away_period_score) == period_scores.get(
            change.period, (0, 0)
        )
        went_down = (
            change.home_score < change.previous_home_score
            or change.away_score < change.previous_away_score
            or change.home_period_score < change.previous_home_period_score
            or change.away_period_score < change.previous_away_period_score
        )
        if went_down:
            assert change.is_correction
        match_score = (change.home_score, change.away_score)
        period_scores[change.period] = (change.home_period_score, change.away_period_score)
    fixture = run.fixture(fixture_id)
    assert match_score == (fixture.home_score, fixture.away_score)
    final_periods = {state.id: (state.home_period_score, state.away_period_score) for state in fixture.periods}
    for period_id in final_periods.keys() | period_scores.keys():
        assert period_scores.get(period_id, (0, 0)) == final_periods.get(period_id, (0, 0))


@PROPERTY_SETTINGS
@given(st.data(), matches(allow_decrease=True))
def test_score_records_are_continuous_and_decreases_are_corrections(
    data: st.DataObject, match: list[ActionPacket]
) -> None:
    run = Run()
    run.feed_all(match[i] for i in data.draw(arrivals(match)))
    assert_score_changes_replay_to_the_summary(run, match[0].fixture_id)


@PROPERTY_SETTINGS
@given(st.data(), matches(allow_decrease=True))
def test_states_kept_in_memory_or_stored_as_json_give_identical_outputs(
    data: st.DataObject, match: list[ActionPacket]
) -> None:
    order = data.draw(arrivals(match))
    stored = Run()
    stored.feed_all(match[i] for i in order)

    fixtures: dict[str, FixtureState] = {}
    actions: dict[str, ActionState] = {}
    outputs: list[Output] = []
    for i in order:
        p = match[i]
        step = apply_action_packet(
            fixtures.get(p.fixture_id), actions.get(p.fixture_action.action_id), p, stored.sport, None
        )
        fixtures[p.fixture_id] = step.fixture
        actions[p.fixture_action.action_id] = step.action
        outputs.extend(step.outputs)
    assert outputs == stored.outputs
    assert [o.to_avro() for o in outputs] == [o.to_avro() for o in stored.outputs]


@st.composite
def snapshot_series(draw: st.DrawFn) -> list[StatisticsPacket]:
    """Snapshots in seqNum order of a few frames' breaks, each growing, ending, sometimes corrected."""
    count = draw(st.integers(min_value=1, max_value=12))
    keys = [(1, 1), (1, 2), (2, 1), (2, 2), (3, 1)]
    points = dict.fromkeys(keys, 0)
    ended = dict.fromkeys(keys, False)
    shown: set[tuple[int, int]] = set()
    series = []
    for seq in range(1, count + 1):
        for key in draw(st.lists(st.sampled_from(keys), max_size=3)):
            shown.add(key)
            points[key] = max(0, points[key] + draw(st.integers(min_value=-3, max_value=20)))
            ended[key] = draw(st.booleans())
        series.append(snapshot(seq, *(brk(*key, points[key], ended=ended[key]) for key in sorted(shown))))
    return series


@PROPERTY_SETTINGS
@given(st.data(), snapshot_series())
def test_break_revisions_count_up_and_end_at_the_newest_snapshot(
    data: st.DataObject, series: list[StatisticsPacket]
) -> None:
    order = data.draw(arrivals(series))
    run = Run()
    run.snapshots(*(series[i] for i in order))
    by_key: dict[tuple[int, int], list[BreakCompletion]] = {}
    for record in run.outputs:
        assert isinstance(record, BreakCompletion)
        by_key.setdefault((record.frame, record.break_seq), []).append(record)
    for records in by_key.values():
        assert [r.revision for r in records] == list(range(1, len(records) + 1))
        assert records[0].points > 0
        contents = [(r.points, r.potted_balls, r.player_id, r.started_at_us, r.ended_at_us) for r in records]
        assert all(a != b for a, b in itertools.pairwise(contents))
    newest = series[-1].advanced_sport_statistics
    assert newest is not None and newest.breaks is not None
    for b in newest.breaks:
        emitted = by_key.get((b.period_number, b.break_seq))
        if b.end_timestamp is not None and (b.score > 0 or emitted):
            assert emitted is not None and emitted[-1].points == b.score

    direct: StatisticsState | None = None
    direct_outputs: list[BreakCompletion] = []
    for i in order:
        step = apply_statistics_packet(direct, series[i], None)
        direct, direct_outputs = step.stats, [*direct_outputs, *step.outputs]
    assert direct is not None
    assert direct_outputs == run.outputs
    assert direct.to_dict() == run.statistics[direct.fixture_id]


# --- arbitrary valid packets ------------------------------------------------------------------------

Packet = ActionPacket | StatisticsPacket


def _streams(*, shared_action_ids: bool) -> st.SearchStrategy[list[Packet]]:
    """Valid packets of two fixtures, both streams mixed, with arbitrary content (see tests/strategies.py)."""
    one = st.one_of(
        action_wires(shared_action_ids=shared_action_ids).map(lambda w: parse_action_packet(wire_bytes(w))),
        statistics_wires().map(lambda w: parse_statistics_packet(wire_bytes(w))),
    )
    return st.lists(one, min_size=1, max_size=8)


def _play(packets: list[Packet], run: Run | None = None) -> Run:
    run = run if run is not None else Run()
    for p in packets:
        if isinstance(p, ActionPacket):
            run.feed(p)
        else:
            run.snapshots(p)
    return run


ARBITRARY_SETTINGS = examples(ci=500, fuzz=5_000)


@ARBITRARY_SETTINGS
@given(_streams(shared_action_ids=True))
def test_any_valid_packets_are_handled_and_every_output_fits_its_schema(packets: list[Packet]) -> None:
    run = _play(packets)  # Run checks every output against its Avro schema
    counters = run.counters()
    actions = sum(1 for p in packets if isinstance(p, ActionPacket))
    assert sum(counters.get(f"summaries.{d}") for d in ("applied", "duplicate", "stale")) == actions
    assert sum(counters.get(f"statistics.{d}") for d in ("applied", "duplicate", "stale")) == len(packets) - actions


def _older_copy(original: Packet, lower_by: int, score: int) -> Packet:
    """A re-send of ``original`` with a sequence number no higher and, when lowered, another score."""
    if isinstance(original, ActionPacket):
        fa = original.fixture_action
        seq = max(fa.fixture_seq_num - lower_by, -(2**63))
        summary = original.fixture_summary
        if seq != fa.fixture_seq_num:
            summary = replace(summary, home_team_score=score)
        return replace(original, fixture_action=replace(fa, fixture_seq_num=seq), fixture_summary=summary)
    seq = max(original.seq_num - lower_by, -(2**63))
    advanced = original.advanced_sport_statistics if seq == original.seq_num else None
    return replace(original, seq_num=seq, advanced_sport_statistics=advanced)


@ARBITRARY_SETTINGS
@given(
    _streams(shared_action_ids=False),
    st.data(),
    st.integers(min_value=0, max_value=3) | st.integers(min_value=0, max_value=2**64),
    st.integers(min_value=0, max_value=99),
)
def test_a_duplicate_or_stale_packet_changes_no_output_and_no_state(
    packets: list[Packet], data: st.DataObject, lower_by: int, score: int
) -> None:
    source = data.draw(st.integers(min_value=0, max_value=len(packets) - 1), label="re-send of")
    at = data.draw(st.integers(min_value=source + 1, max_value=len(packets)), label="inserted before")
    plain = _play(packets)
    resent = _play([*packets[:at], _older_copy(packets[source], lower_by, score), *packets[at:]])
    assert resent.outputs == plain.outputs
    assert (resent.fixtures, resent.actions, resent.statistics) == (plain.fixtures, plain.actions, plain.statistics)
    verdict = resent.verdicts[at]
    if isinstance(verdict, Verdict):
        assert Disposition.APPLIED not in (verdict.action, verdict.summary)
    else:
        assert verdict.snapshot is not Disposition.APPLIED


@ARBITRARY_SETTINGS
@given(_streams(shared_action_ids=True))
def test_score_changes_applied_in_order_reproduce_the_final_summary_score(packets: list[Packet]) -> None:
    run = _play(packets)
    for fixture_id in run.fixtures:
        assert_score_changes_replay_to_the_summary(run, fixture_id)
