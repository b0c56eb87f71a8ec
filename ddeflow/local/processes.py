"""Starting, recognising and stopping the local JVMs.

A pid alone is not proof: pids are reused.  A process is ours only if it is
alive *and* its command line carries the marker ``-Dddeflow.service=...@home``
that ``up`` gave it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from ddeflow.errors import ServiceStartError


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
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        return raw.replace(b"\0", b" ").decode("utf-8", "replace") if raw else None
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
    if not is_ours(pid, marker):
        return True
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        reap(pid)
        if not is_ours(pid, marker):
            return True
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    for _ in range(50):
        reap(pid)
        if not is_ours(pid, marker):
            return True
        time.sleep(0.1)
    return False


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def tail(log_file: Path, lines: int = 8) -> str:
    try:
        text = log_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])
