"""``ingest ws`` against the simulator over real sockets and the real broker: resume, duplicates, silence, refusals."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest

from ddeflow.backoff import BackoffPolicy
from ddeflow.config import Settings
from ddeflow.errors import FeedAuthError, FeedRequestError
from ddeflow.producers.raw_records import Source, Stream, raw_topic
from ddeflow.producers.stream_ingest import ingest_ws
from ddeflow.producers.ws_stream import StreamOptions
from tests.producers.support import (
    TOKEN,
    feed_settings,
    make_matches,
    of_fixture,
    read_topic,
    record_served,
    simulator,
)

FAST = StreamOptions(backoff=BackoffPolicy(initial_s=0.02, max_s=0.2), silence_timeout_s=5.0)


async def _stats(url: str) -> dict[str, object]:
    async with httpx.AsyncClient() as client:
        stats: dict[str, object] = (await client.get(f"{url}/_sim/stats")).json()
    return stats


async def test_drops_every_50_packets_leave_every_frame_once_in_order(
    settings: Settings, tmp_path: Path, gen_cache: Path
) -> None:
    (match,) = make_matches(tmp_path / "data", gen_cache, sport="basketball", count=1)
    expected = match.actions()
    assert len(expected) > 300
    async with simulator(tmp_path / "data", faults=((None, {"drop_after_packets": 50}),)) as sim:
        (result,) = await ingest_ws(
            feed_settings(settings, sim), match.sport, match.fixture_id, (Stream.ACTIONS,), options=FAST
        )
        stats = await _stats(sim.url)
    assert result.finished
    assert result.reconnects >= len(expected) // 50 - 1
    assert stats["faults"]["drop"] >= len(expected) // 50 - 1  # type: ignore[index]
    records = of_fixture(
        await read_topic(settings, raw_topic(settings.topic_prefix, match.sport, Stream.ACTIONS)), match.fixture_id
    )
    assert [r.value for r in records] == expected
    assert [r.headers.position for r in records] == list(range(len(expected)))
    assert {r.headers.source for r in records} == {Source.WS}
    assert {r.headers.stream for r in records} == {Stream.ACTIONS}
    assert all(r.headers.received_at_ns for r in records)


async def test_duplicates_and_reorder_are_written_as_served(
    settings: Settings, tmp_path: Path, gen_cache: Path
) -> None:
    (match,) = make_matches(tmp_path / "data", gen_cache, sport="soccer", count=1, keep=150)
    faults = ((None, {"duplicate_probability": 0.2, "duplicate_window": 4, "reorder_window": 5}),)
    path = f"/{match.sport.feed_path}/fixtures/{match.fixture_id}/actions"
    # Two simulators with the same seed serve the same frames to their first connection:
    # a plain client records what one serves, the producer ingests from the other.
    async with simulator(tmp_path / "data", faults=faults, seed=11) as reference:
        served = await record_served(reference, path)
    async with simulator(tmp_path / "data", faults=faults, seed=11) as sim:
        (result,) = await ingest_ws(
            feed_settings(settings, sim), match.sport, match.fixture_id, (Stream.ACTIONS,), options=FAST
        )
    assert result.reconnects == 0
    unique = list(dict.fromkeys(served))
    assert len(served) > len(unique)  # duplicates were served
    assert served != match.actions() and sorted(unique) == sorted(match.actions())  # reordered, none lost
    records = of_fixture(
        await read_topic(settings, raw_topic(settings.topic_prefix, match.sport, Stream.ACTIONS)), match.fixture_id
    )
    assert [r.value for r in records] == served
    first_position = {frame: i for i, frame in enumerate(unique)}
    assert [r.headers.position for r in records] == [first_position[r.value] for r in records]
    assert result.events == len(unique)


async def test_silence_is_detected_and_the_stream_resumes(settings: Settings, tmp_path: Path, gen_cache: Path) -> None:
    (match,) = make_matches(tmp_path / "data", gen_cache, sport="volleyball", count=1, keep=60)
    faults = ((None, {"silence_s": 30.0, "silence_after_packets": 20}),)
    options = StreamOptions(backoff=BackoffPolicy(initial_s=0.02, max_s=0.1), silence_timeout_s=0.5)
    async with simulator(tmp_path / "data", faults=faults, heartbeat_s=10.0) as sim:
        (result,) = await ingest_ws(
            feed_settings(settings, sim), match.sport, match.fixture_id, (Stream.ACTIONS,), options=options
        )
        stats = await _stats(sim.url)
    assert result.finished
    assert result.reconnects >= 2
    assert stats["faults"]["silence"] >= 2  # type: ignore[index]
    records = of_fixture(
        await read_topic(settings, raw_topic(settings.topic_prefix, match.sport, Stream.ACTIONS)), match.fixture_id
    )
    assert [r.value for r in records] == match.actions()


async def test_statistics_stream_and_malformed_frames_are_kept_as_served(
    settings: Settings, tmp_path: Path, gen_cache: Path
) -> None:
    (match,) = make_matches(tmp_path / "data", gen_cache, sport="snooker", count=1, keep=20, statistics=12)
    faults = ((match.fixture_id, {"malformed_at": 3, "drop_after_packets": 5}),)
    async with simulator(tmp_path / "data", faults=faults) as sim:
        results = await ingest_ws(
            feed_settings(settings, sim), match.sport, match.fixture_id, tuple(Stream), options=FAST
        )
    assert all(result.finished for result in results)
    for stream, expected in ((Stream.ACTIONS, match.actions()), (Stream.STATISTICS, match.statistics())):
        records = of_fixture(
            await read_topic(settings, raw_topic(settings.topic_prefix, match.sport, stream)), match.fixture_id
        )
        values = [r.value for r in records]
        assert len(values) == len(expected)
        assert values[3] != expected[3] and expected[3].startswith(values[3])  # truncated by the feed, kept
        assert values[:3] + values[4:] == expected[:3] + expected[4:]
        assert {r.headers.stream for r in records} == {stream}


async def test_bad_token_is_one_clear_error_without_reconnects(
    settings: Settings, tmp_path: Path, gen_cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    (match,) = make_matches(tmp_path / "data", gen_cache, sport="soccer", count=1, keep=10)
    bad = "bad-token-Qm7vY2pL"
    async with simulator(tmp_path / "data") as sim:
        with pytest.raises(FeedAuthError) as refused:
            await ingest_ws(
                feed_settings(settings, sim, token=bad), match.sport, match.fixture_id, (Stream.ACTIONS,), options=FAST
            )
        stats = await _stats(sim.url)
    assert "refused the token" in str(refused.value) and "DDE_AUTH_TOKEN" in str(refused.value)
    assert stats["connections"]["total"] == 1  # type: ignore[index]
    assert stats["auth_failures"] == 1
    text = "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
    assert bad not in text and bad not in repr(refused.value) and bad not in str(refused.value)


async def test_missing_accept_header_gets_a_clear_400(settings: Settings, tmp_path: Path, gen_cache: Path) -> None:
    (match,) = make_matches(tmp_path / "data", gen_cache, sport="basketball", count=1, keep=10)
    no_accept = StreamOptions(accept=None)
    async with simulator(tmp_path / "data") as sim:
        with pytest.raises(FeedRequestError) as rejected:
            await ingest_ws(
                feed_settings(settings, sim), match.sport, match.fixture_id, (Stream.ACTIONS,), options=no_accept
            )
        stats = await _stats(sim.url)
    assert "400" in str(rejected.value)
    assert "missing required HTTP header 'Accept'" in str(rejected.value)
    assert stats["connections"]["rejected"] == 1  # type: ignore[index]


async def test_token_never_reaches_logs_during_reconnects(
    settings: Settings, tmp_path: Path, gen_cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    (match,) = make_matches(tmp_path / "data", gen_cache, sport="volleyball", count=1, keep=30)
    async with simulator(tmp_path / "data", faults=((None, {"drop_after_packets": 7}),)) as sim:
        (result,) = await ingest_ws(
            feed_settings(settings, sim), match.sport, match.fixture_id, (Stream.ACTIONS,), options=FAST
        )
    assert result.reconnects >= 3
    assert any("reconnecting" in r.getMessage() for r in caplog.records)
    assert len(caplog.records) > 10
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert TOKEN not in repr(record.args)
    assert TOKEN not in json.dumps([str(r.__dict__) for r in caplog.records])


async def test_a_finished_stream_is_not_fetched_again(settings: Settings, tmp_path: Path, gen_cache: Path) -> None:
    (match,) = make_matches(tmp_path / "data", gen_cache, sport="soccer", count=1, keep=15)
    async with simulator(tmp_path / "data") as sim:
        feed = feed_settings(settings, sim)
        (first,) = await ingest_ws(feed, match.sport, match.fixture_id, (Stream.ACTIONS,), options=FAST)
        (again,) = await ingest_ws(feed, match.sport, match.fixture_id, (Stream.ACTIONS,), options=FAST)
        stats = await _stats(sim.url)
    assert first.finished and first.frames_written == 15
    assert again.finished and again.frames_written == 0 and again.resumed_at == 15
    assert stats["connections"]["total"] == 1  # type: ignore[index]
