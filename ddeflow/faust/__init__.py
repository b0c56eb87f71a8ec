"""ddeflow for downstream Faust apps (the ``faust`` extra: ``pip install 'ddeflow[faust]'``).

- ``records``: a ``faust.Record`` for the values of each of ddeflow's Avro topics.
- ``codec``: the Confluent wire format through the schema registry, as a Faust codec and topic schema.
- ``transport``: a consumer that reads only committed records (``read_committed``).
- ``app``: ``app_options`` for ``faust.App`` and ``DdeflowTopics``, ddeflow's topics under the deployment's prefix.

ddeflow itself never imports this package: it needs faust-streaming, which only the extra installs.
"""

from ddeflow.faust.app import DdeflowTopics, app_options, avro_bindings, broker_urls
from ddeflow.faust.codec import RecordCodec, RegistrySchema
from ddeflow.faust.records import (
    BY_SCHEMA,
    ActionState,
    BreakCompletion,
    FeedStatus,
    FixtureEvent,
    PottedBalls,
    ScoreChange,
    ScoringRun,
    SnookerBreakHighlight,
)
from ddeflow.faust.transport import SCHEME

__all__ = [
    "BY_SCHEMA",
    "SCHEME",
    "ActionState",
    "BreakCompletion",
    "DdeflowTopics",
    "FeedStatus",
    "FixtureEvent",
    "PottedBalls",
    "RecordCodec",
    "RegistrySchema",
    "ScoreChange",
    "ScoringRun",
    "SnookerBreakHighlight",
    "app_options",
    "avro_bindings",
    "broker_urls",
]
