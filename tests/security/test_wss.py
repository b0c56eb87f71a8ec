"""The feed over wss and https: the simulator serves TLS with a test certificate, the producer verifies it by
default, and ``DDE_CA_FILE`` adds the CA that signed it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ddeflow.config import Settings
from ddeflow.dde.sports import Sport
from ddeflow.errors import FeedAuthError
from ddeflow.local import certs
from ddeflow.producers.live import LiveOptions
from ddeflow.producers.one_shot import ingest_rest
from ddeflow.producers.raw_records import Stream, raw_topic
from ddeflow.producers.stream_ingest import ingest_ws, run_live
from tests.producers.support import feed_settings, make_matches, of_fixture, read_topic, simulator, until_live


def _tls(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    authority = certs.make_authority(tmp_path / "ca", "feed test CA")
    server = certs.issue(authority, tmp_path / "server", "feed", hosts=("localhost", "127.0.0.1"))
    return authority.cert, {"tls_certfile": server.cert, "tls_keyfile": server.key}


async def test_live_ingest_over_wss_with_the_ca_from_dde_ca_file(settings: Settings, tmp_path: Path) -> None:
    ca, served = _tls(tmp_path)
    [match] = make_matches(tmp_path / "data", tmp_path / "gen", sport="soccer", count=1, seed=41, keep=12)
    async with simulator(tmp_path / "data", time_scale=0.0015, go_live_s={match.fixture_id: 1.0}, **served) as sim:
        assert sim.ws_url.startswith("wss://") and sim.url.startswith("https://")
        ingest = feed_settings(settings, sim).model_copy(update={"dde_ca_file": ca})
        options = LiveOptions(sports=(Sport.SOCCER,), poll_interval_s=1.0, until_finished=True)
        await until_live(sim, match.fixture_id)
        summary = await asyncio.wait_for(run_live(ingest, options, asyncio.Event()), timeout=120)
    assert summary.fixtures_done == 1 and summary.fixtures_failed == 0
    held = of_fixture(
        await read_topic(settings, raw_topic(settings.topic_prefix, Sport.SOCCER, Stream.ACTIONS)), match.fixture_id
    )
    assert [r.value for r in held] == match.actions()


async def test_without_the_ca_the_certificate_is_refused_over_https_and_wss(settings: Settings, tmp_path: Path) -> None:
    _, served = _tls(tmp_path)
    [match] = make_matches(tmp_path / "data", tmp_path / "gen", sport="soccer", count=1, seed=42, keep=12)
    async with simulator(tmp_path / "data", **served) as sim:
        unverified = feed_settings(settings, sim)
        with pytest.raises(FeedAuthError, match="TLS certificate was refused"):
            await asyncio.wait_for(ingest_rest(unverified, Sport.SOCCER, match.fixture_id), timeout=60)
        with pytest.raises(FeedAuthError, match="TLS certificate was refused"):
            await asyncio.wait_for(ingest_ws(unverified, Sport.SOCCER, match.fixture_id, (Stream.ACTIONS,)), timeout=60)
