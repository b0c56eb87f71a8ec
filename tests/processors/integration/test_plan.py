"""The feed plan and the expectations the end-to-end tests rely on (no broker needed)."""

from __future__ import annotations

import itertools
from collections import Counter

from ddeflow.producers.raw_records import HEADER_RECEIVED_AT, HEADER_SOURCE, HEADER_STREAM, Stream
from tests.processors.integration.conftest import Trouble
from tests.processors.integration.expect import (
    expected_action_versions,
    expected_fixture_events,
    expected_score_changes,
    truth_final_statuses,
)
from tests.processors.integration.plan import Delivery, Kind, Match, first_received_ns


def test_plan_keeps_every_stream_in_order_with_duplicates_and_stale_resends(
    e2e_matches: list[Match], e2e_plan: tuple[Delivery, ...]
) -> None:
    kinds = Counter(item.kind for item in e2e_plan)
    assert kinds[Kind.DUPLICATE] > 20 and kinds[Kind.STALE] > 20
    for match in e2e_matches:
        for stream, lines in ((Stream.ACTIONS, match.actions), (Stream.STATISTICS, match.statistics)):
            mine = [d for d in e2e_plan if d.fixture_id == match.fixture_id and d.stream is stream]
            assert tuple(d.value for d in mine if d.kind is Kind.ORIGINAL) == lines
            highest = 0
            for index, item in enumerate(mine):
                if item.kind is Kind.DUPLICATE:
                    assert mine[index - 1].value == item.value
                elif item.kind is Kind.STALE:
                    assert item.seq() < highest
                highest = max(highest, item.seq())
    # Fixtures of one sport are interleaved, not sent one after the other.
    basketball = [d.fixture_id for d in e2e_plan if d.sport.value == "basketball"]
    switches = sum(1 for a, b in itertools.pairwise(basketball) if a != b)
    assert switches > 100
    stamps = [d.received_at_ns for d in e2e_plan]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)


def test_plan_headers_are_the_producers_file_headers(e2e_plan: tuple[Delivery, ...]) -> None:
    headers = dict(e2e_plan[0].headers("p."))
    assert headers[HEADER_SOURCE] == b"file"
    assert headers[HEADER_STREAM] == e2e_plan[0].stream.value.encode()
    assert int(headers[HEADER_RECEIVED_AT]) == e2e_plan[0].received_at_ns


def test_trouble_is_mixed_in_without_touching_the_plain_records(
    e2e_plan: tuple[Delivery, ...], trouble: Trouble
) -> None:
    plain = [d for d in trouble.plan if d.kind not in (Kind.BAD, Kind.ODD)]
    assert tuple(plain) == e2e_plan
    assert [d for d in trouble.plan if d.kind is Kind.ODD] == list(trouble.odd.deliveries)
    assert {d.expect_reason for d in trouble.bad} >= {"malformed_json", "missing_field", "wrong_type"}


def test_expectations_agree_with_the_generators_final_state(
    e2e_matches: list[Match], e2e_plan: tuple[Delivery, ...]
) -> None:
    for match in e2e_matches:
        received = first_received_ns(e2e_plan, match.fixture_id, Stream.ACTIONS)
        changes = expected_score_changes(match, received)
        final = match.truth["final"]
        assert changes, match.fixture_id
        assert (changes[-1]["homeScore"], changes[-1]["awayScore"]) == (final["homeScore"], final["awayScore"])
        versions = expected_action_versions(match, received)
        assert sum(len(v) for v in versions.values()) == final["packets"]
        assert Counter(v[-1]["status"] for v in versions.values()) == truth_final_statuses(match)
        events = expected_fixture_events(match)
        assert sum(1 for row in events if row[0] == "Finished") == 1
        assert {row[2] for row in events if row[0] == "PeriodStarted"} == {p["id"] for p in final["periods"]}
    corrections = sum(
        change["isCorrection"]
        for match in e2e_matches
        for change in expected_score_changes(match, first_received_ns(e2e_plan, match.fixture_id, Stream.ACTIONS))
    )
    assert corrections > 0  # the input exercises corrections, not only increases
