"""The pure cores of the processors: dedupe, the sendType lifecycle, and the derived records.

Nothing here does I/O or imports aiokafka.  The Transformer
(``ddeflow.processors.transform``) keeps the states in one store per input partition
number (``ddeflow.processors.store``: a fixture's ``FixtureState`` and
``StatisticsState`` by fixtureId, an action's ``ActionState`` by fixtureId and
actionId), and for each parsed raw record calls one function::

    step = apply_action_packet(store.fixture(fid), store.action(fid, aid), packet, sport, received_at_us)
    step = apply_statistics_packet(store.statistics(fid), packet, received_at_us)

then stores the step's states (``to_dict()``), sends ``step.outputs`` in order
(each to ``record.topic(prefix)`` under ``record.key``, Avro value
``record.to_avro()`` for schema ``record.schema_name``) and counts
``step.verdict.counter_keys()``.  States are only changed by an applied part
(``verdict.action``/``verdict.summary``/``verdict.snapshot`` is ``applied``).

``retention`` says when a finished fixture's states are removed (by stream
time) and what marker stays behind.
"""

from ddeflow.processors.core.action_step import (
    ActionStep,
    action_state_records,
    advance_action,
    apply_action_packet,
    fixture_events,
    score_changes,
)
from ddeflow.processors.core.lifecycle import ActionStatus
from ddeflow.processors.core.records import (
    ActionStateRecord,
    BreakCompletion,
    FixtureEvent,
    FixtureEventType,
    Output,
    ScoreChange,
    TopicKind,
)
from ddeflow.processors.core.retention import (
    MarkedStream,
    Marker,
    RetentionPolicy,
    StreamTime,
    advance,
    fixture_is_over,
)
from ddeflow.processors.core.states import ActionState, BreakMark, FixtureState, PeriodState, StatisticsState
from ddeflow.processors.core.statistics_step import (
    StatisticsStep,
    advance_statistics,
    apply_statistics_packet,
    break_completions,
)
from ddeflow.processors.core.verdict import Anomaly, AnomalyKind, Counters, Disposition, StatisticsVerdict, Verdict

__all__ = [
    "ActionState",
    "ActionStateRecord",
    "ActionStatus",
    "ActionStep",
    "Anomaly",
    "AnomalyKind",
    "BreakCompletion",
    "BreakMark",
    "Counters",
    "Disposition",
    "FixtureEvent",
    "FixtureEventType",
    "FixtureState",
    "MarkedStream",
    "Marker",
    "Output",
    "PeriodState",
    "RetentionPolicy",
    "ScoreChange",
    "StatisticsState",
    "StatisticsStep",
    "StatisticsVerdict",
    "StreamTime",
    "TopicKind",
    "Verdict",
    "action_state_records",
    "advance",
    "advance_action",
    "advance_statistics",
    "apply_action_packet",
    "apply_statistics_packet",
    "break_completions",
    "fixture_events",
    "fixture_is_over",
    "score_changes",
]
