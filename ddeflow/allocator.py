"""A fixed glibc mmap threshold, so the large blocks a long-running command frees go back to the system.

glibc serves a block above its mmap threshold (128 KiB at start) with its own mapping and unmaps it on free,
but it raises the threshold to the size of each such block freed, up to 32 MiB.  After the worker frees one
fetch buffer or one table of its state dict (a few MiB), blocks of up to that size come from the heap instead,
and the heap's high-water mark stays: in a 10-minute soak the worker's heap grew from 29 to 39 MiB in steps
while its live objects stayed level.  Any ``mallopt(M_MMAP_THRESHOLD, ...)`` turns that adjustment off.
"""

from __future__ import annotations

import ctypes

M_MMAP_THRESHOLD = -3
"""``mallopt``'s parameter number in glibc's ``malloc.h``."""
MMAP_THRESHOLD_BYTES = 256 * 1024


def fix_mmap_threshold(threshold: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Fix the threshold at ``threshold`` bytes; False where the C library has no ``mallopt`` (not glibc)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, threshold))
