"""ddeflow is the only top-level name: dde, producers, processors, simulator and schemas live under it.

The folders stay at the top of the repository and are linked into ddeflow/, so one file could load twice, once
under each name, if anything imported the old names.  Checked in a fresh interpreter after importing every module.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

OLD_NAMES = ("dde", "producers", "processors", "simulator", "schemas")

_SCRIPT = """
import importlib, json, pkgutil, sys
from pathlib import Path
import ddeflow.cli
ddeflow.cli.build_parser()  # imports every sub-command's module
for package in ("ddeflow.dde", "ddeflow.producers", "ddeflow.processors", "ddeflow.simulator"):
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        importlib.import_module(info.name)
from ddeflow import topic_schemas
schemas = sorted({binding.schema_name for binding in topic_schemas.every_binding()})
for name in schemas:
    topic_schemas.load_schema(name)
files = {}
for name, module in list(sys.modules.items()):
    path = getattr(module, "__file__", None)
    if path and (name == "ddeflow" or name.startswith("ddeflow.")):
        files.setdefault(str(Path(path).resolve()), []).append(name)
print(json.dumps({"modules": sorted(sys.modules), "files": files, "schemas": schemas}))
"""


def _loaded() -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, timeout=120, check=True)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_no_module_is_loaded_under_an_old_top_level_name_or_twice() -> None:
    loaded = _loaded()
    modules = loaded["modules"]
    files = loaded["files"]
    assert isinstance(modules, list) and isinstance(files, dict)
    assert "ddeflow.processors.worker" in modules and "ddeflow.producers.ws_stream" in modules
    assert "ddeflow.simulator.server.app" in modules and "ddeflow.dde.parse" in modules
    old = sorted(name for name in modules if name.split(".")[0] in OLD_NAMES)
    assert old == [], old
    twice = {path: names for path, names in files.items() if len(names) > 1}
    assert twice == {}, twice
    # every bound schema loads through ddeflow.schemas, and every .avsc file in schemas/ is bound
    assert loaded["schemas"] == sorted(path.stem for path in (Path(__file__).parents[2] / "schemas").glob("*.avsc"))
