"""``ddeflow processors list`` and ``ddeflow new-processor NAME --sport S``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ddeflow.config import Settings
from ddeflow.dde import Sport
from ddeflow.decode import render_table
from ddeflow.processors import registry
from ddeflow.processors.api import Stream
from ddeflow.processors.scaffold import scaffold


def register(sub: Any) -> None:
    group: argparse.ArgumentParser = sub.add_parser(
        "processors", help="the processors installed (entry points ddeflow.processors) and which run"
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list",
        help="every installed processor: enabled or not (DDEFLOW_PROCESSORS, DDEFLOW_PROCESSORS_DISABLED), its "
        "stream, sports, topics and schema",
    )
    listing.set_defaults(handler=_list)

    new: argparse.ArgumentParser = sub.add_parser(
        "new-processor",
        help="write a new processor: its module, .avsc, a passing test on the test kit, and a pyproject.toml",
    )
    new.add_argument("name", help="lower case letters, digits and dashes, e.g. fouls-per-period")
    new.add_argument("--sport", required=True, choices=[s.value for s in Sport])
    new.add_argument("--stream", choices=[s.value for s in Stream], default=Stream.ACTIONS.value)
    new.add_argument("--dir", type=Path, default=None, help="where to write (default: ./NAME)")
    new.set_defaults(handler=_new)


def _list(args: argparse.Namespace, settings: Settings) -> int:
    found = registry.installed()
    on = set(registry.enabled_names(settings, (i.processor.name for i in found)))
    rows = [
        [
            i.processor.name,
            "yes" if i.processor.name in on else "no",
            i.processor.stream.value,
            ",".join(sorted(s.value for s in i.processor.sports)),
            " ".join(i.processor.topics(settings.topic_prefix)),
            i.processor.schema.name,
            i.source,
        ]
        for i in found
    ]
    print(render_table(rows, ["name", "enabled", "stream", "sports", "topics", "schema", "source"]))
    return 0


def _new(args: argparse.Namespace, settings: Settings) -> int:
    made = scaffold(args.name, Sport(args.sport), Stream(args.stream))
    folder: Path = args.dir if args.dir is not None else Path(made.name)
    clashes = [path for path in made.files if path != "pyproject.toml" and (folder / path).exists()]
    if clashes:
        print(f"ddeflow: error: not overwriting {', '.join(str(folder / p) for p in clashes)}")
        return 2
    wrote_pyproject = not (folder / "pyproject.toml").exists()
    for path, text in made.files.items():
        if path == "pyproject.toml" and not wrote_pyproject:
            continue
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    print(made.next_steps(str(folder), wrote_pyproject))
    return 0
