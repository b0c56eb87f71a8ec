"""The REST sample (11 packets, not sorted by fixtureSeqNum) through the core in array order (in fixtureSeqNum
order, as ``ingest file`` publishes it, it runs on the test kit: ``tests/processors/kit/test_builtins.py``)."""

from __future__ import annotations

from ddeflow.dde.actions import ActionPacket
from ddeflow.dde.parse import parse_action_packets
from ddeflow.processors.core import Disposition, FixtureEventType
from tests.dde.samples import sample_bytes, sample_json
from tests.processors.core.builders import Run, action_records, fixture_events

SAMPLE = "basketball-rest-actions.json"


def _packets() -> tuple[ActionPacket, ...]:
    return parse_action_packets(sample_bytes(SAMPLE))


def _wire_final() -> dict[str, object]:
    wire = max(sample_json(SAMPLE), key=lambda p: p["fixtureAction"]["fixtureSeqNum"])
    summary: dict[str, object] = wire["fixtureSummary"]
    return summary


def test_in_array_order_the_late_packets_update_their_actions_but_not_the_summary() -> None:
    packets = _packets()
    assert [p.seq_num for p in packets] != sorted(p.seq_num for p in packets)
    run = Run()
    out = run.feed_all(packets)

    assert len(action_records(out)) == len(packets)
    late = [v for v, p in zip(run.action_verdicts(), packets, strict=True) if p.seq_num < 1535 and p.seq_num > 6]
    assert late and all((v.action, v.summary) == (Disposition.APPLIED, Disposition.STALE) for v in late)

    events = fixture_events(out)
    statuses = [e.current for e in events if e.event_type is FixtureEventType.STATUS_CHANGED]
    assert statuses == ["Scheduled", "LineUps", "Completed"]  # "Live" came in a stale summary
    assert [e.event_type for e in events].count(FixtureEventType.FINISHED) == 1
    ended = [e.period for e in events if e.event_type is FixtureEventType.PERIOD_ENDED]
    assert ended == [1, 2, 3, 4]

    final = _wire_final()
    fixture = run.fixture(packets[0].fixture_id)
    assert (fixture.home_score, fixture.away_score) == (final["homeTeamScore"], final["awayTeamScore"])
    assert fixture.finished and fixture.status == "Completed"

    in_order = Run()
    in_order.feed_all(sorted(packets, key=lambda p: p.seq_num))
    assert in_order.actions == run.actions
    assert in_order.fixtures == run.fixtures
