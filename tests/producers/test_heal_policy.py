"""What a restarted ``ingest live`` looks at again: streams left open in the raw topics, and the board's verdicts."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from ddeflow.dde.enums import FixtureStatus
from ddeflow.dde.fixtures import Fixture
from ddeflow.dde.sports import Sport
from ddeflow.producers.open_streams import HealVerdict, OpenStreams, heal_verdict, says_finished
from ddeflow.producers.raw_records import Stream
from ddeflow.producers.schedule import FixtureBoard, FixtureKey, Phase, PollAnswer
from tests.producers.packets import action, statistics

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
START = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


def _key(fixture_id: str, sport: Sport = Sport.BASKETBALL) -> FixtureKey:
    return FixtureKey(sport, fixture_id)


def _fixture(fixture_id: str, status: FixtureStatus) -> Fixture:
    return Fixture(id=fixture_id, status=status, start_date_utc=START)


def test_a_fixture_is_open_until_a_finished_packet_of_each_of_its_streams_is_seen() -> None:
    streams = OpenStreams()
    for seq in range(1, 4):
        streams.add(Stream.ACTIONS, b"done", action("done", seq, finished=seq == 3))
        streams.add(Stream.ACTIONS, b"cut", action("cut", seq))
    streams.add(Stream.ACTIONS, b"snooker", action("snooker", 1, finished=True))
    streams.add(Stream.STATISTICS, b"snooker", statistics("snooker", 1))
    assert streams.open_fixtures() == ("cut", "snooker")
    streams.add(Stream.STATISTICS, b"snooker", statistics("snooker", 2, finished=True))
    assert streams.open_fixtures() == ("cut",)
    assert len(streams) == 4


def test_a_finished_packet_counts_wherever_it_sits_among_the_records() -> None:
    # A reordered tail after the finished packet, or a REST heal after it, does not reopen the stream.
    streams = OpenStreams()
    streams.add(Stream.ACTIONS, b"f", action("f", 9, finished=True))
    streams.add(Stream.ACTIONS, b"f", action("f", 8))
    assert streams.open_fixtures() == ()


def test_keys_that_are_not_text_are_skipped() -> None:
    streams = OpenStreams()
    streams.add(Stream.ACTIONS, b"\xff\xfe", action("x", 1))
    assert streams.open_fixtures() == () and len(streams) == 0


@given(finished=st.booleans(), spaced=st.booleans(), seq=st.integers(1, 10**6))
def test_says_finished_agrees_with_the_packet(finished: bool, spaced: bool, seq: int) -> None:
    assert says_finished(action("f", seq, finished=finished, spaced=spaced)) is finished
    assert says_finished(statistics("f", seq, finished=finished)) is finished


def test_says_finished_reads_nothing_into_text_that_merely_mentions_it() -> None:
    assert not says_finished(b'{"note":"\\"finished\\": true","finished":false}')
    assert not says_finished(b'not json "finished": true')
    assert says_finished(b'{"fixtureSummary":{"finished" : true}}')


def test_the_verdict_follows_the_fixture_status() -> None:
    expected = {
        FixtureStatus.SCHEDULED: HealVerdict.LEAVE,
        FixtureStatus.LINEUPS: HealVerdict.LEAVE,
        FixtureStatus.POSTPONED: HealVerdict.LEAVE,
        FixtureStatus.LIVE: HealVerdict.STREAM_LIVE,
        FixtureStatus.SUSPENDED: HealVerdict.STREAM_LIVE,
        FixtureStatus.COMPLETED: HealVerdict.STREAM_OVER,
        FixtureStatus.ABANDONED: HealVerdict.STREAM_OVER,
        FixtureStatus.CANCELLED: HealVerdict.STREAM_OVER,
        FixtureStatus.UNVERIFIED: HealVerdict.STREAM_OVER,
        FixtureStatus.UNKNOWN: HealVerdict.STREAM_OVER,
    }
    assert set(expected) == set(FixtureStatus)
    for status, verdict in expected.items():
        assert heal_verdict(_fixture("f", status)) is verdict, status
    assert heal_verdict(None) is HealVerdict.GONE


def test_a_recovering_board_is_not_settled_until_the_recovery_reported_and_its_checks_resolved() -> None:
    board = FixtureBoard([Sport.BASKETBALL], recovering=True)
    board.observe(PollAnswer(Sport.BASKETBALL, [], []), NOW)
    assert not board.settled
    assert board.recover([_key("over")]) == (_key("over"),)
    assert board.phase(_key("over")) is Phase.CHECKING and not board.settled
    assert board.resolve_heal(_key("over"), _fixture("over", FixtureStatus.COMPLETED)) is HealVerdict.STREAM_OVER
    assert board.phase(_key("over")) is Phase.STREAMING and not board.settled
    board.finish(_key("over"), ok=True)
    assert board.settled


def test_recovery_leaves_alone_what_the_polls_already_track_and_other_sports() -> None:
    board = FixtureBoard([Sport.BASKETBALL], recovering=True)
    board.observe(PollAnswer(Sport.BASKETBALL, [_fixture("live", FixtureStatus.LIVE)], []), NOW)
    checks = board.recover([_key("live"), _key("gone"), _key("x", Sport.SOCCER)])
    assert checks == (_key("gone"),)
    assert board.phase(_key("x", Sport.SOCCER)) is None


def test_a_poll_that_lists_a_recovered_fixture_takes_it_over() -> None:
    board = FixtureBoard([Sport.BASKETBALL], recovering=True)
    board.recover([_key("a"), _key("b")])
    decisions = board.observe(
        PollAnswer(Sport.BASKETBALL, [_fixture("a", FixtureStatus.LIVE)], [_fixture("b", FixtureStatus.SCHEDULED)]),
        NOW,
    )
    assert decisions.start == (_key("a"),) and decisions.check == ()
    # The answers that arrive afterwards start nothing a second time.
    assert board.resolve_heal(_key("a"), _fixture("a", FixtureStatus.LIVE)) is None
    assert board.resolve_heal(_key("b"), _fixture("b", FixtureStatus.COMPLETED)) is None
    assert board.phase(_key("a")) is Phase.STREAMING and board.phase(_key("b")) is Phase.SCHEDULED


def test_a_recovered_fixture_not_started_is_forgotten_and_one_the_feed_lost_is_done() -> None:
    board = FixtureBoard([Sport.BASKETBALL], recovering=True)
    board.recover([_key("later"), _key("lost")])
    assert board.resolve_heal(_key("later"), _fixture("later", FixtureStatus.POSTPONED)) is None
    assert board.resolve_heal(_key("lost"), None) is None
    assert board.phase(_key("later")) is None and board.phase(_key("lost")) is Phase.DONE
    board.observe(PollAnswer(Sport.BASKETBALL, [], []), NOW)
    assert board.settled
    # Forgotten, so a later poll that finds it live starts it like any other fixture.
    assert board.observe(PollAnswer(Sport.BASKETBALL, [_fixture("later", FixtureStatus.LIVE)], []), NOW).start == (
        _key("later"),
    )


def test_a_recovered_fixture_is_not_resolved_by_the_schedule_check() -> None:
    board = FixtureBoard([Sport.BASKETBALL], recovering=True)
    board.recover([_key("a")])
    assert not board.resolve_check(_key("a"), _fixture("a", FixtureStatus.COMPLETED))
    assert board.phase(_key("a")) is Phase.CHECKING


def test_a_board_without_recovery_settles_as_before() -> None:
    board = FixtureBoard([Sport.BASKETBALL])
    board.observe(PollAnswer(Sport.BASKETBALL, [], []), NOW)
    assert board.settled
