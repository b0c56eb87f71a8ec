"""Waiting out outages: the outage log lines, and the start-up retry loop (no broker: the steps are functions)."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import errors as kafka

from ddeflow.errors import KafkaAuthError, RegistryError
from ddeflow.outage import Outage
from ddeflow.processors.engine import until_done


def test_an_outage_is_two_lines_however_many_failures() -> None:
    outage = Outage("Kafka")
    assert outage.healthy(0.0) is None
    assert outage.failed(10.0, "broker gone") == "Kafka outage started: broker gone; waiting it out"
    assert outage.failed(11.0, "still gone") is None
    assert outage.failed(12.0, "still gone") is None
    assert outage.ongoing
    assert outage.healthy(40.5) == "Kafka outage over after 30.5 s (3 failed attempts)"
    assert not outage.ongoing
    assert outage.healthy(41.0) is None
    assert outage.failed(50.0, "again") is not None
    assert outage.total == 1


async def test_start_up_steps_are_retried_through_an_outage() -> None:
    calls = 0

    async def step() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RegistryError("registry unreachable", retriable=True)
        if calls == 2:
            raise kafka.KafkaConnectionError("broker gone")
        return "ready"

    assert await until_done(step, asyncio.Event(), "starting") == "ready"
    assert calls == 3


@pytest.mark.parametrize(
    "error",
    [
        RegistryError("answered 422", status=422),
        kafka.TopicAuthorizationFailedError(),
    ],
)
async def test_what_cannot_heal_is_raised_at_once(error: Exception) -> None:
    calls = 0

    async def step() -> None:
        nonlocal calls
        calls += 1
        raise error

    with pytest.raises((RegistryError, KafkaAuthError)):
        await until_done(step, asyncio.Event(), "starting")
    assert calls == 1


async def test_a_stop_ends_the_wait() -> None:
    stop = asyncio.Event()

    async def step() -> None:
        stop.set()
        raise kafka.KafkaConnectionError("broker gone")

    assert await asyncio.wait_for(until_done(step, stop, "starting"), 5) is None
