"""The ACL sets are computed from the topic names: pure, no broker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ddeflow import acls, topics
from ddeflow.acls import Acl, Stage
from ddeflow.dde.sports import Sport
from ddeflow.errors import ConfigError
from ddeflow.local import certs, secure_setup
from ddeflow.local.layout import StackLayout
from ddeflow.processors.replay import into_target
from ddeflow.topics import TopicLayout

PREFIX = "p1."


def _ops(granted: list[Acl], resource: str, name: str) -> set[str]:
    return {a.operation for a in granted if a.resource == resource and a.name == name}


def test_ingest_writes_raw_dead_letters_and_feed_status_and_nothing_derived() -> None:
    granted = acls.stage_acls(Stage.INGEST, "ingest", PREFIX)
    raw = {spec.name for spec in topics.raw_topics(PREFIX)}
    assert {a.name for a in granted} == raw | {PREFIX + topics.DLQ, PREFIX + topics.FEED_STATUS}
    for name in raw:
        assert _ops(granted, "topic", name) == {"Write", "Describe", "Read"}
    assert _ops(granted, "topic", PREFIX + topics.DLQ) == {"Write", "Describe"}
    assert _ops(granted, "topic", PREFIX + topics.FEED_STATUS) == {"Write", "Describe"}
    assert {a.resource for a in granted} == {"topic"}


def test_processor_owns_its_group_changelog_and_transactional_ids() -> None:
    granted = acls.stage_acls(Stage.PROCESSOR, "processor", PREFIX)
    assert _ops(granted, "group", PREFIX + topics.WORKER_GROUP) == {"Read", "Describe"}
    [tx] = {a.name for a in granted if a.resource == "transactional-id"}
    assert tx == f"{PREFIX}{topics.WORKER_GROUP}-p" and all(
        a.prefixed for a in granted if a.resource == "transactional-id"
    )
    assert {"Read", "Write"} <= _ops(granted, "topic", PREFIX + topics.CHANGELOG)
    assert _ops(granted, "topic", PREFIX + topics.FEED_STATUS) == {"Describe", "DescribeConfigs"}
    for spec in topics.raw_topics(PREFIX):
        assert "Write" not in _ops(granted, "topic", spec.name)
    for spec in topics.derived_topics(PREFIX):
        assert "Read" not in _ops(granted, "topic", spec.name)
        assert "Write" in _ops(granted, "topic", spec.name)


def test_consumer_only_reads_derived_topics_and_the_feed_status() -> None:
    granted = acls.stage_acls(Stage.CONSUMER, "bob", PREFIX)
    derived = {spec.name for spec in topics.derived_topics(PREFIX)} - {PREFIX + topics.DLQ}
    assert {a.name for a in granted} == derived | {PREFIX + topics.FEED_STATUS}
    assert {a.operation for a in granted} == {"Read", "Describe"}
    assert {a.principal for a in granted} == {"bob"}


def test_no_stage_may_delete_or_alter_and_only_the_replay_creates_in_its_area() -> None:
    for stage in Stage:
        granted = acls.stage_acls(stage, "x", PREFIX, TopicLayout(3, 2, 1))
        assert not {a.operation for a in granted} & {"Delete", "Alter", "AlterConfigs", "All", "ClusterAction"}
        creates = {(a.resource, a.name, a.prefixed) for a in granted if a.operation == "Create"}
        assert creates == ({("topic", PREFIX + "replay.", True)} if stage is Stage.REPLAY else set())


def test_replay_reads_raw_and_owns_only_its_area() -> None:
    area = PREFIX + "replay.dispute42."
    granted = acls.stage_acls(Stage.REPLAY, "r", PREFIX, into=area)
    raw = {spec.name for spec in topics.raw_topics(PREFIX)}
    literal = {a for a in granted if not a.prefixed}
    assert {a.name for a in literal} == raw and {a.operation for a in literal} == {
        "Read",
        "Describe",
        "DescribeConfigs",
    }
    owned = {(a.resource, a.name) for a in granted if a.prefixed}
    assert owned == {("topic", area), ("group", area), ("transactional-id", area)}
    # Every name a replay into the area uses starts with the area; no live name does.
    target = into_target(area + "run1.")
    for name in (target.group, target.changelog, target.plan_topic, f"{target.group}-p0"):
        assert name.startswith(area)
    live = [spec.name for spec in topics.all_topics(PREFIX)] + [acls.worker_group(PREFIX)]
    assert not any(name.startswith(area) for name in live)
    assert acls.stage_acls(Stage.REPLAY, "r", PREFIX) == acls.stage_acls(
        Stage.REPLAY, "r", PREFIX, into=PREFIX + "replay."
    )


def _parsed(commands: list[list[str]]) -> set[Acl]:
    parsed: set[Acl] = set()
    for argv in commands:
        assert argv[:3] == ["kafka-acls.sh", "--bootstrap-server", "b:9093"] and "--add" in argv
        principal = argv[argv.index("--allow-principal") + 1].removeprefix("User:")
        ops = [argv[i + 1] for i, word in enumerate(argv) if word == "--operation"]
        prefixed = "--resource-pattern-type" in argv
        for i, word in enumerate(argv):
            if word in ("--topic", "--group", "--transactional-id"):
                parsed |= {Acl(principal, word[2:], argv[i + 1], op, prefixed) for op in ops}
    return parsed


def test_commands_grant_exactly_the_set() -> None:
    """Parsing the printed kafka-acls commands back gives the set they were made from."""
    for stage in Stage:
        granted = acls.stage_acls(stage, stage.value, PREFIX)
        assert _parsed(acls.commands(granted, "b:9093")) == set(granted)


def test_acl_print_for_a_replay_area() -> None:
    def acl_print(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "ddeflow.cli", "acl", "print", "--bootstrap-server", "b:9093", *args]
        env = {**os.environ, "DDEFLOW_TOPIC_PREFIX": PREFIX}
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env, check=False)

    done = acl_print("--principal", "r", "--stage", "replay", "--into", "p1.audit.")
    assert done.returncode == 0, done.stderr
    printed = _parsed([line.split() for line in done.stdout.splitlines()])
    assert printed == set(acls.stage_acls(Stage.REPLAY, "r", PREFIX, into="p1.audit."))
    refused = acl_print("--principal", "w", "--stage", "processor", "--into", "p1.audit.")
    assert refused.returncode == 2 and "--into is for --stage replay only" in refused.stderr


def test_actions_topics_of_every_sport_are_covered() -> None:
    names = {a.name for a in acls.stage_acls(Stage.CONSUMER, "c")}
    assert {topics.derived_actions(sport) for sport in Sport} <= names


def test_keys_are_written_owner_only(tmp_path: Path) -> None:
    authority = certs.make_authority(tmp_path)
    issued = certs.issue(authority, tmp_path / "s", "server", hosts=("localhost", "127.0.0.1"))
    for key in (authority.key, issued.key):
        assert key.stat().st_mode & 0o777 == 0o600
    assert b"PRIVATE KEY" in issued.key.read_bytes() and b"CERTIFICATE" in issued.cert.read_bytes()


def test_the_readme_table_is_the_computed_set() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    documented = {
        tuple(cell.strip().strip("`") for cell in line.strip("|").split("|"))
        for line in readme.splitlines()
        if line.startswith("| `User:")
    }
    computed = {row for stage in Stage for row in acls.table(acls.stage_acls(stage, stage.value))}
    assert documented == computed


def test_a_secure_stack_made_before_a_principal_existed_is_refused(tmp_path: Path) -> None:
    layout = StackLayout(tmp_path)
    files = layout.secure_files
    files.root.mkdir(parents=True)
    older = {p: "pw" for p in secure_setup.PRINCIPALS if p != Stage.REPLAY.value}
    files.credentials.write_text(json.dumps(older), encoding="utf-8")
    with pytest.raises(ConfigError, match="before the principal\\(s\\) replay existed"):
        secure_setup.prepare(layout, formatted=True)
    files.credentials.write_text(json.dumps(older | {Stage.REPLAY.value: "pw"}), encoding="utf-8")
    assert secure_setup.prepare(layout, formatted=True) == files
