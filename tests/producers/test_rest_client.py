"""The REST client against the simulator over real sockets: paging, 429, 5xx retries, refusals, no token leaks."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from ddeflow.backoff import BackoffPolicy
from ddeflow.dde.sports import Sport
from ddeflow.errors import FeedAuthError, FeedNotFoundError
from ddeflow.producers.gate import Gate
from ddeflow.producers.pacer import Pacer
from ddeflow.producers.rest_client import FeedRest
from tests.producers.support import TOKEN, make_matches, simulator

QUICK = BackoffPolicy(initial_s=0.02, max_s=0.1)


async def test_rate_limit_is_honoured_and_5xx_retried(tmp_path: Path, gen_cache: Path) -> None:
    matches = make_matches(tmp_path / "data", gen_cache, sport="volleyball", count=3, keep=5)
    async with simulator(
        tmp_path / "data",
        rate_limit_per_s=2.0,
        rate_limit_burst=2.0,
        seed=4,
        faults=((None, {"rest_error_probability": 0.3}),),
    ) as sim:
        gate = Gate(Pacer(50, 1.0))  # far more eager than the simulator allows
        async with FeedRest(sim.url, SecretStr(TOKEN), gate, backoff=QUICK, max_attempts=20) as rest:
            started = time.monotonic()
            bodies = [await rest.actions(Sport.VOLLEYBALL, m.fixture_id) for m in matches for _ in range(3)]
            elapsed = time.monotonic() - started
        stats = sim.stats_json()
    assert all(body.startswith(b"[") for body in bodies)
    assert rest.rate_limited > 0 and stats["rest"]["by_status"].get("429", 0) == rest.rate_limited
    assert stats["rest"]["by_status"].get("503", 0) > 0  # injected and retried
    # 9 answers at 2/s (burst 2): waiting as told cannot take much less than (9 - 2) / 2 s.
    assert elapsed >= 3.0
    assert stats["rest"]["rate_limited"] <= 3 * 9  # retries wait; they do not hammer


async def test_fixture_pages_are_followed(tmp_path: Path, gen_cache: Path) -> None:
    make_matches(tmp_path / "data", gen_cache, sport="soccer", count=3, keep=5)
    async with (
        simulator(tmp_path / "data", stagger_s=1000.0, time_scale=1.0) as sim,
        FeedRest(sim.url, SecretStr(TOKEN), Gate(Pacer(50, 1.0)), page_size=1) as rest,
    ):
        scheduled = await rest.fixtures(Sport.SOCCER, {"status": "Scheduled"})
        assert rest.requests == 2
        live = await rest.live_fixtures(Sport.SOCCER)
    assert len(scheduled) == 2 and len(live) == 1  # fixture 0 goes live at once; the others 1000 s later
    assert {f.id for f in scheduled}.isdisjoint({f.id for f in live})


async def test_refusals_are_not_retried_and_the_token_stays_out_of_logs(
    tmp_path: Path, gen_cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    (match,) = make_matches(tmp_path / "data", gen_cache, sport="snooker", count=1, keep=5)
    bad = "wrong-token-Hx4kP9sT"
    async with simulator(tmp_path / "data") as sim:
        async with FeedRest(sim.url, SecretStr(bad), Gate(Pacer(50, 1.0)), backoff=QUICK) as rest:
            with pytest.raises(FeedAuthError) as refused:
                await rest.actions(Sport.SNOOKER, match.fixture_id)
            assert rest.requests == 1
        async with FeedRest(sim.url, SecretStr(TOKEN), Gate(Pacer(50, 1.0)), backoff=QUICK) as rest:
            with pytest.raises(FeedNotFoundError):
                await rest.actions(Sport.SNOOKER, "no-such-fixture")
            assert rest.requests == 1
            assert await rest.fixture(Sport.SNOOKER, "no-such-fixture") is None
            found = await rest.fixture(Sport.SNOOKER, match.fixture_id)
            assert found is not None and found.id == match.fixture_id
    assert "refused the token" in str(refused.value)
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    assert any(r.name.startswith(("httpx", "httpcore")) for r in caplog.records)  # DEBUG logging was on
    assert bad not in logged and TOKEN not in logged
