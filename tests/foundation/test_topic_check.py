"""What ``ddeflow topics check`` and the worker's start-up check call a mismatch.  Pure."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ddeflow.topic_check import Finding, ObservedTopic, check_layout
from ddeflow.topics import TopicLayout, all_topics, derived_topics, raw_topics, state_changelog

PREFIX = "t."
LAYOUT = TopicLayout(raw_partitions=6, derived_partitions=4, replication=3)
EXPECTED = all_topics(PREFIX, LAYOUT)


def _as_expected() -> dict[str, ObservedTopic | None]:
    return {
        spec.name: ObservedTopic(spec.name, spec.partitions, 3, (1, 2, 3)[: spec.partitions], 0, dict(spec.config))
        for spec in EXPECTED
    }


def _change(observed: dict[str, ObservedTopic | None], name: str, **changes: Any) -> None:
    found = observed[name]
    assert found is not None
    observed[name] = replace(found, **changes)


def _check(observed: dict[str, ObservedTopic | None]) -> list[Finding]:
    return check_layout(PREFIX, LAYOUT, EXPECTED, observed, replication=3)


def test_topics_as_expected_have_nothing_to_report() -> None:
    assert _check(_as_expected()) == []


def test_a_raw_topic_with_another_partition_count_is_fatal_and_says_why() -> None:
    observed = _as_expected()
    name = raw_topics(PREFIX, LAYOUT)[2].name
    _change(observed, name, partitions=3)
    findings = _check(observed)
    assert all(f.fatal for f in findings) and len(findings) == 2
    assert findings[0] == Finding(
        name,
        "3 partitions, expected 6: the worker needs every raw topic and the state changelog at one partition count",
        fatal=True,
    )
    assert "different partition counts [3, 6]" in findings[1].problem


def test_a_changelog_out_of_step_with_the_raw_topics_is_fatal() -> None:
    observed = _as_expected()
    name = state_changelog(PREFIX, LAYOUT).name
    _change(observed, name, partitions=12)
    assert [f.topic for f in _check(observed) if f.fatal] == [name, PREFIX + "dde.raw.*"]


def test_a_derived_topic_with_another_partition_count_is_only_a_warning() -> None:
    observed = _as_expected()
    name = derived_topics(PREFIX, LAYOUT)[0].name
    _change(observed, name, partitions=6)
    assert _check(observed) == [Finding(name, "6 partitions, expected 4", fatal=False)]


def test_a_compacted_raw_topic_is_fatal_and_other_configs_are_warnings() -> None:
    observed = _as_expected()
    raw = raw_topics(PREFIX, LAYOUT)[0].name
    found = observed[raw]
    assert found is not None
    config = {**found.config, "cleanup.policy": "compact"}
    config.pop("retention.ms")
    observed[raw] = replace(found, config=config, replication=1, under_replicated=2, leaders=(1, -1, 3))
    findings = _check(observed)
    assert [(f.problem, f.fatal) for f in findings] == [
        ("replication factor 1, expected 3", False),
        ("2 partitions under-replicated", False),
        ("a partition has no leader", False),
        ("cleanup.policy=compact, expected delete", True),
        (f"retention.ms=(unset), expected {found.config['retention.ms']}", False),
    ]


def test_a_missing_topic_is_fatal() -> None:
    observed = _as_expected()
    name = derived_topics(PREFIX, LAYOUT)[-1].name
    observed[name] = None
    assert _check(observed) == [Finding(name, "missing", fatal=True)]
