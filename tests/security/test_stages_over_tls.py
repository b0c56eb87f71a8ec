"""Each stage over SSL (client certificates) and SASL_SSL (SCRAM-SHA-512) as its own least-privilege principal:
the simulator's feed through ``ingest live`` (ingest), the worker (processor), ``tail`` (consumer) and
``ddeflow replay --into`` over a timestamp range (replay); and the refusals, each one clear ``KafkaAuthError``, of
what lies outside a principal's grant."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError as AIOKafkaError

from ddeflow import topics
from ddeflow.acls import Stage
from ddeflow.client_errors import kafka_error
from ddeflow.dde.sports import Sport
from ddeflow.endpoints import kafka_options, resolve
from ddeflow.errors import KafkaAuthError
from ddeflow.processors.worker import run_worker
from ddeflow.producers.live import LiveOptions
from ddeflow.producers.stream_ingest import run_live
from ddeflow.tail import consume
from tests.producers.support import feed_settings, make_matches, simulator, until_live
from tests.security.conftest import SecureStack, https_registry
from tests.security.replaying import derived_under, of_fixture, replay_command, replay_in_process

PROTOCOLS = ["SSL", "SASL_SSL"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_each_stage_runs_as_its_own_principal(secure_stack: SecureStack, protocol: str, tmp_path: Path) -> None:
    seed = 31 + PROTOCOLS.index(protocol)  # each protocol's run its own fixture, on the shared topics
    [match] = make_matches(tmp_path / "data", tmp_path / "gen", sport="soccer", count=1, seed=seed, keep=15)
    started_ms = int(time.time() * 1000)
    async with simulator(tmp_path / "data", time_scale=0.0015, go_live_s={match.fixture_id: 1.0}) as sim:
        ingest = feed_settings(secure_stack.settings(Stage.INGEST, protocol, tmp_path / "ingest"), sim)
        options = LiveOptions(sports=(Sport.SOCCER,), poll_interval_s=1.0, until_finished=True)
        await until_live(sim, match.fixture_id)
        summary = await asyncio.wait_for(run_live(ingest, options, asyncio.Event()), timeout=120)
    assert summary.fixtures_done == 1 and summary.fixtures_failed == 0

    async with https_registry(secure_stack, tmp_path) as registry:
        processor = secure_stack.settings(Stage.PROCESSOR, protocol, tmp_path / "processor", **registry)
        stats = await asyncio.wait_for(run_worker(processor, until_idle_s=3.0), timeout=240)
        assert stats.records_out > 0

        consumer = secure_stack.settings(Stage.CONSUMER, protocol, tmp_path / "consumer", **registry)
        events = consume(consumer, consumer.topic(topics.FIXTURE_EVENTS), from_beginning=True, until_idle_s=2.0)
        keys = {record.key async for record in events}
        assert match.fixture_id.encode() in keys
        # The ingest principal wrote the fixture's feed status; the consumer may read it.
        statuses = consume(consumer, consumer.topic(topics.FEED_STATUS), from_beginning=True, until_idle_s=2.0)
        assert match.fixture_id.encode() in {record.key async for record in statuses}

        # The replay principal re-derives this run's fixture, over a range of time, into its own area.
        into = f"{secure_stack.topic_prefix}replay.{protocol.lower()}."
        env = secure_stack.env(Stage.REPLAY, protocol, tmp_path / "replay", **registry)
        until_ms = int(time.time() * 1000)
        args = ["--into", into, "--fixture", match.fixture_id, "--from", str(started_ms), "--to", str(until_ms)]
        finished = await replay_command(env, args, tmp_path / "replay")
    assert finished.code == 0, finished.stderr[-2000:]
    replayed = {name: by_key for name, by_key in (await derived_under(secure_stack, into)).items() if by_key}
    live = of_fixture(await derived_under(secure_stack, secure_stack.topic_prefix), match.fixture_id)
    assert topics.FIXTURE_EVENTS in live and topics.derived_actions(Sport.SOCCER) in live
    assert replayed == live  # this fixture's records, and nothing else


@pytest.mark.parametrize(
    ("stage", "area"),
    [(Stage.PROCESSOR, "replay.denied."), (Stage.REPLAY, "elsewhere.")],
    ids=["processor-principal", "outside-the-replay-area"],
)
async def test_a_replay_outside_its_grant_is_refused(
    secure_stack: SecureStack, stage: Stage, area: str, tmp_path: Path
) -> None:
    """The processor may read the raw topics but create nothing; the replay principal may create topics only in
    its own area: either way the replay ends at its first topic with one clear, final ``KafkaAuthError``."""
    settings = secure_stack.settings(stage, "SASL_SSL", tmp_path)
    into = secure_stack.topic_prefix + area
    with pytest.raises(KafkaAuthError, match="ACLs do not let this principal create") as raised:
        await replay_in_process(settings, into, start="0", end="1")
    assert into + topics.FIXTURE_EVENTS in str(raised.value) and not raised.value.retriable


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_the_consumer_may_not_write_score_changes(
    secure_stack: SecureStack, protocol: str, tmp_path: Path
) -> None:
    consumer = secure_stack.settings(Stage.CONSUMER, protocol, tmp_path)
    producer = AIOKafkaProducer(**kafka_options(consumer, resolve(consumer)), request_timeout_ms=15000)
    await producer.start()
    try:
        with pytest.raises(AIOKafkaError) as raised:
            await producer.send_and_wait(consumer.topic(topics.SCORE_CHANGES), b"forged", key=b"x")
    finally:
        await producer.stop()
    ours = kafka_error(raised.value, "writing score changes")
    assert isinstance(ours, KafkaAuthError)
    assert "TopicAuthorizationFailed" in str(ours) and consumer.topic(topics.SCORE_CHANGES) in str(ours)


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_ingest_may_not_read_a_derived_topic(secure_stack: SecureStack, protocol: str, tmp_path: Path) -> None:
    ingest = secure_stack.settings(Stage.INGEST, protocol, tmp_path)
    topic = ingest.topic(topics.derived_actions(Sport.SOCCER))
    with pytest.raises(KafkaAuthError, match="ACLs do not let this principal read"):
        async for _ in consume(ingest, topic, from_beginning=True, until_idle_s=1.0):
            pass


async def test_the_processor_may_not_write_the_raw_topics(secure_stack: SecureStack, tmp_path: Path) -> None:
    processor = secure_stack.settings(Stage.PROCESSOR, "SASL_SSL", tmp_path)
    producer = AIOKafkaProducer(**kafka_options(processor, resolve(processor)), request_timeout_ms=15000)
    await producer.start()
    try:
        with pytest.raises(AIOKafkaError) as raised:
            await producer.send_and_wait(processor.topic(topics.raw_actions(Sport.SOCCER)), b"{}", key=b"x")
    finally:
        await producer.stop()
    assert isinstance(kafka_error(raised.value, "writing raw"), KafkaAuthError)


async def test_a_certificate_for_another_host_is_refused(secure_stack: SecureStack, tmp_path: Path) -> None:
    """The broker's certificate names only ``localhost``: dialled as 127.0.0.1, hostname verification refuses it."""
    port = secure_stack.secure.sasl_ssl_bootstrap.rpartition(":")[2]
    wrong = secure_stack.settings(Stage.INGEST, "SASL_SSL", tmp_path, KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{port}")
    with pytest.raises(KafkaAuthError, match="TLS certificate was refused") as raised:
        async for _ in consume(
            wrong, wrong.topic(topics.raw_actions(Sport.SOCCER)), from_beginning=True, until_idle_s=1
        ):
            pass
    assert "certificate is not valid for '127.0.0.1'" in str(raised.value)


async def test_a_wrong_scram_password_is_refused(secure_stack: SecureStack, tmp_path: Path) -> None:
    wrong = secure_stack.settings(Stage.CONSUMER, "SASL_SSL", tmp_path, KAFKA_SASL_PASSWORD="not-the-password")
    with pytest.raises(KafkaAuthError, match="SaslAuthenticationFailed") as raised:
        async for _ in consume(wrong, wrong.topic(topics.SCORE_CHANGES), from_beginning=True, until_idle_s=1):
            pass
    assert not raised.value.retriable
