"""``dde.feed-status`` from ``ingest ws`` and ``ingest live`` against the simulator's silence and drop faults, on the
real broker and registry: which records, in which order, and their durations."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ddeflow import topics
from ddeflow.avro import AvroCodec
from ddeflow.backoff import BackoffPolicy
from ddeflow.config import Settings
from ddeflow.dde.sports import Sport
from ddeflow.endpoints import registry_client
from ddeflow.producers.live import LiveOptions
from ddeflow.producers.raw_records import Stream, raw_topic
from ddeflow.producers.stream_ingest import ingest_ws, run_live
from ddeflow.producers.ws_stream import StreamOptions
from tests.producers.support import Match, feed_settings, make_matches, of_fixture, read_topic, simulator

STALE_AFTER_S = 0.5
SILENCE_S = 2.0


async def _statuses(settings: Settings, match: Match) -> list[dict[str, Any]]:
    records = await read_topic(settings, settings.topic(topics.FEED_STATUS), settings.topic_layout.derived_partitions)
    async with registry_client(settings) as registry:
        codec = AvroCodec(registry)
        return [await codec.decode(r.value) for r in of_fixture(records, match.fixture_id)]


def _ms(record: dict[str, Any], field: str) -> int:
    return int(record[field].timestamp() * 1000)


async def _raw_values(settings: Settings, match: Match) -> list[bytes]:
    topic = raw_topic(settings.topic_prefix, match.sport, Stream.ACTIONS)
    return [r.value for r in of_fixture(await read_topic(settings, topic), match.fixture_id)]


async def test_a_silence_is_down_after_the_threshold_and_up_when_frames_resume_on_the_same_connection(
    settings: Settings, tmp_path: Path, gen_cache: Path
) -> None:
    (match,) = make_matches(tmp_path / "data", gen_cache, sport="volleyball", count=1, keep=60)
    faults = ((None, {"silence_s": SILENCE_S, "silence_after_packets": 20}),)
    options = StreamOptions(
        backoff=BackoffPolicy(initial_s=0.02, max_s=0.1), silence_timeout_s=10.0, stale_after_s=STALE_AFTER_S
    )
    async with simulator(tmp_path / "data", faults=faults) as sim:
        (result,) = await ingest_ws(
            feed_settings(settings, sim), match.sport, match.fixture_id, (Stream.ACTIONS,), options=options
        )
    assert result.finished and result.reconnects == 0
    assert await _raw_values(settings, match) == match.actions()

    statuses = await _statuses(settings, match)
    assert [s["state"] for s in statuses] == ["up", "down", "up", "finished"]
    first, down, up, finished = statuses
    assert first["downForMs"] is None and first["position"] == 0
    assert {s["fixtureId"] for s in statuses} == {match.fixture_id}
    assert {(s["sport"], s["stream"], s["silenceThresholdMs"]) for s in statuses} == {("volleyball", "actions", 500)}
    # Down once the threshold passed after the last frame before the silence, with the position reached.
    assert down["reason"] == "silence" and down["position"] == 20 and down["lastSeqNum"] is not None
    assert _ms(down, "at") - _ms(down, "since") >= STALE_AFTER_S * 1000
    assert _ms(down, "at") - _ms(down, "since") < SILENCE_S * 1000
    # Up when the frames came back on the same connection: down for the silence, counted from the last frame.
    assert up["gapHealed"] is False and up["position"] == 20
    assert up["downForMs"] == _ms(up, "at") - _ms(down, "since")
    assert up["downForMs"] >= _ms(down, "at") - _ms(down, "since")
    # The silence, less however late the frame before it was read (the client may lag behind the feed under load).
    assert SILENCE_S * 1000 / 2 <= up["downForMs"] < SILENCE_S * 1000 + 5000
    assert finished["position"] == len(match.actions()) and finished["downForMs"] is None


async def test_each_drop_is_down_at_once_and_up_again_resumed_at_its_position(
    settings: Settings, tmp_path: Path, gen_cache: Path
) -> None:
    (match,) = make_matches(tmp_path / "data", gen_cache, sport="soccer", count=1, keep=60)
    options = StreamOptions(backoff=BackoffPolicy(initial_s=0.3, max_s=0.3), silence_timeout_s=10.0, stale_after_s=10.0)
    async with simulator(tmp_path / "data", faults=((None, {"drop_after_packets": 25}),)) as sim:
        (result,) = await ingest_ws(
            feed_settings(settings, sim), match.sport, match.fixture_id, (Stream.ACTIONS,), options=options
        )
    assert result.finished and result.reconnects == 2
    assert await _raw_values(settings, match) == match.actions()

    statuses = await _statuses(settings, match)
    assert [s["state"] for s in statuses] == ["up", "down", "up", "down", "up", "finished"]
    downs, ups = statuses[1:5:2], statuses[2:5:2]
    assert [d["position"] for d in downs] == [25, 50] and [u["position"] for u in ups] == [25, 50]
    for down, up in zip(downs, ups, strict=True):
        assert down["reason"] == "connection_lost" and down["since"] == down["at"] and down["detail"]
        assert up["gapHealed"] is True
        assert up["downForMs"] == _ms(up, "at") - _ms(down, "since")
        # The reconnect waits the backoff (0.3 s, jittered by at most half) before the feed resumes.
        assert up["downForMs"] >= 0.3 * 1000 / 2
    assert statuses[-1]["position"] == len(match.actions())


async def test_ingest_live_writes_each_fixture_s_status_from_up_to_finished(
    settings: Settings, tmp_path: Path, gen_cache: Path
) -> None:
    matches = make_matches(tmp_path / "data", gen_cache, sport="basketball", count=2, keep=30)
    options = LiveOptions(
        sports=(Sport.BASKETBALL,),
        streams=frozenset(Stream),  # the simulator has no basketball statistics: a 404, not a stream down
        poll_interval_s=0.5,
        until_finished=True,
        heal_lookback_s=0,
        stream=StreamOptions(backoff=BackoffPolicy(initial_s=0.05, max_s=0.1), stale_after_s=10.0),
    )
    faults = ((None, {"drop_after_packets": 20}),)
    # Live from the start (a match about to start is only tracked when its start date is within the horizon).
    async with simulator(tmp_path / "data", faults=faults, time_scale=0.0005) as sim:
        summary = await asyncio.wait_for(run_live(feed_settings(settings, sim), options, asyncio.Event()), 60)
    assert summary.fixtures_done == 2
    for match in matches:
        statuses = await _statuses(settings, match)
        assert {s["stream"] for s in statuses} == {"actions"}
        assert [(s["state"], s["reason"], s["position"]) for s in statuses] == [
            ("up", None, 0),
            ("down", "connection_lost", 20),
            ("up", None, 20),
            ("finished", None, 30),
        ]


async def test_without_a_registry_ingest_goes_on_and_writes_no_status(
    settings: Settings, tmp_path: Path, gen_cache: Path
) -> None:
    (match,) = make_matches(tmp_path / "data", gen_cache, sport="volleyball", count=1, keep=40)
    no_registry = settings.model_copy(update={"schema_registry_url": "http://127.0.0.1:9/apis/ccompat/v7"})
    options = StreamOptions(backoff=BackoffPolicy(initial_s=0.02, max_s=0.1), stale_after_s=STALE_AFTER_S)
    async with simulator(tmp_path / "data", faults=((None, {"drop_after_packets": 15}),)) as sim:
        (result,) = await ingest_ws(
            feed_settings(no_registry, sim), match.sport, match.fixture_id, (Stream.ACTIONS,), options=options
        )
    assert result.finished and result.reconnects == 2
    assert await _raw_values(settings, match) == match.actions()
    assert await _statuses(settings, match) == []
