"""The worker over generated matches of all four sports, with duplicates and stale re-sends, against ground truth.

One worker run (``reference_run``: ``ddeflow process --until-idle 3`` as a subprocess) is
read back with ``read_committed`` and compared with what the truth files and the packets
say, worked out without the processor's code (``expect``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from ddeflow import topics
from ddeflow.producers.raw_records import Stream
from tests.processors.integration.conftest import Run
from tests.processors.integration.expect import (
    break_problems,
    event_row,
    expected_action_versions,
    expected_fixture_events,
    expected_score_changes,
    truth_final_statuses,
)
from tests.processors.integration.kafka_io import action_topics
from tests.processors.integration.plan import Kind, Match, first_received_ns

pytestmark = pytest.mark.timeout(600)


def _actions_of(run: Run, match: Match) -> dict[str, list[dict[str, Any]]]:
    by_key = run.derived.per_key(topics.derived_actions(match.sport))
    return {key: values for key, values in by_key.items() if values[0]["fixtureId"] == match.fixture_id and key}


def test_score_changes_follow_the_truth_timeline(reference_run: Run, e2e_matches: list[Match]) -> None:
    by_key = reference_run.derived.per_key(topics.SCORE_CHANGES)
    assert set(by_key) == {m.fixture_id for m in e2e_matches}
    for match in e2e_matches:
        received = first_received_ns(reference_run.plan, match.fixture_id, Stream.ACTIONS)
        expected = expected_score_changes(match, received)
        got = by_key[match.fixture_id]
        assert len(got) == len(expected), f"{match.sport} {match.fixture_id}: {len(got)} records, {len(expected)} due"
        for index, (record, due) in enumerate(zip(got, expected, strict=True)):
            assert record == due, f"{match.sport} {match.fixture_id} score change #{index}"


def test_snooker_break_completions_match_the_truth_breaks(reference_run: Run, e2e_matches: list[Match]) -> None:
    by_key = reference_run.derived.per_key(topics.BREAK_COMPLETIONS)
    snooker = [m for m in e2e_matches if m.statistics]
    assert snooker and set(by_key) == {m.fixture_id for m in snooker}
    for match in snooker:
        assert break_problems(by_key[match.fixture_id], match.truth["breaks"]) == [], match.fixture_id
        received = first_received_ns(reference_run.plan, match.fixture_id, Stream.STATISTICS)
        assert all(v["receivedAt"] == received[v["statisticsSeqNum"]] // 1000 for v in by_key[match.fixture_id])
    revised = [v for key in by_key for v in by_key[key] if v["revision"] > 1]
    assert revised, "the input has a referee correction; a revision 2 was due"


def test_each_derived_record_is_written_exactly_once(reference_run: Run) -> None:
    derived = reference_run.derived
    identities: dict[str, list[tuple[Any, ...]]] = {
        topics.SCORE_CHANGES: [
            (v["fixtureId"], v["fixtureSeqNum"], v["period"]) for v in derived.values(topics.SCORE_CHANGES)
        ],
        topics.FIXTURE_EVENTS: [
            (v["fixtureId"], v["fixtureSeqNum"], v["eventType"], v["period"])
            for v in derived.values(topics.FIXTURE_EVENTS)
        ],
        topics.BREAK_COMPLETIONS: [
            (v["fixtureId"], v["frame"], v["breakSeq"], v["revision"]) for v in derived.values(topics.BREAK_COMPLETIONS)
        ],
    }
    for name in action_topics():
        identities[name] = [(v["actionId"], v["revision"]) for v in derived.values(name)]
    for name, seen in identities.items():
        repeated = [identity for identity, n in Counter(seen).items() if n > 1]
        assert repeated == [], f"{name}: written more than once: {repeated[:5]}"
    # Keys are what the README says: fixtureId, or actionId for action states.
    for name in (topics.SCORE_CHANGES, topics.FIXTURE_EVENTS, topics.BREAK_COMPLETIONS):
        assert all(o.key == o.value["fixtureId"] for o in derived.records[name]), name
    for name in action_topics():
        assert all(o.key == o.value["actionId"] for o in derived.records[name]), name
    assert derived.dead_letters() == []


def test_action_states_have_one_revision_per_version_and_end_in_the_final_status(
    reference_run: Run, e2e_matches: list[Match]
) -> None:
    for match in e2e_matches:
        received = first_received_ns(reference_run.plan, match.fixture_id, Stream.ACTIONS)
        expected = expected_action_versions(match, received)
        got = _actions_of(reference_run, match)
        assert set(got) == set(expected), f"{match.fixture_id}: actionIds differ"
        for action_id, versions in expected.items():
            records = [{k: v for k, v in value.items() if k != "anomaly"} for value in got[action_id]]
            assert records == versions, f"{match.sport} action {action_id}"
        finals = Counter(values[-1]["status"] for values in got.values())
        assert finals == truth_final_statuses(match), match.fixture_id


def test_duplicates_and_stale_resends_were_counted_and_dropped(reference_run: Run) -> None:
    counters = reference_run.workers[0].counters()
    plan = reference_run.plan
    actions = Counter(d.kind for d in plan if d.stream is Stream.ACTIONS)
    snapshots = Counter(d.kind for d in plan if d.stream is Stream.STATISTICS)
    resent = actions[Kind.DUPLICATE] + actions[Kind.STALE]
    assert counters.get("actions.applied") == actions[Kind.ORIGINAL], counters
    assert counters.get("actions.duplicate", 0) + counters.get("actions.stale", 0) == resent, counters
    assert counters.get("summaries.applied") == actions[Kind.ORIGINAL], counters
    assert counters.get("summaries.duplicate", 0) + counters.get("summaries.stale", 0) == resent, counters
    assert counters.get("summaries.duplicate", 0) >= actions[Kind.DUPLICATE], counters
    assert counters.get("statistics.applied") == snapshots[Kind.ORIGINAL], counters


def test_fixture_events_are_the_transitions_of_the_summaries(reference_run: Run, e2e_matches: list[Match]) -> None:
    by_key = reference_run.derived.per_key(topics.FIXTURE_EVENTS)
    for match in e2e_matches:
        got = by_key[match.fixture_id]
        assert Counter(event_row(v) for v in got) == expected_fixture_events(match), match.fixture_id
        seqs = [v["fixtureSeqNum"] for v in got]
        assert seqs == sorted(seqs), f"{match.fixture_id}: events out of fixtureSeqNum order"
        final = match.truth["final"]
        statuses = [v["current"] for v in got if v["eventType"] == "StatusChanged"]
        collections = [v["current"] for v in got if v["eventType"] == "CollectionStatusChanged"]
        assert statuses[-1] == final["status"] and collections[-1] == final["collectionStatus"]
