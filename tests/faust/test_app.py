"""``ddeflow.faust.app``: the broker and credentials from ddeflow's settings, and topics under the prefix."""

from __future__ import annotations

import subprocess
import sys

import faust
import pytest

from ddeflow import topics
from ddeflow.config import load_settings
from ddeflow.dde.sports import Sport
from ddeflow.errors import ConfigError
from ddeflow.faust import DdeflowTopics, ScoreChange, app_options, broker_urls
from ddeflow.faust.codec import RegistrySchema

SETTINGS = {"KAFKA_BOOTSTRAP_SERVERS": "k1:9092,k2:9093", "SCHEMA_REGISTRY_URL": "http://registry:8081"}


def test_broker_urls_name_the_read_committed_transport_unless_told_not_to() -> None:
    assert broker_urls("k1:9092, k2:9093") == ["kafka-committed://k1:9092", "kafka-committed://k2:9093"]
    assert broker_urls("k1:9092", read_committed=False) == ["kafka://k1:9092"]


def test_app_options_carry_the_layout_and_no_credentials_on_plaintext() -> None:
    settings = load_settings(**SETTINGS, DDEFLOW_DERIVED_PARTITIONS="4", DDEFLOW_REPLICATION_FACTOR="3")
    assert app_options(settings) == {
        "broker": ["kafka-committed://k1:9092", "kafka-committed://k2:9093"],
        "topic_partitions": 4,
        "topic_replication_factor": 3,
    }


def test_app_options_carry_sasl_credentials() -> None:
    settings = load_settings(
        **SETTINGS,
        KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
        KAFKA_SASL_MECHANISM="SCRAM-SHA-256",
        KAFKA_SASL_USERNAME="trader",
        KAFKA_SASL_PASSWORD="s3cret",
    )
    found = app_options(settings)["broker_credentials"]
    assert isinstance(found, faust.SASLCredentials)
    assert (found.username, found.password, found.mechanism.value) == ("trader", "s3cret", "SCRAM-SHA-256")
    assert found.protocol.value == "SASL_PLAINTEXT"


def test_topics_are_named_under_the_prefix_with_their_model_and_codec() -> None:
    settings = load_settings(**SETTINGS, DDEFLOW_TOPIC_PREFIX="acme.")
    app = faust.App("topics-probe", **app_options(settings))
    ddeflow_topics = DdeflowTopics(app, settings)
    scores = ddeflow_topics.score_changes()
    assert scores.get_topic_name() == "acme.dde.score-changes"
    assert isinstance(scores.schema, RegistrySchema)
    assert scores.schema.value_type is ScoreChange
    assert scores.schema.codec.binding.subject == "acme.dde.score-changes-value"
    actions = ddeflow_topics.topic(topics.derived_actions(Sport.SNOOKER))
    assert actions.get_topic_name() == "acme.dde.actions.snooker"
    with pytest.raises(ConfigError, match="not one of ddeflow's Avro topics"):
        ddeflow_topics.topic(topics.DLQ)


def test_ddeflow_itself_does_not_import_faust() -> None:
    probe = "import sys, ddeflow.cli, ddeflow.processors.worker, ddeflow.tail; print('faust' in sys.modules)"
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert answer.stdout.strip() == "False"
