"""Small builders of action packets and statistics snapshots, and a runner that plays them through the cores.

The runner keeps the three tables as dicts of ``to_dict()`` values passed through JSON,
as the changelog-backed tables would, and checks every output against its Avro schema.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import fastavro
import fastavro.validation

from ddeflow.dde.actions import ActionPacket, FixtureAction, FixtureSummary, Period
from ddeflow.dde.enums import CollectionStatus, FixtureStatus, PeriodType, SendType
from ddeflow.dde.refs import PlayerRef, TeamRef
from ddeflow.dde.sports import Sport
from ddeflow.dde.statistics import AdvancedSportStatistics, Balls, Break, StatisticsPacket
from ddeflow.processors.core import (
    ActionState,
    ActionStateRecord,
    BreakCompletion,
    Counters,
    FixtureEvent,
    FixtureState,
    Output,
    ScoreChange,
    StatisticsState,
    StatisticsVerdict,
    Verdict,
    apply_action_packet,
    apply_statistics_packet,
)
from ddeflow.topic_schemas import load_schema

T0 = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
FIXTURE = "fx-1"
HOME = TeamRef(id="team-home", name="Home", home_team=True)
AWAY = TeamRef(id="team-away", name="Away", home_team=False)

_PARSED_SCHEMAS: dict[str, Any] = {}


def parsed_schema(name: str) -> Any:
    if name not in _PARSED_SCHEMAS:
        _PARSED_SCHEMAS[name] = fastavro.parse_schema(load_schema(name))
    return _PARSED_SCHEMAS[name]


def assert_valid_avro(record: Output) -> None:
    fastavro.validation.validate(record.to_avro(), parsed_schema(record.schema_name), raise_errors=True)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def period(
    period_id: int,
    home: int = 0,
    away: int = 0,
    *,
    started: bool = True,
    ended: bool = False,
    label: str | None = None,
    type_raw: str = "Regular",
) -> Period:
    """A period whose own score is home-away; the cumulative score fields are not used by the cores."""
    return Period(
        id=period_id,
        label=label if label is not None else f"P{period_id}",
        type=PeriodType.from_raw(type_raw),
        type_raw=type_raw,
        start=at(period_id * 1000) if started else None,
        end=at(period_id * 1000 + 900) if ended else None,
        home_team_period_score=home,
        away_team_period_score=away,
    )


def summary(
    home: int = 0,
    away: int = 0,
    *periods: Period,
    current_period: int | None = None,
    status: str | None = "Live",
    collection: str | None = None,
) -> FixtureSummary:
    if current_period is None and periods:
        current_period = max(p.id for p in periods)
    return FixtureSummary(
        home_team_score=home,
        away_team_score=away,
        current_period=current_period,
        current_status=FixtureStatus.from_raw(status),
        current_status_raw=status,
        collection_status=CollectionStatus.from_raw(collection),
        collection_status_raw=collection,
        periods=periods,
    )


def packet(
    seq: int,
    action_id: str = "a-1",
    send: SendType | int = SendType.CONFIRMED,
    fixture_summary: FixtureSummary | None = None,
    *,
    type_id: int = 210,
    type_name: str | None = "2PT Shot",
    finished: bool = False,
    fixture_id: str = FIXTURE,
    period_id: int = 1,
    team: TeamRef | None = HOME,
    player: PlayerRef | None = None,
    related: tuple[str, ...] = (),
    send_type_name: str | None = None,
) -> ActionPacket:
    """An action packet; ``send`` may be a raw id that is not a SendType (e.g. 9)."""
    send_type = SendType.from_wire(int(send), None)
    return ActionPacket(
        version=3,
        finished=finished,
        fixture_action=FixtureAction(
            action_id=action_id,
            fixture_id=fixture_id,
            fixture_seq_num=seq,
            fixture_action_type_id=type_id,
            fixture_action_type=type_name,
            send_type=send_type,
            send_type_id=int(send),
            send_type_name=send_type_name if send_type_name is not None else send_type.wire_name,
            period=period_id,
            clock_time="10:00",
            timestamp=at(seq),
            related_fixture_action_ids=related,
            team=team,
            player=player,
        ),
        fixture_summary=fixture_summary if fixture_summary is not None else summary(),
    )


def brk(
    frame: int,
    seq: int,
    points: int,
    *,
    player: str = "p-1",
    name: str | None = "Bob Smith",
    ended: bool = True,
    start_s: float | None = None,
) -> Break:
    """A break worth ``points``, potted as reds and blacks; ``ended=False`` leaves the end out, as a
    snapshot of a break in progress does."""
    black = points // 8
    red = black + points % 8  # each red followed by a black, then loose reds
    start = at(start_s if start_s is not None else frame * 1000 + seq * 60)
    return Break(
        score=points,
        break_seq=seq,
        player_id=player,
        player_name=name,
        potted_balls=Balls(red=red, black=black),
        start_timestamp=start,
        end_timestamp=start + timedelta(seconds=45) if ended else None,
        period_number=frame,
    )


def snapshot(seq: int, *breaks: Break, fixture_id: str = FIXTURE, with_breaks_block: bool = True) -> StatisticsPacket:
    return StatisticsPacket(
        seq_num=seq,
        version=2,
        finished=False,
        fixture_id=fixture_id,
        timestamp=at(seq),
        advanced_sport_statistics=AdvancedSportStatistics(breaks=tuple(breaks) if with_breaks_block else None),
    )


def _through_json(value: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(value, sort_keys=True))
    return loaded


@dataclass
class Run:
    """Plays packets through the cores with states stored as JSON and keyed as the worker's store keys them."""

    sport: Sport = Sport.BASKETBALL
    fixtures: dict[str, dict[str, Any]] = field(default_factory=dict)
    actions: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    statistics: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: list[Output] = field(default_factory=list)
    verdicts: list[Verdict | StatisticsVerdict] = field(default_factory=list)

    def feed(self, *packets: ActionPacket, received_at_us: int | None = None) -> list[Output]:
        """Apply each packet; the outputs of these packets, in order."""
        produced: list[Output] = []
        for p in packets:
            stored_fixture = self.fixtures.get(p.fixture_id)
            stored_action = self.actions.get((p.fixture_id, p.fixture_action.action_id))
            step = apply_action_packet(
                FixtureState.from_dict(stored_fixture) if stored_fixture is not None else None,
                ActionState.from_dict(stored_action) if stored_action is not None else None,
                p,
                self.sport,
                received_at_us,
            )
            self.fixtures[p.fixture_id] = _through_json(step.fixture.to_dict())
            self.actions[p.fixture_id, p.fixture_action.action_id] = _through_json(step.action.to_dict())
            self.verdicts.append(step.verdict)
            produced.extend(step.outputs)
        return self._emit(produced)

    def feed_all(self, packets: Iterable[ActionPacket]) -> list[Output]:
        return self.feed(*packets)

    def snapshots(self, *packets: StatisticsPacket, received_at_us: int | None = None) -> list[BreakCompletion]:
        produced: list[BreakCompletion] = []
        for p in packets:
            stored = self.statistics.get(p.fixture_id)
            step = apply_statistics_packet(
                StatisticsState.from_dict(stored) if stored is not None else None, p, received_at_us
            )
            self.statistics[p.fixture_id] = _through_json(step.stats.to_dict())
            self.verdicts.append(step.verdict)
            produced.extend(step.outputs)
        self._emit(produced)
        return produced

    def _emit(self, produced: Sequence[Output]) -> list[Output]:
        for record in produced:
            assert_valid_avro(record)
        self.outputs.extend(produced)
        return list(produced)

    # --- views -------------------------------------------------------------------------

    def fixture(self, fixture_id: str = FIXTURE) -> FixtureState:
        return FixtureState.from_dict(self.fixtures[fixture_id])

    def action(self, action_id: str, fixture_id: str = FIXTURE) -> ActionState:
        return ActionState.from_dict(self.actions[fixture_id, action_id])

    def action_verdicts(self) -> list[Verdict]:
        return [v for v in self.verdicts if isinstance(v, Verdict)]

    @property
    def last_verdict(self) -> Verdict:
        verdict = self.verdicts[-1]
        assert isinstance(verdict, Verdict)
        return verdict

    def counters(self) -> Counters:
        totals = Counters()
        for verdict in self.verdicts:
            totals = totals.add(verdict)
        return totals


def action_records(outputs: Iterable[Output]) -> list[ActionStateRecord]:
    return [o for o in outputs if isinstance(o, ActionStateRecord)]


def score_changes(outputs: Iterable[Output]) -> list[ScoreChange]:
    return [o for o in outputs if isinstance(o, ScoreChange)]


def fixture_events(outputs: Iterable[Output]) -> list[FixtureEvent]:
    return [o for o in outputs if isinstance(o, FixtureEvent)]


def event_names(outputs: Iterable[Output]) -> list[str]:
    return [f"{e.event_type.value}:{e.period if e.period is not None else e.current}" for e in fixture_events(outputs)]
