"""``ddeflow bench`` end to end on the smallest profile: it runs every phase against the session's broker and
writes the report, the table and the plots.  Three to eight minutes on a loaded 2-core machine, the stack's
start included: ``make test-bench``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra import Infra

pytestmark = [pytest.mark.timeout(900), pytest.mark.separate]


def test_the_smallest_profile_writes_the_report_with_its_keys(infra: Infra, tmp_path: Path) -> None:
    out = tmp_path / "report"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DDEFLOW_", "KAFKA_", "SCHEMA_"))},
        "KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap_servers,
        "SCHEMA_REGISTRY_URL": infra.registry_url,
        "DDEFLOW_HOME": str(tmp_path / "home"),
    }
    args = ["bench", "--profile", "smallest", "--out", str(out), "--variant", "DDEFLOW_FETCH_MAX_WAIT_MS=10"]
    done = subprocess.run(
        [sys.executable, "-m", "ddeflow.cli", *args], env=env, capture_output=True, text=True, timeout=840, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]

    found = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert found["profile"] == "smallest" and found["machine"]["broker"].startswith("an external cluster")
    feed = found["feed"]
    assert feed["fixtures"] == 4 and feed["duplicates"] > 0 and feed["stale"] > 0
    throughput = found["throughput"]
    for side in ("worker", "baseline_transactional", "baseline_plain"):
        assert throughput[side]["records"] == feed["packets"] and throughput[side]["per_s"] > 0
    assert throughput["ratio_transactional"] > 0 and throughput["ratio_plain"] > 0
    (row,) = found["latency"]
    assert row["offered_per_s"] == 200
    # Every derived record of the measured part is seen: at least one per raw packet that is not a duplicate.
    assert row["worker"]["count"] > 0.8 * row["worker"]["fed"] and row["baseline"]["count"] == row["baseline"]["fed"]
    assert row["p99_ratio"] > 0
    (variant,) = row["variants"]
    assert variant["knobs"] == "DDEFLOW_FETCH_MAX_WAIT_MS=10" and variant["count"] > 0
    assert found["memory"]["worker_peak_rss_mb"] > 0
    ingest = found["ingest"]
    assert ingest["peak_streams"] == ingest["streams"] == 8 and ingest["complete_fixtures"] == 8
    assert ingest["frames_written"] == ingest["frames"] and ingest["p99_ms"] > 0
    assert ingest["baseline"]["count"] > 0 and ingest["p99_ratio"] > 0
    table = (out / "report.md").read_text(encoding="utf-8")
    assert "| delay p99, 200 packets/s" in table and "vs transactional pass-through" in table
    assert "| ingest live receipt to ack p99" in table
    for png in ("latency-cdf.png", "throughput.png", "rss.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
