"""The processor API's guarantees, on the test kit: state per fixture, errors to the DLQ, the circuit breaker,
state removal with the fixture, and nothing done for sports a processor does not want."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from ddeflow import topics
from ddeflow.dde import Sport
from ddeflow.errors import ProcessorError
from ddeflow.processors.api import (
    BREAKER_THRESHOLD,
    ActionEvent,
    ActionsProcessor,
    Json,
    Step,
    schema_beside,
)
from ddeflow.processors.testkit import Kit
from ddeflow.simulator.generator import generate_match

TOPIC = "test.counted"


def _counting(event: ActionEvent, state: Json) -> Step:
    if not event.applied:
        return Step(state=state)
    seen = (state["seen"] if isinstance(state, dict) and isinstance(state["seen"], int) else 0) + 1
    return Step(records=[{"fixtureId": event.fixture_id, "seen": seen}], state={"seen": seen})


def _processor(
    name: str, handle: Any, sports: frozenset[Sport] = frozenset({Sport.BASKETBALL}), topic: str = TOPIC
) -> ActionsProcessor:
    return ActionsProcessor(
        name=name,
        sports=sports,
        topic=topic,
        key="fixtureId",
        schema=schema_beside(__file__, "counted.avsc"),
        handle=handle,
    )


COUNTING = _processor("counting", _counting)


def _lines(sport: Sport = Sport.BASKETBALL, seed: int = 4) -> list[str]:
    return generate_match(sport.value, seed, 0).actions


def test_state_is_kept_per_fixture_and_dedupe_happens_before_the_processor() -> None:
    kit = Kit(COUNTING)
    first, second = _lines(seed=4), _lines(seed=5)
    kit.packets(Sport.BASKETBALL, first[:30] + first[:5] + second[:10])
    values = kit.values(TOPIC)
    assert [v["seen"] for v in values] == [*range(1, 31), *range(1, 11)]
    assert kit.state("counting", values[0]["fixtureId"]) == {"seen": 30}
    assert kit.records(TOPIC)[0].key == values[0]["fixtureId"]


def test_a_raising_processor_dead_letters_its_events_and_leaves_the_others_unchanged() -> None:
    def broken(event: ActionEvent, state: Json) -> Step:
        if event.packet.seq_num % 3 == 0:
            raise ValueError(f"cannot handle {event.packet.seq_num}")
        return _counting(event, state)

    lines = _lines()[:60]
    alone = Kit(COUNTING, builtins=True)
    alone.packets(Sport.BASKETBALL, lines)
    beside = Kit(COUNTING, _processor("broken", broken, topic="test.broken"), builtins=True)
    beside.packets(Sport.BASKETBALL, lines)

    for topic in [topics.derived_actions(Sport.BASKETBALL), topics.SCORE_CHANGES, topics.FIXTURE_EVENTS, TOPIC]:
        assert beside.records(topic) == alone.records(topic), topic
    letters = beside.dead_letters()
    failing = [line for line in lines if int(line.split('"fixtureSeqNum":')[1].split(",")[0]) % 3 == 0]
    assert len(letters) == len(failing) == beside.counters["processor.broken.errors"]
    assert {(d.origin, d.reason) for d in letters} == {("processor:broken", "processor_error")}
    assert letters[0].detail.startswith("ValueError: cannot handle ") and letters[0].value == failing[0].encode()
    # Its state moved on only where it did not fail: one count per success.
    assert [v["seen"] for v in beside.values("test.broken")] == list(range(1, len(lines) - len(failing) + 1))


def test_a_processor_failing_on_every_event_is_switched_off_loudly(caplog: pytest.LogCaptureFixture) -> None:
    def always(event: ActionEvent, state: Json) -> Step:
        raise RuntimeError("boom")

    kit = Kit(_processor("always", always), builtins=True)
    lines = _lines() + _lines(seed=6)
    assert len(lines) > BREAKER_THRESHOLD + 50
    with caplog.at_level(logging.ERROR):
        kit.packets(Sport.BASKETBALL, lines)
    assert len(kit.dead_letters()) == BREAKER_THRESHOLD == kit.counters["processor.always.errors"]
    assert kit.counters["processor.always.tripped"] == 1
    assert any("SWITCHED OFF" in r.getMessage() and "always" in r.getMessage() for r in caplog.records)
    assert len(kit.records(topics.derived_actions(Sport.BASKETBALL))) == len(lines)


def test_a_success_resets_the_breaker() -> None:
    def every_other(event: ActionEvent, state: Json) -> Step:
        if event.packet.seq_num % 2:
            raise RuntimeError("odd")
        return Step()

    kit = Kit(_processor("every-other", every_other))
    lines = _lines() + _lines(seed=6)
    kit.packets(Sport.BASKETBALL, lines)
    assert kit.counters["processor.every-other.tripped"] == 0
    assert kit.counters["processor.every-other.errors"] > BREAKER_THRESHOLD


def test_a_state_that_is_not_json_or_a_record_its_schema_refuses_is_an_error_of_that_event() -> None:
    def bad_state(event: ActionEvent, state: Json) -> Step:
        return Step(state={"when": object()})  # type: ignore[dict-item]

    def bad_record(event: ActionEvent, state: Json) -> Step:
        return Step(records=[{"fixtureId": event.fixture_id, "seen": "many"}])

    kit = Kit(_processor("bad-state", bad_state), _processor("bad-record", bad_record))
    kit.packets(Sport.BASKETBALL, _lines()[:3])
    assert kit.counters["processor.bad-state.errors"] == 3 and kit.counters["processor.bad-record.errors"] == 3
    assert kit.state("bad-state", generate_match("basketball", 4, 0).fixture_id) is None


def test_the_state_is_removed_with_the_fixture() -> None:
    kit = Kit(COUNTING, grace_s=60)
    match = generate_match("basketball", 4, 0)
    kit.packets(Sport.BASKETBALL, match.actions)
    assert kit.state("counting", match.fixture_id) is not None
    kit.packets(Sport.BASKETBALL, _lines(seed=9)[:90])  # 90 s of stream time later
    assert kit.state("counting", match.fixture_id) is None
    assert kit.counters["state.fixtures_removed"] == 1


def test_sports_a_processor_does_not_want_never_reach_it() -> None:
    calls: list[Sport] = []

    def spy(event: ActionEvent, state: Json) -> Step:
        calls.append(event.sport)
        return Step()

    kit = Kit(_processor("spy", spy))
    kit.packets(Sport.SOCCER, _lines(Sport.SOCCER)[:20])
    kit.packets(Sport.BASKETBALL, _lines()[:5])
    assert calls == [Sport.BASKETBALL] * 5


def test_declarations_are_checked() -> None:
    with pytest.raises(ProcessorError, match="lower case"):
        _processor("Bad Name", _counting)
    with pytest.raises(ProcessorError, match="names no sport"):
        _processor("none", _counting, frozenset())
    with pytest.raises(ProcessorError, match="more than one"):
        Kit(COUNTING, COUNTING)
