"""The ``ddeflow`` command line.

Each command group lives in its own module exposing ``register(subparsers)``;
a registered parser sets ``handler(args, settings) -> int``.  Settings are
loaded once here and passed down.  A ``DdeflowError`` ends the command with one
line (its message and a hint) and exit code 2; any other failure with one line and
exit code 1.  ``-v`` adds the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from ddeflow.allocator import fix_mmap_threshold
from ddeflow.cli_help import add_examples, error_line
from ddeflow.config import Settings, load_settings
from ddeflow.errors import DdeflowError

log = logging.getLogger("ddeflow")

# Modules that add sub-commands, in the order they appear in ``--help``.
COMMAND_MODULES = (
    "ddeflow.local.command",
    "ddeflow.simulator.generator.command",
    "ddeflow.simulator.server.command",
    "ddeflow.producers.command",
    "ddeflow.processors.command",
    "ddeflow.processors.replay_command",
    "ddeflow.processors.processors_command",
    "ddeflow.schemas_command",
    "ddeflow.topics_command",
    "ddeflow.acl_command",
    "ddeflow.tail",
    "ddeflow.board.command",
    "ddeflow.bench.command",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ddeflow",
        description="Stream processing on Kafka for the DDE live sports feed.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level; tracebacks on errors")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    add_examples(parser)
    return parser


def _version() -> str:
    try:
        return version("ddeflow")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # One line per HTTP request is noise at INFO; failures surface as our errors.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if not fix_mmap_threshold():
        log.debug("not glibc: the allocator's mmap threshold is left as it is")
    try:
        settings: Settings = load_settings()
        code: int = args.handler(args, settings)
    except DdeflowError as exc:
        if args.verbose:
            log.debug("the command failed", exc_info=True)
        print(error_line(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.verbose:
            raise
        print(error_line(exc), file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
