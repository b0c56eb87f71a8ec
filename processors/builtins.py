"""The four built-in derived topics, declared as processors on the public API (``ddeflow.processors.api``).

Each is stateless: what it needs (the action's and the fixture's states, the statistics state's break marks)
is in the event, and the derivations are the pure functions of ``ddeflow.processors.core``.  Their order is the
order of the records a packet gives: action state, score changes, fixture events (break completions come from
the other stream).
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

from ddeflow import topics
from ddeflow.dde import Sport
from ddeflow.processors.api import ActionEvent, ActionsProcessor, Json, StatisticsEvent, StatisticsProcessor, Step
from ddeflow.processors.core import action_state_records, break_completions, fixture_events, score_changes


def _schema(name: str) -> Traversable:
    return resources.files("ddeflow.schemas").joinpath(f"{name}.avsc")


def _action_states(event: ActionEvent, state: Json) -> Step:
    found = action_state_records(event.verdict, event.action_after, event.packet, event.sport, event.received_at_us)
    return Step(records=[record.to_avro() for record in found])


def _score_changes(event: ActionEvent, state: Json) -> Step:
    found = score_changes(
        event.verdict, event.fixture_before, event.fixture_after, event.packet, event.sport, event.received_at_us
    )
    return Step(records=[record.to_avro() for record in found])


def _fixture_events(event: ActionEvent, state: Json) -> Step:
    found = fixture_events(
        event.verdict, event.fixture_before, event.fixture_after, event.packet, event.sport, event.received_at_us
    )
    return Step(records=[record.to_avro() for record in found])


def _break_completions(event: StatisticsEvent, state: Json) -> Step:
    found = break_completions(event.verdict, event.before, event.after, event.packet, event.received_at_us)
    return Step(records=[record.to_avro() for record in found])


ALL_SPORTS = frozenset(Sport)

ACTION_STATES = ActionsProcessor(
    name="action-states",
    sports=ALL_SPORTS,
    topic=topics.derived_actions(Sport.SNOOKER).replace(Sport.SNOOKER.value, "{sport}"),
    key="actionId",
    schema=_schema("action_state"),
    handle=_action_states,
    stateful=False,
    compacted=True,
)
SCORE_CHANGES = ActionsProcessor(
    name="score-changes",
    sports=ALL_SPORTS,
    topic=topics.SCORE_CHANGES,
    key="fixtureId",
    schema=_schema("score_change"),
    handle=_score_changes,
    stateful=False,
)
FIXTURE_EVENTS = ActionsProcessor(
    name="fixture-events",
    sports=ALL_SPORTS,
    topic=topics.FIXTURE_EVENTS,
    key="fixtureId",
    schema=_schema("fixture_event"),
    handle=_fixture_events,
    stateful=False,
)
BREAK_COMPLETIONS = StatisticsProcessor(
    name="break-completions",
    sports=frozenset({Sport.SNOOKER}),
    topic=topics.BREAK_COMPLETIONS,
    key="fixtureId",
    schema=_schema("break_completion"),
    handle=_break_completions,
    stateful=False,
)

BUILTINS = (ACTION_STATES, SCORE_CHANGES, FIXTURE_EVENTS, BREAK_COMPLETIONS)
"""In the order their records are emitted for one packet."""
BUILTIN_NAMES = frozenset(p.name for p in BUILTINS)
