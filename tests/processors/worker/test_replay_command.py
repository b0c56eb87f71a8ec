"""``ddeflow replay``'s argument checks and its plain progress line, without Kafka."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from ddeflow.cli import main
from ddeflow.processors.replay import ReplayStats, unless_stopped
from ddeflow.processors.replay_command import _progress
from ddeflow.processors.replay_range import Filters, Plan, Request, Span


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "--into PREFIX, or --rebuild"),
        (["--rebuild", "--into", "x."], "drop --into"),
        (["--rebuild", "--from", "5", "--sport", "soccer"], "drop --from, --sport"),
        (["--into", "x.", "--from", "yesterday"], "--from 'yesterday'"),
        (["--into", "x.", "--sport", "cricket"], "unknown sport"),
    ],
)
def test_arguments_that_cannot_work_end_before_any_io(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_off_a_terminal_progress_is_a_plain_line_and_always_the_last_one(capsys: pytest.CaptureFixture[str]) -> None:
    plan = Plan(Request("", None, None, Filters(), False), (Span("t", 0, 0, 0, 10),))
    report = _progress(plan)
    stats = ReplayStats(Counter(), records_in=4, records_out=6, started_at=time.monotonic())
    report(stats, 4)  # within the first seconds: not yet
    assert capsys.readouterr().err == ""
    stats.records_in = 10
    report(stats, 10)  # the end is always reported
    line = capsys.readouterr().err
    assert line.startswith("replay: 10/10 offsets (100 %),") and line.endswith("; 10 records in, 6 out\n")


async def test_a_stop_cancels_a_replay_attempt_that_waits_for_an_absent_broker() -> None:
    stop = asyncio.Event()
    cancelled = asyncio.Event()

    async def waits_forever() -> bool:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return True

    async def done_at_once() -> bool:
        return True

    assert await unless_stopped(done_at_once(), stop) is True
    asyncio.get_running_loop().call_later(0.05, stop.set)
    assert await asyncio.wait_for(unless_stopped(waits_forever(), stop), 5) is False
    assert cancelled.is_set()
