"""Shared fixtures.  ``infra`` is a real broker and registry (see tests/infra.py); tests that use it
are marked ``integration`` automatically, and the session ends by saying how many of them ran.
Hypothesis profiles (``ci``, the default, and ``fuzz``) are in tests/profiles.py."""

from __future__ import annotations

import functools
import re
import signal
import uuid
from collections.abc import Generator, Iterator

import hypothesis
import pytest

from ddeflow.config import Settings, load_settings
from tests import profiles
from tests.infra import Infra, real_infra

profiles.register()

_INTEGRATION_RESULTS: dict[str, str] = {}
_INFRA_KIND: list[str] = []
_INFRA_KIND_KEY = "ddeflow_infra_kind"
_INTEGRATION_KEY = "ddeflow_integration"
_CONFIG: list[pytest.Config] = []


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


def pytest_configure(config: pytest.Config) -> None:
    _CONFIG.append(config)
    signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM ends the run as Ctrl-C does, so the fixtures' teardown stops the private stacks and workers, which
    run in sessions of their own and would otherwise outlive a terminated run."""
    raise KeyboardInterrupt(f"signal {signum}")


_PROGRESS_EVERY = 10_000


# Markers of tests that run only when selected by name with -m, each from a make target of its own.
_OWN_TARGET = {
    "separate": "a long test with a make target of its own (-m separate)",
    "faults": "a fault-injection run over the whole stack: make test-faults (-m faults), which CI runs too",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    selected = {name for name in _OWN_TARGET if name in (config.option.markexpr or "")}
    for item in items:
        for name, reason in _OWN_TARGET.items():
            if item.get_closest_marker(name) is not None and name not in selected:
                item.add_marker(pytest.mark.skip(reason=reason))
        if "infra" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.integration)
        if hypothesis.settings.get_current_profile_name() == profiles.FUZZ:
            _count_calls(item)


def _count_calls(item: pytest.Item) -> None:
    """Under the fuzz profile, say every 10,000 calls how many examples a property has run so far, so that a
    run stopped early still tells what it did.  (``inner_test`` is hypothesis' documented hook for wrapping
    the test body.)"""
    handle = getattr(getattr(item, "obj", None), "hypothesis", None)
    if handle is None:
        return
    inner = handle.inner_test
    calls = [0]

    @functools.wraps(inner)
    def counted(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        if calls[0] % _PROGRESS_EVERY == 0:
            plugins = item.config.pluginmanager
            reporter, capture = plugins.getplugin("terminalreporter"), plugins.getplugin("capturemanager")
            if reporter is not None and capture is not None:
                with capture.global_and_fixture_disabled():  # else the test's output capture swallows it
                    reporter.write_line(f"{calls[0]:>10,} calls so far  {item.nodeid}")
        return inner(*args, **kwargs)

    handle.inner_test = counted


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Carried on the report, which xdist hands to the controlling process; it neither collects nor runs tests.
    report = yield
    report.__dict__[_INTEGRATION_KEY] = item.get_closest_marker("integration") is not None
    if _INFRA_KIND:
        report.__dict__[_INFRA_KIND_KEY] = _INFRA_KIND[0]
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "teardown" and _CONFIG:
        _note_examples(report, _CONFIG[0])
    kind = report.__dict__.get(_INFRA_KIND_KEY)
    if isinstance(kind, str) and not _INFRA_KIND:
        _INFRA_KIND.append(kind)
    if report.__dict__.get(_INTEGRATION_KEY) and (report.when == "call" or report.outcome != "passed"):
        _INTEGRATION_RESULTS[report.nodeid] = report.outcome


# The hypothesis plugin keeps each test's statistics on its report under this key, as the text it prints.
_HYPOTHESIS_STATS = "_hypothesis_stats"
_PHASE = re.compile(r"during (\w+) phase .*?(\d+) passing, (\d+) failing", re.DOTALL)
_EXAMPLES: dict[str, int] = {}


def _note_examples(report: pytest.TestReport, config: pytest.Config) -> None:
    """Count the examples a property ran (valid ones, in every phase but shrinking), from the statistics the
    hypothesis plugin leaves on its teardown report; with --hypothesis-show-statistics, say so at once."""
    text = report.__dict__.get(_HYPOTHESIS_STATS)
    if not text:
        return
    count = sum(int(passing) + int(failing) for phase, passing, failing in _PHASE.findall(text) if phase != "shrink")
    _EXAMPLES[report.nodeid] = count
    reporter = config.pluginmanager.getplugin("terminalreporter")
    if reporter is not None and config.getoption("--hypothesis-show-statistics"):
        reporter.write_line(f"{count:>10,} examples  {report.nodeid}")


@pytest.hookimpl(trylast=True)  # after the hypothesis plugin's own statistics
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _EXAMPLES:
        profile = hypothesis.settings.get_current_profile_name()
        terminalreporter.write_line(
            f"hypothesis ({profile} profile): {sum(_EXAMPLES.values()):,} examples run by {len(_EXAMPLES)} properties"
        )
    passed = sum(1 for outcome in _INTEGRATION_RESULTS.values() if outcome == "passed")
    kind = _INFRA_KIND[0] if _INFRA_KIND else "none started"
    terminalreporter.write_line(
        f"integration: {passed} of {len(_INTEGRATION_RESULTS)} tests passed against a real broker and registry ({kind})"
    )
