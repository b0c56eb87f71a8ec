"""``ddeflow acl print``: the ``kafka-acls.sh`` commands that grant one stage's principal exactly what it needs."""

from __future__ import annotations

import argparse
from typing import Any

from ddeflow import acls
from ddeflow.config import Settings
from ddeflow.errors import ConfigError


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "acl",
        help="least-privilege ACLs of each stage (ingest, processor, consumer, replay)",
        description="The ACLs come from the topic names under DDEFLOW_TOPIC_PREFIX and the topic layout.",
    )
    actions = parser.add_subparsers(dest="acl_action", metavar="ACTION", required=True)
    show = actions.add_parser("print", help="print the kafka-acls.sh commands for one principal and stage")
    show.add_argument("--principal", required=True, help="the user name the stage authenticates as")
    show.add_argument("--stage", required=True, choices=[stage.value for stage in acls.Stage])
    show.add_argument(
        "--into",
        default=None,
        metavar="AREA",
        help="replay only: the topic-name area the replay principal owns; every --into it is given must start with "
        "it (default: DDEFLOW_TOPIC_PREFIX + 'replay.')",
    )
    show.add_argument("--bootstrap-server", default="BROKER:9093", help="as kafka-acls.sh takes it")
    show.add_argument("--command-config", default=None, help="the admin client's properties file, if any")
    show.set_defaults(handler=_print)


def _print(args: argparse.Namespace, settings: Settings) -> int:
    stage = acls.Stage(args.stage)
    if args.into is not None and stage is not acls.Stage.REPLAY:
        raise ConfigError("--into is for --stage replay only")
    if args.into == "":
        raise ConfigError("--into must name an area: an empty one would let the replay write every topic")
    granted = acls.stage_acls(stage, args.principal, settings.topic_prefix, settings.topic_layout, into=args.into)
    for argv in acls.commands(granted, args.bootstrap_server, command_config=args.command_config):
        print(" ".join(argv))
    return 0
