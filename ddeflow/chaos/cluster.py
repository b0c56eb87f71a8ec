"""The broker and registry a chaos run uses, and, when the suite started them itself, the means to break them."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from dataclasses import dataclass

from ddeflow.errors import InfrastructureError
from ddeflow.local import processes
from ddeflow.local.stack import LocalStack


@dataclass(frozen=True)
class Cluster:
    bootstrap_servers: str
    registry_url: str
    stack: LocalStack | None = None
    """The embedded stack behind the addresses, when this process controls it (broker and registry faults)."""

    def control(self) -> StackControl:
        if self.stack is None:
            raise InfrastructureError("this fault needs the embedded stack the chaos suite starts itself")
        return StackControl(self.stack)


@dataclass(frozen=True)
class StackControl:
    """Kill, stop and restart the services of an embedded stack (the registry restarts with the broker)."""

    stack: LocalStack

    def _pid(self, service: str) -> int:
        state = json.loads(self.stack.layout.state_file.read_text(encoding="utf-8"))
        pid = state.get(f"{service}_pid")
        if not isinstance(pid, int) or not processes.is_ours(pid, self.stack.layout.marker(service)):
            raise InfrastructureError(f"the embedded {service} is not running")
        return pid

    async def kill(self, service: str) -> None:
        """SIGKILL: no clean shutdown, no flush."""
        pid = self._pid(service)
        os.kill(pid, signal.SIGKILL)
        marker = self.stack.layout.marker(service)
        while processes.is_ours(pid, marker) or processes.command_line(pid) is not None:
            processes.reap(pid)
            await asyncio.sleep(0.05)

    async def stop(self, service: str) -> None:
        """SIGTERM, then SIGKILL after a grace period."""
        pid = self._pid(service)
        if not await asyncio.to_thread(processes.stop, pid, self.stack.layout.marker(service)):
            raise InfrastructureError(f"the embedded {service} (pid {pid}) did not stop")

    async def up(self) -> None:
        """Start whatever is down, on the same ports and data, and wait until both answer."""
        await asyncio.to_thread(self.stack.up)
