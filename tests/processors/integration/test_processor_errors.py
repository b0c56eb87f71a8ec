"""Processors that raise, in a live pipeline: their packets go to ``dde.dlq`` under their names with the exception,
the other derived topics are what a run without them wrote, and one that fails on every packet is switched off
by its circuit breaker, with an error in the log.

The two processors (``failing_processors.py``) are declared through a ``ddeflow.processors`` entry point of their
own: a ``.dist-info`` folder on the worker's ``PYTHONPATH``, as an installed package would have, pointing into this
test package (the worker runs in the repository).  ``DDEFLOW_PROCESSORS`` is left at ``all``.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from ddeflow import topics
from ddeflow.dde.sports import Sport
from ddeflow.dlq import read_dlq_headers
from ddeflow.harness.derived import differences
from ddeflow.processors.api import BREAKER_THRESHOLD
from ddeflow.processors.runner import DLQ_REASON
from ddeflow.producers.raw_records import Stream
from tests.infra import Infra
from tests.processors.integration.conftest import Run, single_run
from tests.processors.integration.failing_processors import (
    BROKEN,
    FLAKY,
    FLAKY_EVERY,
    broken_detail,
    flaky_detail,
)
from tests.processors.integration.kafka_io import Written
from tests.processors.integration.plan import Delivery

pytestmark = pytest.mark.timeout(600)

SPORTS = (Sport.BASKETBALL, Sport.VOLLEYBALL)
"""The failing processors' sports: the run is fed only those (the others' output is not at stake)."""
ENTRY_POINTS = f"""[ddeflow.processors]
{FLAKY.name} = tests.processors.integration.failing_processors:FLAKY
{BROKEN.name} = tests.processors.integration.failing_processors:BROKEN
"""


def _declare(site: Path) -> None:
    info = site / "e2e_failing_processors-0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: e2e-failing-processors\nVersion: 0\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)


def _letters(run: Run, origin: str) -> list[tuple[int, int, bytes, dict[str, str]]]:
    """The dead letters of ``origin``: (source partition, source offset, value, headers), in source order."""
    found = []
    for out in run.derived.dead_letters():
        headers = read_dlq_headers(out.headers)
        if headers["dlq.origin"] == origin:
            found.append((int(headers["dlq.source.partition"]), int(headers["dlq.source.offset"]), out.value, headers))
    return sorted(found, key=lambda letter: letter[:2])


def _of(written: list[Written], sport: Sport) -> list[Written]:
    """The deliveries of ``sport``'s actions stream, in (partition, offset) order: every one is an event."""
    mine = [w for w in written if w.delivery.sport is sport and w.delivery.stream is Stream.ACTIONS]
    return sorted(mine, key=lambda w: (w.partition, w.offset))


def _check_letter(letter: tuple[int, int, bytes, dict[str, str]], source: Written, run: Run, detail: str) -> None:
    partition, offset, value, headers = letter
    delivery: Delivery = source.delivery
    assert (partition, offset) == (source.partition, source.offset)
    assert value == delivery.value
    assert headers["dlq.reason"] == DLQ_REASON
    assert headers["dlq.detail"] == detail
    assert headers["dlq.source.topic"] == delivery.topic(run.settings.topic_prefix)


async def test_a_raising_processor_is_dead_lettered_by_name_and_changes_no_other_topic(
    infra: Infra,
    reference_run: Run,
    e2e_logs: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _declare(tmp_path / "site")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "site"))
    plan = tuple(d for d in reference_run.plan if d.sport in SPORTS)  # the reference plan's fixtures of their sports
    run = await single_run(infra, tmp_path / "home", e2e_logs, "raising", plan)
    worker = run.workers[0]
    counters = worker.counters()

    # The flaky one: each packet it refused, and only those, under its name with the exception.
    refused = [w for w in _of(run.written, Sport.BASKETBALL) if w.delivery.seq() % FLAKY_EVERY == 0]
    flaky = _letters(run, f"processor:{FLAKY.name}")
    assert refused and len(flaky) == len(refused)
    for letter, source in zip(flaky, refused, strict=True):
        _check_letter(letter, source, run, flaky_detail(source.delivery.seq()))
    assert counters.get(f"processor.{FLAKY.name}.errors") == len(refused)
    assert f"processor.{FLAKY.name}.tripped" not in counters

    # The broken one: the first BREAKER_THRESHOLD packets of each partition, then it is switched off there.
    by_partition: dict[int, list[Written]] = defaultdict(list)
    for source in _of(run.written, Sport.VOLLEYBALL):
        by_partition[source.partition].append(source)
    due = [source for sources in by_partition.values() for source in sources[:BREAKER_THRESHOLD]]
    tripped = sorted(p for p, sources in by_partition.items() if len(sources) >= BREAKER_THRESHOLD)
    broken = _letters(run, f"processor:{BROKEN.name}")
    assert tripped and len(broken) == len(due)
    for letter, source in zip(broken, due, strict=True):
        _check_letter(letter, source, run, broken_detail(source.delivery.seq()))
    assert counters.get(f"processor.{BROKEN.name}.tripped") == len(tripped)
    log = worker.stderr_path.read_text(errors="replace")
    for partition in tripped:
        assert (
            f"processor {BROKEN.name} (version 1) failed on {BREAKER_THRESHOLD} events in a row in partition "
            f"{partition} and is SWITCHED OFF there" in log
        ), worker.tail()

    # Nothing else in the DLQ, and every other derived topic as the run without them wrote it for these fixtures.
    assert len(run.derived.dead_letters()) == len(flaky) + len(broken)
    mine = run.derived.comparable()
    reference = reference_run.derived.comparable()
    assert mine.pop(topics.DLQ) and reference.pop(topics.DLQ) == {}
    assert mine.keys() == reference.keys()
    fixtures = {d.fixture_id for d in plan}
    for name, by_key in reference.items():
        due = {key: [v for v in values if v["fixtureId"] in fixtures] for key, values in by_key.items()}
        due = {key: values for key, values in due.items() if values}
        assert mine[name] == due, (name, differences(mine[name], due))
    assert mine[topics.SCORE_CHANGES] and mine[topics.BASKETBALL_SCORING_RUNS]
