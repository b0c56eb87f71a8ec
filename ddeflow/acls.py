"""The least-privilege ACLs of each stage, computed from ddeflow's topic names.  Pure: no I/O.

Four stages, each with a principal of its own:

- **ingest** (the producers) writes the raw topics, the dead letters and the feed status, and reads the raw topics
  back: a producer resumes a stream from what its topic already holds (``ddeflow.producers.topic_scan``).
- **processor** (the worker) reads the raw topics, writes the derived topics and the dead letters, owns its
  state changelog, its consumer group and its transactional ids (``<group>-p<partition>``), and reads the
  topics' configs to check their layout (the feed status included, which it neither reads nor writes).
- **consumer** (``ddeflow tail``, downstream readers) reads the derived topics and the feed status, without a group.
- **replay** (``ddeflow replay --into P``) reads the raw topics, and owns an area of topic names, ``<prefix>replay.``
  unless told otherwise: every ``--into`` that starts with it.  In the area it creates its derived topics, its
  changelog and its plan topic, writes and reads them back (the changelog and the plan, at a restart), and owns the
  group (offsets only) and the transactional ids of each replay (``ddeflow.processors.replay``).  Nothing outside the
  area: it may not write the live derived topics, nor use the worker's group or transactional ids.  ``--rebuild``
  deletes and recreates the live derived topics: an administrator's job, granted to no stage.

The deployment's topics are created by an administrator (``ddeflow topics create``) before the stages run: only the
replay creates topics, and only in its own area.
``commands`` renders a set as ``kafka-acls.sh`` invocations, one per principal, resource kind and operations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ddeflow import topics
from ddeflow.topics import DEFAULT_LAYOUT, TopicLayout


class Stage(StrEnum):
    INGEST = "ingest"
    PROCESSOR = "processor"
    CONSUMER = "consumer"
    REPLAY = "replay"


REPLAY_AREA = "replay."
"""The replay principal's area of topic names, after the deployment's prefix, unless ``into`` says otherwise."""


@dataclass(frozen=True, slots=True, order=True)
class Acl:
    principal: str  # the bare user name; rendered as User:<name>
    resource: str  # topic | group | transactional-id
    name: str
    operation: str  # Read | Write | Create | Describe | DescribeConfigs
    prefixed: bool = False


def worker_group(prefix: str) -> str:
    return prefix + topics.WORKER_GROUP


def transactional_id_prefix(prefix: str) -> str:
    return f"{worker_group(prefix)}-p"


def _grant(principal: str, resource: str, names: Iterable[str], *ops: str, prefixed: bool = False) -> set[Acl]:
    return {Acl(principal, resource, name, op, prefixed) for name in names for op in ops}


def replay_area(prefix: str, into: str | None = None) -> str:
    """The names a replay principal owns: ``into`` if given, else ``<prefix>replay.``."""
    return prefix + REPLAY_AREA if into is None else into


def stage_acls(
    stage: Stage,
    principal: str,
    prefix: str = "",
    layout: TopicLayout = DEFAULT_LAYOUT,
    *,
    into: str | None = None,
) -> list[Acl]:
    """Every ACL ``principal`` needs to run ``stage`` for the deployment under topic ``prefix``, and no more.

    ``into``: the replay's area (``replay_area``); only for the replay stage."""
    raw = [spec.name for spec in topics.raw_topics(prefix, layout)]
    dlq = prefix + topics.DLQ
    derived = [spec.name for spec in topics.derived_topics(prefix, layout) if spec.name != dlq]
    changelog = topics.state_changelog(prefix, layout).name
    feed_status = topics.feed_status(prefix, layout).name
    acls: set[Acl] = set()
    if stage is Stage.INGEST:
        acls |= _grant(principal, "topic", [*raw, dlq, feed_status], "Write", "Describe")
        acls |= _grant(principal, "topic", raw, "Read")
    elif stage is Stage.PROCESSOR:
        acls |= _grant(principal, "topic", raw, "Read", "Describe", "DescribeConfigs")
        acls |= _grant(principal, "topic", [*derived, dlq], "Write", "Describe", "DescribeConfigs")
        acls |= _grant(principal, "topic", [changelog], "Read", "Write", "Describe", "DescribeConfigs")
        acls |= _grant(principal, "topic", [feed_status], "Describe", "DescribeConfigs")
        acls |= _grant(principal, "group", [worker_group(prefix)], "Read", "Describe")
        acls |= _grant(
            principal, "transactional-id", [transactional_id_prefix(prefix)], "Write", "Describe", prefixed=True
        )
    elif stage is Stage.REPLAY:
        area = [replay_area(prefix, into)]
        acls |= _grant(principal, "topic", raw, "Read", "Describe", "DescribeConfigs")
        acls |= _grant(principal, "topic", area, "Create", "Write", "Read", "Describe", prefixed=True)
        acls |= _grant(principal, "group", area, "Read", "Describe", prefixed=True)
        acls |= _grant(principal, "transactional-id", area, "Write", "Describe", prefixed=True)
    else:
        acls |= _grant(principal, "topic", [*derived, feed_status], "Read", "Describe")
    return sorted(acls)


def commands(acls: Iterable[Acl], bootstrap: str, *, command_config: str | None = None) -> list[list[str]]:
    """``kafka-acls.sh --add`` invocations granting ``acls``: one per principal, resource kind, pattern type and
    set of operations, each naming all its resources."""
    grouped: dict[tuple[str, str, bool, tuple[str, ...]], list[str]] = {}
    by_resource: dict[tuple[str, str, str, bool], list[str]] = {}
    for acl in acls:
        by_resource.setdefault((acl.principal, acl.resource, acl.name, acl.prefixed), []).append(acl.operation)
    for (principal, resource, name, prefixed), ops in sorted(by_resource.items()):
        grouped.setdefault((principal, resource, prefixed, tuple(sorted(ops))), []).append(name)
    result: list[list[str]] = []
    for (principal, resource, prefixed, operations), names in grouped.items():
        argv = ["kafka-acls.sh", "--bootstrap-server", bootstrap]
        if command_config:
            argv += ["--command-config", command_config]
        argv += ["--add", "--allow-principal", f"User:{principal}"]
        for op in operations:
            argv += ["--operation", op]
        if prefixed:
            argv += ["--resource-pattern-type", "prefixed"]
        for name in names:
            argv += [f"--{resource}", name]
        result.append(argv)
    return result


def table(acls: Iterable[Acl]) -> list[tuple[str, str, str, str]]:
    """Rows (principal, resource, name or prefix, operations) for documentation."""
    rows: dict[tuple[str, str, str], list[str]] = {}
    for acl in acls:
        name = f"{acl.name}* (prefixed)" if acl.prefixed else acl.name
        rows.setdefault((f"User:{acl.principal}", acl.resource, name), []).append(acl.operation)
    return [(p, r, n, ", ".join(sorted(ops))) for (p, r, n), ops in sorted(rows.items())]
