"""A process's peak memory is its own, not the peak of the process that started it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PARENT_MB = 300
CHILD = (
    "import resource; from ddeflow.process_memory import peak_rss_mb; "
    "print(peak_rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="no /proc: ru_maxrss is all there is")
def test_a_child_of_a_large_parent_reports_its_own_peak() -> None:
    held = bytearray(PARENT_MB * 1024 * 1024)
    held[::4096] = b"\x01" * len(range(0, len(held), 4096))  # touched, so resident
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True, timeout=60)
    ours, inherited = (float(x) for x in done.stdout.split())
    assert inherited >= PARENT_MB  # the control: ru_maxrss carries the parent's peak across exec
    assert 0 < ours < PARENT_MB / 2
    del held
