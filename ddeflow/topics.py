"""Every topic ddeflow owns: names (under ``DDEFLOW_TOPIC_PREFIX``), partitions and configs.

Raw topics are keyed by fixtureId and derived ones by fixtureId or actionId, so
one fixture's records stay in order in one partition.  Partition counts and the
replication factor come from a ``TopicLayout`` (``Settings.topic_layout``), per
family: the raw topics with the processors' state changelog, which the worker
needs co-partitioned (it processes partition number N of every raw topic with
changelog partition N), and the derived topics with the dead letters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ddeflow.dde.sports import Sport

RAW_PARTITIONS = 6
DERIVED_PARTITIONS = 6
WEEK_MS = 7 * 24 * 3600 * 1000
RAW_RETENTION_MS = 4 * WEEK_MS
"""How long the raw topics keep a record (also how long the processors remember a removed fixture)."""


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int
    config: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TopicLayout:
    raw_partitions: int = RAW_PARTITIONS
    """The raw topics and the state changelog: all the same count."""
    derived_partitions: int = DERIVED_PARTITIONS
    replication: int | None = None
    """None: three copies on a cluster of three brokers or more, else one."""


DEFAULT_LAYOUT = TopicLayout()


def raw_actions(sport: Sport) -> str:
    return f"dde.raw.{sport.value}.actions"


def raw_statistics(sport: Sport) -> str:
    return f"dde.raw.{sport.value}.statistics"


def derived_actions(sport: Sport) -> str:
    return f"dde.actions.{sport.value}"


SCORE_CHANGES = "dde.score-changes"
BREAK_COMPLETIONS = "dde.snooker.break-completions"
FIXTURE_EVENTS = "dde.fixture-events"
# The example processors' topics (ddeflow.processors.examples), shipped enabled: part of every deployment's layout.
SNOOKER_BREAK_HIGHLIGHTS = "dde.snooker.break-highlights"
BASKETBALL_SCORING_RUNS = "dde.basketball.scoring-runs"
DLQ = "dde.dlq"
FEED_STATUS = "dde.feed-status"
"""Per fixture stream: down, up again, finished.  Written by the producers (``ingest live``, ``ingest ws``), not the
processors, so that it does not depend on the worker running."""
CHANGELOG = "ddeflow-processors.state-changelog"
WORKER_GROUP = "ddeflow-processors"
FAUST_APP = "ddeflow-faust"
"""The Faust engine's app id: its consumer group, and the prefix of its table's changelog topic."""
"""The worker's consumer group (under the topic prefix); its transactional ids are ``<group>-p<partition>``."""

# The largest record ddeflow writes: a raw frame up to the parser's limit (4 MiB) must land, and
# so must its dead letter; the broker's 1 MB default would refuse it before anything could say why.
MAX_RECORD_BYTES = 16 * 1024 * 1024
# Raw frames are the replay source of truth: keep them four weeks, never compact.
_RAW_CONFIG = {
    "cleanup.policy": "delete",
    "retention.ms": str(RAW_RETENTION_MS),
    "max.message.bytes": str(MAX_RECORD_BYTES),
}
_EVENTS_CONFIG = {"cleanup.policy": "delete", "retention.ms": str(4 * WEEK_MS)}
# The current state of each action: only the latest per actionId matters.
_COMPACTED = {"cleanup.policy": "compact", "min.compaction.lag.ms": "60000"}
# The state changelog is only ever read whole, at restore: compact it as soon as the broker can.
_CHANGELOG_CONFIG = {"cleanup.policy": "compact", "min.compaction.lag.ms": "0"}


def raw_topics(prefix: str = "", layout: TopicLayout = DEFAULT_LAYOUT) -> list[TopicSpec]:
    return [
        TopicSpec(prefix + name(sport), layout.raw_partitions, _RAW_CONFIG)
        for sport in Sport
        for name in (raw_actions, raw_statistics)
    ]


def derived_topics(prefix: str = "", layout: TopicLayout = DEFAULT_LAYOUT) -> list[TopicSpec]:
    count = layout.derived_partitions
    specs = [TopicSpec(prefix + derived_actions(sport), count, _COMPACTED) for sport in Sport]
    events = (SCORE_CHANGES, BREAK_COMPLETIONS, FIXTURE_EVENTS, SNOOKER_BREAK_HIGHLIGHTS, BASKETBALL_SCORING_RUNS)
    specs += [TopicSpec(prefix + name, count, _EVENTS_CONFIG) for name in events]
    specs.append(TopicSpec(prefix + DLQ, count, {**_EVENTS_CONFIG, "max.message.bytes": str(MAX_RECORD_BYTES)}))
    return specs


def processor_topic(name: str, layout: TopicLayout = DEFAULT_LAYOUT, *, compacted: bool = False) -> TopicSpec:
    """A derived topic of a processor declared through ``ddeflow.processors.api``: like the built-in ones."""
    return TopicSpec(name, layout.derived_partitions, _COMPACTED if compacted else _EVENTS_CONFIG)


def feed_status(prefix: str = "", layout: TopicLayout = DEFAULT_LAYOUT) -> TopicSpec:
    """The producers' feed status: read like a derived topic, so partitioned like one."""
    return TopicSpec(prefix + FEED_STATUS, layout.derived_partitions, _EVENTS_CONFIG)


def state_changelog(prefix: str = "", layout: TopicLayout = DEFAULT_LAYOUT) -> TopicSpec:
    """The processors' state changelog: co-partitioned with the raw topics."""
    return TopicSpec(prefix + CHANGELOG, layout.raw_partitions, _CHANGELOG_CONFIG)


def all_topics(prefix: str = "", layout: TopicLayout = DEFAULT_LAYOUT) -> list[TopicSpec]:
    """Every topic a deployment under ``prefix`` uses: raw, derived, dead letters, feed status and the changelog."""
    return [
        *raw_topics(prefix, layout),
        *derived_topics(prefix, layout),
        feed_status(prefix, layout),
        state_changelog(prefix, layout),
    ]
