"""What differs between the topics a cluster has and the layout ddeflow expects.  Pure.

A finding is *fatal* when running on would lose or misplace data:

- a raw topic or the state changelog whose partition count differs from the
  others: the worker processes partition number N of every raw topic with
  changelog partition N, so the counts must all be equal;
- a ``cleanup.policy`` other than the expected one: compacting a raw topic
  drops the frames a replay needs, and a changelog that is not compacted is
  not a store;
- a missing topic, for the operators' check (the worker creates what is
  missing before it checks).

Anything else (a derived topic's partition count, the replication factor,
another config) is reported and does not stop the worker.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ddeflow.topics import TopicLayout, TopicSpec, raw_topics, state_changelog


@dataclass(frozen=True, slots=True)
class ObservedTopic:
    name: str
    partitions: int
    replication: int
    """The fewest replicas any partition has."""
    leaders: tuple[int, ...] = ()
    """The leader of each partition by number; -1 where none is elected."""
    under_replicated: int = 0
    """Partitions whose in-sync replicas are fewer than their replicas."""
    config: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Finding:
    topic: str
    problem: str
    fatal: bool

    def __str__(self) -> str:
        return f"{'ERROR' if self.fatal else 'warning'}: {self.topic}: {self.problem}"


def check_layout(
    prefix: str,
    layout: TopicLayout,
    expected: Sequence[TopicSpec],
    observed: Mapping[str, ObservedTopic | None],
    *,
    replication: int,
) -> list[Finding]:
    """The differences between ``expected`` (all of one deployment's topics) and ``observed``, topic by topic.

    ``replication`` is the factor the topics should have (the layout's, or the default for the cluster's size).
    """
    findings: list[Finding] = []
    co_partitioned = {spec.name for spec in raw_topics(prefix, layout)} | {state_changelog(prefix, layout).name}
    for spec in expected:
        found = observed.get(spec.name)
        if found is None:
            findings.append(Finding(spec.name, "missing", fatal=True))
            continue
        if found.partitions != spec.partitions:
            why = (
                ": the worker needs every raw topic and the state changelog at one partition count"
                if spec.name in co_partitioned
                else ""
            )
            findings.append(
                Finding(
                    spec.name,
                    f"{found.partitions} partitions, expected {spec.partitions}{why}",
                    fatal=spec.name in co_partitioned,
                )
            )
        if found.replication != replication:
            findings.append(
                Finding(spec.name, f"replication factor {found.replication}, expected {replication}", False)
            )
        if found.under_replicated:
            findings.append(Finding(spec.name, f"{found.under_replicated} partitions under-replicated", fatal=False))
        if any(leader < 0 for leader in found.leaders):
            findings.append(Finding(spec.name, "a partition has no leader", fatal=False))
        for key, want in sorted(spec.config.items()):
            got = found.config.get(key)
            if got != want:
                findings.append(
                    Finding(
                        spec.name,
                        f"{key}={got if got is not None else '(unset)'}, expected {want}",
                        key == "cleanup.policy",
                    )
                )
    counts = {found.partitions for name in co_partitioned if (found := observed.get(name)) is not None}
    if len(counts) > 1:
        findings.append(
            Finding(
                prefix + "dde.raw.*",
                f"the raw topics and the state changelog have different partition counts {sorted(counts)}: "
                "the worker cannot run on them",
                fatal=True,
            )
        )
    return findings
