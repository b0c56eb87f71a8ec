"""The compose file's Prometheus and Grafana (no Docker here): the scrape targets are the services serving /metrics on
their configured port, and the dashboard asks only for metrics ddeflow serves, and for all of them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from ddeflow.config import load_settings
from ddeflow.metrics import IngestFigures, ProcessMetrics, ingest_registry

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def _yaml(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _services() -> dict[str, Any]:
    services: dict[str, Any] = _yaml(REPO / "docker-compose.yml")["services"]
    return services


def _mounts(service: dict[str, Any]) -> dict[str, Path]:
    """Container path -> the repository path mounted there."""
    found = {}
    for mount in service.get("volumes", []):
        source, target = mount.split(":")[:2]
        if source.startswith("./"):
            found[target] = REPO / source
    return found


def _exposed() -> dict[str, set[str]]:
    """Every metric family ddeflow serves, with the sample names a query can use."""
    families = [
        *ProcessMetrics().registry.collect(),
        *ingest_registry(lambda: IngestFigures(0, 0, 0, {}, 0)).collect(),
    ]
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
    return {family.name: {family.name + suffix for suffix in suffixes[family.type]} for family in families}


def test_prometheus_scrapes_ingest_and_process_on_their_metrics_port() -> None:
    services = _services()
    config_path = _mounts(services["prometheus"])["/etc/prometheus/prometheus.yml"]
    targets = {
        target
        for job in _yaml(config_path)["scrape_configs"]
        for group in job["static_configs"]
        for target in group["targets"]
    }
    expected = set()
    for name in ("ingest", "process"):
        port = load_settings(
            DDEFLOW_METRICS_PORT=str(services[name]["environment"]["DDEFLOW_METRICS_PORT"])
        ).metrics_port
        assert port > 0
        expected.add(f"{name}:{port}")
    assert targets == expected


def test_grafana_is_provisioned_with_the_prometheus_source_and_the_dashboard() -> None:
    grafana = _services()["grafana"]
    mounts = _mounts(grafana)
    provisioning = mounts["/etc/grafana/provisioning"]
    (source,) = _yaml(provisioning / "datasources" / "prometheus.yml")["datasources"]
    assert source["type"] == "prometheus" and source["url"] == "http://prometheus:9090"
    (provider,) = _yaml(provisioning / "dashboards" / "ddeflow.yml")["providers"]
    dashboards = mounts[provider["options"]["path"]]
    dashboard = json.loads((dashboards / "ddeflow.json").read_text(encoding="utf-8"))
    assert grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"].endswith("/ddeflow.json")
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == source["uid"], panel["title"]


def test_the_dashboard_queries_every_metric_ddeflow_serves_and_nothing_else() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "ddeflow.json").read_text(encoding="utf-8"))
    queried = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"ddeflow_\w+", target["expr"])
    }
    exposed = _exposed()
    servable = set().union(*exposed.values())
    assert queried <= servable, sorted(queried - servable)
    unused = [family for family, names in exposed.items() if not names & queried]
    assert not unused, f"served but on no panel: {unused}"
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
