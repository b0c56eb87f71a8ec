"""This process's peak resident memory."""

from __future__ import annotations

import resource
from pathlib import Path

_STATUS = Path("/proc/self/status")


def peak_rss_mb() -> float:
    """The most resident memory this program has had, in MiB.

    On Linux the kernel's ``VmHWM`` of the process's own address space: ``getrusage``'s ``ru_maxrss`` survives
    ``exec``, so a process started by a large parent reports the parent's peak there.  Elsewhere ``ru_maxrss``
    (KiB on Linux and the BSDs' convention used here).
    """
    try:
        for line in _STATUS.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
