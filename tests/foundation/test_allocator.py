"""The fixed mmap threshold: after a large block is freed, a smaller large block still gets its own mapping
instead of growing the heap for good.  Each case runs in a fresh interpreter, whose allocator has seen nothing."""

from __future__ import annotations

import ctypes
import subprocess
import sys

import pytest

CHILD = """
import ctypes, sys
from ddeflow.allocator import fix_mmap_threshold

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
if sys.argv[1] == "fixed":
    assert fix_mmap_threshold()
freed = bytearray(8 * 1024 * 1024)
del freed
before = libc.mallinfo2().arena
held = bytearray(2 * 1024 * 1024)
print(libc.mallinfo2().arena - before)
"""


def _heap_growth(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", CHILD, mode], capture_output=True, text=True, check=True)
    return int(done.stdout)


@pytest.mark.skipif(not hasattr(ctypes.CDLL(None), "mallinfo2"), reason="needs glibc 2.33 or later")
def test_a_block_below_one_freed_before_gets_a_mapping_not_heap() -> None:
    # Without the fix glibc has raised its threshold past 2 MiB when the 8 MiB block was freed.
    assert _heap_growth("default") >= 2 * 1024 * 1024
    assert _heap_growth("fixed") < 256 * 1024
