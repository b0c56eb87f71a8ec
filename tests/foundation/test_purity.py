"""The domain package and the processor cores load no I/O client, and the domain package nothing else of ours.

Checked in a fresh interpreter, importing every module of the package, so an import added anywhere shows here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

IO_CLIENTS = ("aiokafka", "websockets", "httpx", "fastavro")


def _loaded_after_importing(package: str) -> set[str]:
    script = (
        "import importlib, json, pkgutil, sys\n"
        f"root = importlib.import_module({package!r})\n"
        f"for info in pkgutil.walk_packages(root.__path__, {package + '.'!r}):\n"
        "    importlib.import_module(info.name)\n"
        "print(json.dumps(sorted({'.'.join(name.split('.')[:2]) for name in sys.modules})))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    return set(json.loads(done.stdout))


@pytest.mark.parametrize("package", ["ddeflow.dde", "ddeflow.processors.core"])
def test_loads_no_io_client(package: str) -> None:
    loaded = _loaded_after_importing(package)
    assert "ddeflow.dde" in loaded  # the import did happen
    top = {name.split(".")[0] for name in loaded}
    assert top.isdisjoint(IO_CLIENTS), sorted(top & set(IO_CLIENTS))


def test_the_domain_package_is_the_bottom_layer() -> None:
    ours = {name for name in _loaded_after_importing("ddeflow.dde") if name.startswith("ddeflow.")}
    assert ours == {"ddeflow.dde"}
