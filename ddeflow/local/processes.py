"""Starting, recognising and stopping the local JVMs.

A pid alone is not proof: pids are reused.  A process is ours only if it is
alive *and* its command line carries the marker ``-Dddeflow.service=...@home``
that ``up`` gave it.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import time
from pathlib import Path

from ddeflow.errors import InfrastructureError, ServiceStartError


def spawn(command: list[str], log_file: Path) -> subprocess.Popen[bytes]:
    """Start ``command`` detached from our session, appending its output to ``log_file``."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        try:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            raise ServiceStartError(f"could not start {command[0]}: {exc.strerror}") from None
    return proc


def command_line(pid: int) -> str | None:
    """The command line of ``pid``, or None when no such process is alive."""
    if Path("/proc/self").exists():
        # Reads empty while the process execs or exits: ask again briefly before calling it gone.
        for _ in range(5):
            try:
                raw = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                return None
            if raw:
                return raw.replace(b"\0", b" ").decode("utf-8", "replace")
            if _is_zombie(pid):
                return None
            time.sleep(0.05)
        return None
    done = subprocess.run(["ps", "-p", str(pid), "-o", "command="], capture_output=True, text=True, check=False)
    return done.stdout.strip() or None


def is_ours(pid: int | None, marker: str) -> bool:
    if pid is None:
        return False
    line = command_line(pid)
    return line is not None and marker in line and not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


def reap(pid: int) -> None:
    """Collect the exit status if ``pid`` is our child, so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def stop(pid: int, marker: str, *, grace_s: float = 30.0) -> bool:
    """SIGTERM, then SIGKILL after ``grace_s``; True when the process is gone."""
    return pid in stop_all({pid: marker}, grace_s=grace_s)


def stop_all(markers: dict[int, str], *, grace_s: float = 30.0) -> set[int]:
    """SIGTERM every pid at once, SIGKILL those still there after ``grace_s``; returns the pids that are gone."""
    ours = {pid: marker for pid, marker in markers.items() if is_ours(pid, marker)}
    for pid in ours:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    left = _wait_gone(ours, grace_s)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    left = _wait_gone(left, 5.0)
    return set(markers) - set(left)


def kill(pid: int, marker: str) -> bool:
    """SIGKILL at once, as a crash would end it; True when the process is gone."""
    if not is_ours(pid, marker):
        return True
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    return not _wait_gone({pid: marker}, 5.0)


def _wait_gone(markers: dict[int, str], timeout_s: float) -> dict[int, str]:
    """Poll until the processes are gone or time is up; returns those still there."""
    left = dict(markers)
    deadline = time.monotonic() + timeout_s
    while left:
        for pid in list(left):
            reap(pid)
            if not is_ours(pid, left[pid]):
                del left[pid]
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    return left


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


# Service ports come from outside the kernel's ephemeral range: a port the kernel can hand to any process's
# outgoing connection may be taken while a service is down, and a broker restarted on it then fails to bind.
_EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_SERVICE_PORTS_FROM = 10_000


def service_port_ranges(ephemeral: tuple[int, int] | None = None) -> list[range]:
    """The port ranges free ports are drawn from: above 10,000 and outside ``ephemeral`` (default: the kernel's)."""
    low, high = ephemeral if ephemeral is not None else ephemeral_range()
    ranges = [
        range(_SERVICE_PORTS_FROM, max(_SERVICE_PORTS_FROM, low)),
        range(max(_SERVICE_PORTS_FROM, high + 1), 65536),
    ]
    return [r for r in ranges if len(r)]


def ephemeral_range() -> tuple[int, int]:
    try:
        low, high = (int(part) for part in _EPHEMERAL_RANGE_FILE.read_text().split())
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default
    return low, high


def free_port() -> int:
    """A port free on loopback now, outside the ephemeral range."""
    return free_port_block(1)


def free_port_block(count: int, attempts: int = 200) -> int:
    """The first of ``count`` consecutive ports that are all free on loopback now, outside the ephemeral range."""
    ranges = [r for r in service_port_ranges() if len(r) >= count]
    for _ in range(attempts):
        chosen = random.choice(ranges) if ranges else None
        if chosen is None:
            break
        first = random.randrange(chosen.start, chosen.stop - count + 1)
        if all(_bindable(port) for port in range(first, first + count)):
            return first
    raise InfrastructureError(f"found no {count} consecutive free ports on 127.0.0.1 outside the ephemeral range")


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def tail(log_file: Path, lines: int = 8) -> str:
    try:
        text = log_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])
