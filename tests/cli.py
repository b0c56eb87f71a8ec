"""Running ``ddeflow`` as a process against the test's own broker, registry and topic prefix."""

from __future__ import annotations

import os
import subprocess
import sys

from ddeflow.config import Settings


def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers or "",
        "SCHEMA_REGISTRY_URL": settings.schema_registry_url or "",
        "DDEFLOW_TOPIC_PREFIX": settings.topic_prefix,
        "COLUMNS": "250",  # rich tables fit on one line per row
    }
    return subprocess.run(
        [sys.executable, "-m", "ddeflow.cli", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
