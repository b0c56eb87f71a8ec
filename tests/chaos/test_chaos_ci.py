"""The chaos suite's short profile, in ``make test-faults`` (which CI runs): a golden run of the whole pipeline
(simulator, ``ingest live``, ``process`` as subprocesses) over one short match per sport, then the scenarios of
``CI_PROFILE`` (see there for why not the others), each compared record by record with the golden run.

``make chaos`` runs every scenario over longer matches; see ``ddeflow.chaos``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ddeflow.chaos.cluster import Cluster
from ddeflow.chaos.data import make_feed
from ddeflow.chaos.report import print_report, write_json
from ddeflow.chaos.scenarios import CI_PROFILE, WORKER_KILLS, by_number
from ddeflow.chaos.suite import run_suite
from tests.infra import Infra

pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.timeout(900)]

TIME_SCALE = 0.002  # the longest match plays in about 25 s
SEED = 5


async def test_the_ci_profile_leaves_the_derived_topics_exactly_as_the_golden_run(infra: Infra, tmp_path: Path) -> None:
    feed = make_feed(tmp_path / "data", per_sport=1, seed=SEED, time_scale=TIME_SCALE)
    cluster = Cluster(infra.bootstrap_servers, infra.registry_url)
    suite = await run_suite(cluster, feed, by_number(CI_PROFILE), tmp_path)
    write_json(suite, tmp_path / "chaos-report.json")
    print_report(suite)

    outcomes = {outcome.scenario.number: outcome for outcome in suite.scenarios}
    assert sorted(outcomes) == sorted(CI_PROFILE)
    # Every fault really happened.
    assert len(outcomes[1].faults) == WORKER_KILLS
    golden_raw = suite.golden.raw_records
    assert outcomes[6].raw_records is not None and outcomes[6].raw_records >= 2.5 * golden_raw, (
        outcomes[6].raw_records,
        golden_raw,
    )
    # And the derived topics are as if none had.
    differing = {
        number: (
            outcome.status,
            outcome.totals,
            [d.to_json() for d in outcome.topics if not d.totals.clean],
            outcome.problems,
        )
        for number, outcome in outcomes.items()
        if outcome.status != "clean"
    }
    assert differing == {}
