"""What ``ddeflow`` says besides a command's own work: an example under every ``--help``, and errors with a hint."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from ddeflow.errors import (
    BrokerError,
    ConfigError,
    DdeflowError,
    FeedAuthError,
    FeedError,
    InfrastructureError,
    KafkaAuthError,
    RegistryError,
)

EXAMPLES: dict[str, str] = {
    "local": "ddeflow local up",
    "local up": "ddeflow local up --brokers 3",
    "local fetch": "ddeflow local fetch",
    "local down": "ddeflow local down",
    "local status": "ddeflow local status",
    "generate": "ddeflow generate --sport all --fixtures 5 --seed 7 --out data/",
    "simulate": "DDE_AUTH_TOKEN_FILE=token ddeflow simulate --data data/ --port 8765 --fault drop_probability=0.01",
    "ingest": "ddeflow ingest live --sport soccer --sport basketball --until-finished",
    "ingest ws": "ddeflow ingest ws --sport soccer --fixture 835f1e8d-2f83-441a-835d-8e0250cc81af --stream both",
    "ingest live": "ddeflow ingest live --sport soccer --until-finished",
    "ingest rest": "ddeflow ingest rest --sport soccer --fixture 835f1e8d-2f83-441a-835d-8e0250cc81af",
    "ingest file": "ddeflow ingest file data/soccer/835f1e8d-2f83-441a-835d-8e0250cc81af/actions.jsonl --sport soccer",
    "process": "ddeflow process --until-idle 5",
    "replay": "ddeflow replay --dry-run --from 2026-12-01T18:00:00Z --sport soccer",
    "processors": "ddeflow processors list",
    "processors list": "DDEFLOW_PROCESSORS_DISABLED=basketball-scoring-runs ddeflow processors list",
    "new-processor": "ddeflow new-processor fouls-per-period --sport soccer --dir fouls-per-period",
    "schemas": "ddeflow schemas check",
    "schemas check": "ddeflow schemas check",
    "schemas register": "ddeflow schemas register",
    "topics": "ddeflow topics check",
    "topics create": "DDEFLOW_DERIVED_PARTITIONS=12 ddeflow topics create",
    "topics describe": "ddeflow topics describe",
    "topics check": "ddeflow topics check",
    "acl": "ddeflow acl print --principal User:processor --stage processor",
    "acl print": "ddeflow acl print --principal User:replay --stage replay --into replay.",
    "tail": "ddeflow tail dde.feed-status --from 2026-12-01T18:00:00Z --no-follow --format table",
    "board": "ddeflow board --sport soccer --metrics-url http://127.0.0.1:9400/metrics",
    "bench": "ddeflow bench --quick --load 300:20 --variant DDEFLOW_FETCH_MAX_WAIT_MS=50 --out bench-report",
}


def commands(parser: argparse.ArgumentParser, path: str = "") -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every sub-command's parser with its path (``"local up"``), depth first."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                full = f"{path} {name}".strip()
                yield full, child
                yield from commands(child, full)


def add_examples(parser: argparse.ArgumentParser) -> None:
    """An example under each command's ``--help`` that has none of its own."""
    for path, child in commands(parser):
        if child.epilog is None and path in EXAMPLES:
            child.epilog = f"example: {EXAMPLES[path]}"


_HINTS: tuple[tuple[type[DdeflowError], str], ...] = (
    (KafkaAuthError, "check KAFKA_SASL_* / KAFKA_SSL_* and the principal's ACLs (`ddeflow acl print`)"),
    (ConfigError, "see `ddeflow COMMAND --help` and the README's Configuration table"),
    (BrokerError, "is Kafka reachable at KAFKA_BOOTSTRAP_SERVERS? `ddeflow local status` checks the local stack"),
    (RegistryError, "is the registry reachable at SCHEMA_REGISTRY_URL? `ddeflow local status` checks the local stack"),
    (FeedAuthError, "check DDE_AUTH_TOKEN or DDE_AUTH_TOKEN_FILE"),
    (FeedError, "check DDE_STREAMS_URL / DDE_API_URL and the fixture id"),
    (InfrastructureError, "the stack's logs are under $DDEFLOW_HOME/local"),
)


def error_line(exc: BaseException) -> str:
    """One line for the user: the error, and a hint unless the message already says what to run."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    if not isinstance(exc, DdeflowError):
        return f"ddeflow: error: unexpected {type(exc).__name__}: {message} (run with -v for the traceback)"
    hint = next((text for kind, text in _HINTS if isinstance(exc, kind)), None)
    if hint is None or "`" in message:
        return f"ddeflow: error: {message}"
    return f"ddeflow: error: {message} (hint: {hint})"
