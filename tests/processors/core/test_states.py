"""The table values: to_dict/from_dict round trips through JSON, and corrupt values are refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ddeflow.errors import StateError
from ddeflow.processors.core import ActionState, ActionStatus, BreakMark, FixtureState, PeriodState, StatisticsState

ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
small = st.integers(min_value=0, max_value=200)
texts = st.text(max_size=20)

period_states = st.builds(
    PeriodState, id=small, home_period_score=small, away_period_score=small, started=st.booleans(), ended=st.booleans()
)
fixture_states = st.builds(
    FixtureState,
    fixture_id=texts,
    summary_seq_num=ints,
    home_score=small,
    away_score=small,
    current_period=st.none() | small,
    status=st.none() | texts,
    collection_status=st.none() | texts,
    finished=st.booleans(),
    periods=st.lists(period_states, max_size=6).map(lambda ps: tuple(sorted(ps, key=lambda p: p.id))),
)
action_states = st.builds(
    ActionState,
    action_id=texts,
    fixture_id=texts,
    status=st.sampled_from(ActionStatus),
    fixture_seq_num=ints,
    revision=st.integers(min_value=1, max_value=10**6),
    digest=st.text(alphabet="0123456789abcdef", min_size=16, max_size=16),
)
break_marks = st.builds(
    BreakMark, frame=small, break_seq=small, revision=small, digest=st.text(alphabet="0123456789abcdef", max_size=16)
)
statistics_states = st.builds(
    StatisticsState, fixture_id=texts, seq_num=ints, breaks=st.lists(break_marks, max_size=8).map(tuple)
)


def _json(value: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(value))
    return loaded


@given(fixture_states)
def test_fixture_state_round_trip(state: FixtureState) -> None:
    assert FixtureState.from_dict(_json(state.to_dict())) == state


@given(action_states)
def test_action_state_round_trip(state: ActionState) -> None:
    assert ActionState.from_dict(_json(state.to_dict())) == state


@given(statistics_states)
def test_statistics_state_round_trip(state: StatisticsState) -> None:
    assert StatisticsState.from_dict(_json(state.to_dict())) == state


GOOD_ACTION = {
    "v": 1,
    "actionId": "a",
    "fixtureId": "f",
    "status": "Confirmed",
    "fixtureSeqNum": 3,
    "revision": 1,
    "digest": "00ff",
}
GOOD_FIXTURE = {
    "v": 1,
    "fixtureId": "f",
    "summarySeqNum": 4,
    "home": 1,
    "away": 2,
    "currentPeriod": None,
    "status": "Live",
    "collectionStatus": None,
    "finished": False,
    "periods": [[1, 1, 2, True, False]],
}
GOOD_STATS = {"v": 1, "fixtureId": "f", "seqNum": 4, "breaks": [[1, 1, 1, "ab"]]}


def test_the_good_examples_read() -> None:
    assert ActionState.from_dict(GOOD_ACTION).status is ActionStatus.CONFIRMED
    assert FixtureState.from_dict(GOOD_FIXTURE).periods[0].started
    assert StatisticsState.from_dict(GOOD_STATS).breaks[0].key == (1, 1)


@pytest.mark.parametrize(
    ("cls", "good", "change"),
    [
        (ActionState, GOOD_ACTION, {"v": 2}),
        (ActionState, GOOD_ACTION, {"v": None}),
        (ActionState, GOOD_ACTION, {"status": "Voided"}),
        (ActionState, GOOD_ACTION, {"fixtureSeqNum": "3"}),
        (ActionState, GOOD_ACTION, {"revision": True}),
        (ActionState, GOOD_ACTION, {"digest": None}),
        (FixtureState, GOOD_FIXTURE, {"periods": [[1, 1, 2, True]]}),
        (FixtureState, GOOD_FIXTURE, {"periods": [[1, 1, 2, 1, 0]]}),
        (FixtureState, GOOD_FIXTURE, {"periods": {"1": 1}}),
        (FixtureState, GOOD_FIXTURE, {"home": 1.5}),
        (FixtureState, GOOD_FIXTURE, {"finished": "no"}),
        (FixtureState, GOOD_FIXTURE, {"status": 3}),
        (StatisticsState, GOOD_STATS, {"breaks": [[1, 1, 1]]}),
        (StatisticsState, GOOD_STATS, {"seqNum": None}),
    ],
)
def test_corrupt_values_raise_state_error(cls: Any, good: dict[str, Any], change: dict[str, Any]) -> None:
    with pytest.raises(StateError):
        cls.from_dict({**good, **change})


@pytest.mark.parametrize(
    ("cls", "good"), [(ActionState, GOOD_ACTION), (FixtureState, GOOD_FIXTURE), (StatisticsState, GOOD_STATS)]
)
def test_missing_keys_and_non_objects_raise_state_error(cls: Any, good: dict[str, Any]) -> None:
    for key in good:
        with pytest.raises(StateError):
            cls.from_dict({k: v for k, v in good.items() if k != key})
    with pytest.raises(StateError):
        cls.from_dict([good])
