"""Bad frames mixed into the raw streams go to ``dde.dlq`` byte for byte; the good frames' output does not change.

Values outside the documented enums are not errors: such packets are processed and
flagged (status ``Unknown``, an ``anomaly`` text, the status as sent), never dead-lettered.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ddeflow import topics
from ddeflow.config import Settings
from ddeflow.dde.sports import Sport
from ddeflow.dlq import read_dlq_headers
from tests.processors.integration.conftest import WORKER_TIMEOUT_S, Run, Trouble
from tests.processors.integration.kafka_io import (
    Written,
    create_raw_topics,
    feed,
    read_derived,
    run_until_idle,
)
from tests.processors.integration.plan import (
    ODD_FIXTURE_ID,
    UNKNOWN_SEND_TYPE_ID,
    UNKNOWN_STATUS,
    Delivery,
    Kind,
    Match,
    huge_delivery,
    mix_in,
)

pytestmark = pytest.mark.timeout(600)

HUGE_BYTES = 4 * 1024 * 1024 + 4096


def _where(written: list[Written], item: Delivery) -> Written:
    (found,) = [w for w in written if w.delivery == item]
    return found


def _check_dead_letters(run: Run, bad: tuple[Delivery, ...]) -> None:
    letters = run.derived.dead_letters()
    assert len(letters) == len(bad), [read_dlq_headers(o.headers) for o in letters]
    for item in bad:
        matching = [o for o in letters if o.value == item.value]
        assert len(matching) == 1, f"{item.expect_reason}: {len(matching)} dead letters with its bytes"
        letter = matching[0]
        headers = read_dlq_headers(letter.headers)
        source = _where(run.written, item)
        assert headers["dlq.reason"] == item.expect_reason, headers
        if item.expect_field is not None:
            assert headers["dlq.field"] == item.expect_field, headers
        assert headers["dlq.origin"] == "processor"
        assert headers["dlq.source.topic"] == item.topic(run.settings.topic_prefix)
        assert int(headers["dlq.source.partition"]) == source.partition
        assert int(headers["dlq.source.offset"]) == source.offset
        assert headers["dlq.detail"]
        assert letter.key == item.fixture_id


def test_bad_frames_are_dead_lettered_with_their_bytes_and_source(trouble_run: Run, trouble: Trouble) -> None:
    _check_dead_letters(trouble_run, trouble.bad)
    counters = trouble_run.workers[0].counters()
    assert counters.get("dlq") == len(trouble.bad), counters


def test_good_frames_give_the_same_output_as_a_run_without_the_bad_ones(
    trouble_run: Run, reference_run: Run, trouble: Trouble
) -> None:
    odd_keys = frozenset({ODD_FIXTURE_ID, *trouble.odd.action_ids})
    with_trouble = trouble_run.derived.comparable(drop_keys=odd_keys)
    without = reference_run.derived.comparable()
    assert with_trouble.pop(topics.DLQ) and without.pop(topics.DLQ) == {}
    assert with_trouble.keys() == without.keys()
    for name in without:
        assert with_trouble[name] == without[name], name


def test_unknown_enum_values_are_processed_and_flagged_not_dead_lettered(trouble_run: Run, trouble: Trouble) -> None:
    odd = trouble.odd
    actions = trouble_run.derived.per_key(topics.derived_actions(Sport.BASKETBALL))
    first, unknown, third = (actions.get(action_id, []) for action_id in odd.action_ids)
    assert len(first) == 1 and first[0]["anomaly"] is None
    assert len(unknown) == 1, unknown
    assert unknown[0]["status"] == "Unknown"
    assert unknown[0]["sendTypeId"] == UNKNOWN_SEND_TYPE_ID
    assert unknown[0]["anomaly"] and str(UNKNOWN_SEND_TYPE_ID) in unknown[0]["anomaly"]
    assert len(third) == 1 and third[0]["fixtureSeqNum"] == odd.seqs[2]
    events = trouble_run.derived.per_key(topics.FIXTURE_EVENTS)[ODD_FIXTURE_ID]
    status_changes = [e for e in events if e["eventType"] == "StatusChanged"]
    assert status_changes[-1]["current"] == UNKNOWN_STATUS
    assert status_changes[-1]["fixtureSeqNum"] == odd.seqs[2]
    assert status_changes[-1]["previous"] == status_changes[-2]["current"]
    assert not any(o.key == ODD_FIXTURE_ID for o in trouble_run.derived.dead_letters())
    assert trouble_run.workers[0].counters().get("anomalies.unknown_send_type") == 1


async def test_a_frame_over_the_size_limit_is_dead_lettered_and_the_stream_goes_on(
    settings: Settings,
    reference_run: Run,
    e2e_matches: list[Match],
    e2e_logs: Path,
) -> None:
    """A > 4 MiB frame in a raw topic (one whose max.message.bytes lets it in) is too_large, not a crash."""
    match = min((m for m in e2e_matches if not m.statistics), key=lambda m: len(m.actions))
    own = tuple(d for d in reference_run.plan if d.fixture_id == match.fixture_id and d.kind is not Kind.BAD)
    huge = huge_delivery(match, HUGE_BYTES)
    plan = mix_in(own, [huge], seed=3)
    await create_raw_topics(settings, max_message_bytes=16 * 1024 * 1024)
    written = await feed(settings, plan)
    worker = await run_until_idle(settings, e2e_logs, "huge", timeout_s=WORKER_TIMEOUT_S)
    derived = await read_derived(settings)
    run = Run(settings, plan, written, derived, [worker])
    _check_dead_letters(run, (huge,))
    # The fixture's output is what the reference run made of the same records without the huge one.
    reference = reference_run.derived.comparable()
    mine = derived.comparable()
    for name, by_key in mine.items():
        if name == topics.DLQ:
            continue
        due = {k: v for k, v in reference[name].items() if v[0]["fixtureId"] == match.fixture_id}
        assert by_key == due, name
    assert mine[topics.SCORE_CHANGES], "the fixture's score changes are missing"
