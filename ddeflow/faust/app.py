"""A downstream Faust app's view of a ddeflow deployment: where the broker is, and ddeflow's topics as Faust topics.

``app_options(settings)`` gives the ``faust.App`` keywords for the broker (with ddeflow's Kafka security
settings), reading committed records only unless asked otherwise, and internal topics (a table's
changelog) partitioned like ddeflow's derived topics, so a table fed by one of them is co-partitioned
with it.  ``DdeflowTopics`` names ddeflow's Avro topics under ``DDEFLOW_TOPIC_PREFIX`` and gives each
its model (``ddeflow.faust.records``) and registry codec (``ddeflow.faust.codec``).
"""

from __future__ import annotations

from typing import Any

import faust

from ddeflow import topic_schemas, topics
from ddeflow.avro import AvroCodec
from ddeflow.config import Settings
from ddeflow.endpoints import kafka_options, registry_client, resolve
from ddeflow.errors import ConfigError
from ddeflow.faust.codec import RecordCodec, RegistrySchema
from ddeflow.faust.records import BY_SCHEMA
from ddeflow.faust.transport import SCHEME
from ddeflow.processors.examples import scoring_runs, snooker_breaks
from ddeflow.processors.registry import extra_bindings


def broker_urls(bootstrap_servers: str, *, read_committed: bool = True) -> list[str]:
    """Faust's ``broker`` for ``host:port[,host:port]``: ddeflow's read_committed transport, or Faust's own."""
    scheme = SCHEME if read_committed else "kafka"
    return [f"{scheme}://{server.strip()}" for server in bootstrap_servers.split(",") if server.strip()]


def credentials(options: dict[str, Any]) -> faust.SASLCredentials | faust.SSLCredentials | None:
    """Faust's ``broker_credentials`` for the aiokafka options ddeflow builds (``ddeflow.endpoints``)."""
    if "sasl_mechanism" in options:
        return faust.SASLCredentials(
            username=options["sasl_plain_username"],
            password=options["sasl_plain_password"],
            ssl_context=options.get("ssl_context"),
            mechanism=options["sasl_mechanism"],
        )
    if "ssl_context" in options:
        return faust.SSLCredentials(options["ssl_context"])
    return None


def app_options(settings: Settings, *, read_committed: bool = True) -> dict[str, Any]:
    """Keywords for ``faust.App``: the broker, its credentials, and the layout of the app's internal topics.

    ``read_committed=False`` gives Faust's own transport, which also reads the records of aborted
    transactions: only for an app that wants to see them.
    """
    endpoints = resolve(settings)
    layout = settings.topic_layout
    options: dict[str, Any] = {
        "broker": broker_urls(endpoints.bootstrap_servers, read_committed=read_committed),
        "topic_partitions": layout.derived_partitions,
    }
    if layout.replication is not None:
        options["topic_replication_factor"] = layout.replication
    found = credentials(kafka_options(settings, endpoints))
    if found is not None:
        options["broker_credentials"] = found
    return options


def avro_bindings(prefix: str = "") -> list[topic_schemas.Binding]:
    """Every ddeflow topic that holds Avro: the derived topics, the feed status and the shipped examples' topics."""
    examples = extra_bindings([snooker_breaks.PROCESSOR, scoring_runs.PROCESSOR], prefix)
    return [*topic_schemas.every_binding(prefix), *examples]


class DdeflowTopics:
    """ddeflow's Avro topics for one Faust app: ``topic(name)`` takes a name from ``ddeflow.topics``."""

    def __init__(self, app: faust.App, settings: Settings, avro: AvroCodec | None = None) -> None:
        self.app = app
        self.settings = settings
        self.avro = avro if avro is not None else AvroCodec(registry_client(settings))
        self._bindings = {binding.topic: binding for binding in avro_bindings(settings.topic_prefix)}

    def topic(self, name: str, **kwargs: Any) -> faust.TopicT:
        """The topic ``name`` under the deployment's prefix, with its model and codec; ``kwargs`` go to
        ``app.topic``."""
        full_name = self.settings.topic(name)
        binding = self._bindings.get(full_name)
        if binding is None:
            raise ConfigError(f"{name} is not one of ddeflow's Avro topics")
        schema = RegistrySchema(RecordCodec(self.avro, binding), BY_SCHEMA[binding.schema_name])
        return self.app.topic(full_name, schema=schema, **kwargs)

    def score_changes(self, **kwargs: Any) -> faust.TopicT:
        return self.topic(topics.SCORE_CHANGES, **kwargs)

    def fixture_events(self, **kwargs: Any) -> faust.TopicT:
        return self.topic(topics.FIXTURE_EVENTS, **kwargs)

    def break_completions(self, **kwargs: Any) -> faust.TopicT:
        return self.topic(topics.BREAK_COMPLETIONS, **kwargs)

    def feed_status(self, **kwargs: Any) -> faust.TopicT:
        return self.topic(topics.FEED_STATUS, **kwargs)
