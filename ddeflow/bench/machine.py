"""What a benchmark ran on: cores, memory, the load at the start, Python and the broker."""

from __future__ import annotations

import os
import platform
from typing import Any

import psutil

from ddeflow.harness.infra import Infra
from ddeflow.versions import KAFKA_IMAGE, KAFKA_VERSION


def broker(infra: Infra) -> str:
    if infra.kind == "local jar stack":
        return f"Apache Kafka {KAFKA_VERSION} (embedded jar stack, one node)"
    if infra.kind == "external":
        return f"an external cluster at {infra.bootstrap_servers} (version not read)"
    return f"{KAFKA_IMAGE} ({infra.kind})"


def machine(infra: Infra) -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "load_avg_1m": round(os.getloadavg()[0], 1),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "broker": broker(infra),
    }
