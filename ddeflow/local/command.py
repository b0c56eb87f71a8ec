"""``ddeflow local up | down | status``: the embedded broker and registry."""

from __future__ import annotations

import argparse
from typing import Any

from ddeflow.config import Settings
from ddeflow.local.layout import BROKER_COUNTS
from ddeflow.local.secure_setup import PRINCIPALS
from ddeflow.local.stack import LocalStack


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "local",
        help="run a one-node (or three-node) Kafka (KRaft) and a schema registry on loopback, from Maven Central jars",
        description="The embedded default: no Docker, data under $DDEFLOW_HOME/local (default ~/.ddeflow).",
    )
    actions = parser.add_subparsers(dest="local_action", metavar="ACTION", required=True)
    up = actions.add_parser("up", help="fetch (once) and start the brokers and the registry; reuse what runs")
    up.add_argument(
        "--brokers",
        type=int,
        choices=BROKER_COUNTS,
        default=None,
        help="1 node, or a cluster of 3 (RF 3, min ISR 2); default: the size it was last started with, else 1",
    )
    up.add_argument(
        "--secure",
        action="store_true",
        help="one broker with SSL (client certificates) and SASL_SSL (SCRAM-SHA-512) listeners, a run-time CA "
        "and each stage's ACLs for DDEFLOW_TOPIC_PREFIX; prints how each principal connects",
    )
    up.set_defaults(handler=_up)
    actions.add_parser("fetch", help="only fetch the jars into the cache (done by `up` when needed)").set_defaults(
        handler=_fetch
    )
    actions.add_parser("down", help="stop what `up` started, by recorded pid").set_defaults(handler=_down)
    actions.add_parser("status", help="whether each service runs and answers (exit 3 if not)").set_defaults(
        handler=_status
    )


def _up(args: argparse.Namespace, settings: Settings) -> int:
    info = LocalStack(settings).up(args.brokers, secure=args.secure)
    verb = "already running" if info.reused else "started"
    print(f"local stack {verb}")
    print(f"KAFKA_BOOTSTRAP_SERVERS={info.bootstrap_servers}")
    print(f"SCHEMA_REGISTRY_URL={info.registry_url}")
    if info.secure is not None:
        files = info.secure.files
        print(f"secure listeners: SSL {info.secure.ssl_bootstrap}, SASL_SSL {info.secure.sasl_ssl_bootstrap}")
        print(f"KAFKA_SSL_CAFILE={files.ca}")
        print(f"principals: {', '.join(PRINCIPALS)}; SCRAM-SHA-512 passwords in {files.credentials} (mode 0600),")
        print(f"client certificates in {files.root / 'clients'}")
    return 0


def _fetch(args: argparse.Namespace, settings: Settings) -> int:
    for line in LocalStack(settings).fetch():
        print(line)
    return 0


def _down(args: argparse.Namespace, settings: Settings) -> int:
    for line in LocalStack(settings).down():
        print(line)
    return 0


def _status(args: argparse.Namespace, settings: Settings) -> int:
    healthy = True
    for service in LocalStack(settings).status():
        if service.running and service.answering:
            text = f"running, answering at {service.address} (pid {service.pid})"
        elif service.running:
            text = f"running but NOT answering at {service.address} (pid {service.pid})"
        else:
            text = "not running"
        healthy = healthy and service.running and service.answering
        print(f"{service.name}: {text}")
    return 0 if healthy else 3
