"""How ddeflow sizes its topics for the cluster it finds: checked without a broker."""

from __future__ import annotations

import pytest

from ddeflow.admin import replication_for, topic_configs
from ddeflow.topics import TopicSpec


@pytest.mark.parametrize(("brokers", "replication"), [(0, 1), (1, 1), (2, 2), (3, 3), (6, 3)])
def test_replication_is_three_where_the_cluster_allows(brokers: int, replication: int) -> None:
    assert replication_for(brokers) == replication


def test_three_copies_need_two_in_sync_so_acks_all_means_two_copies() -> None:
    spec = TopicSpec("t", 6, {"cleanup.policy": "compact"})
    assert topic_configs(spec, 3) == {"cleanup.policy": "compact", "min.insync.replicas": "2"}
    assert spec.config == {"cleanup.policy": "compact"}  # the spec itself is left alone


@pytest.mark.parametrize("replication", [1, 2])
def test_fewer_copies_keep_the_broker_default(replication: int) -> None:
    assert "min.insync.replicas" not in topic_configs(TopicSpec("t", 6), replication)


def test_a_spec_that_sets_min_isr_wins() -> None:
    assert topic_configs(TopicSpec("t", 6, {"min.insync.replicas": "3"}), 3)["min.insync.replicas"] == "3"
