"""The simulator's deciding modules import no asyncio, websockets or httpx (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys

PURE = ("routes", "access", "ratelimit", "faults", "timeline", "rest", "control", "stats", "frames", "catalog")


def test_pure_modules_load_without_io_frameworks() -> None:
    script = (
        "import sys\n"
        + "".join(f"import ddeflow.simulator.server.{name}\n" for name in PURE)
        + "print(sorted({m.split('.')[0] for m in sys.modules} & {'asyncio', 'websockets', 'httpx'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"
