"""Shared fixtures.  ``infra`` is a real broker and registry (see tests/infra.py); tests that use it
are marked ``integration`` automatically, and the session ends by saying how many of them ran."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from ddeflow.config import Settings, load_settings
from tests.infra import Infra, real_infra

_INTEGRATION_IDS: set[str] = set()
_INTEGRATION_RESULTS: dict[str, str] = {}
_INFRA_KIND: list[str] = []


@pytest.fixture(scope="session")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Infra]:
    with real_infra(tmp_path_factory.mktemp("ddeflow-home")) as found:
        _INFRA_KIND.append(found.kind)
        yield found


@pytest.fixture
def topic_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture
def settings(infra: Infra, topic_prefix: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings pointing at the session's real infrastructure, under a topic prefix of the test's own."""
    return load_settings(
        KAFKA_BOOTSTRAP_SERVERS=infra.bootstrap_servers,
        SCHEMA_REGISTRY_URL=infra.registry_url,
        DDEFLOW_TOPIC_PREFIX=topic_prefix,
        DDEFLOW_HOME=str(tmp_path_factory.mktemp("home")),
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "infra" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.integration)
        if item.get_closest_marker("integration") is not None:
            _INTEGRATION_IDS.add(item.nodeid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.nodeid in _INTEGRATION_IDS and (report.when == "call" or report.outcome != "passed"):
        _INTEGRATION_RESULTS[report.nodeid] = report.outcome


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    passed = sum(1 for outcome in _INTEGRATION_RESULTS.values() if outcome == "passed")
    kind = _INFRA_KIND[0] if _INFRA_KIND else "none started"
    terminalreporter.write_line(
        f"integration: {passed} of {len(_INTEGRATION_RESULTS)} tests passed against a real broker and registry ({kind})"
    )
