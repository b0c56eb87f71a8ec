"""No secret leaks: ingest, process, tail and replay (``ddeflow -v replay``) run at DEBUG over SASL_SSL with a known
token, SCRAM passwords and a registry password, through their failure paths too (a refused token, a wrong SCRAM
password for tail and for replay, the latter as a command and in this process, a refused ACL, wrong registry
credentials).  Then every log line, every exception text, the replay command's output, every record (key, value,
headers) of every topic of the secure cluster and every file the run wrote is scanned for the secrets."""

from __future__ import annotations

import asyncio
import base64
import logging
import traceback
from pathlib import Path

import pytest
from aiokafka import AIOKafkaClient, AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError as AIOKafkaError

from ddeflow import topic_schemas, topics
from ddeflow.acls import Stage
from ddeflow.client_errors import kafka_error
from ddeflow.config import Settings, load_settings
from ddeflow.dde.sports import Sport
from ddeflow.endpoints import kafka_options, registry_auth, registry_verify, resolve
from ddeflow.errors import DdeflowError, FeedAuthError, KafkaAuthError, RegistryError
from ddeflow.processors.worker import run_worker
from ddeflow.producers.live import LiveOptions
from ddeflow.producers.one_shot import ingest_rest
from ddeflow.producers.stream_ingest import run_live
from ddeflow.registry import SchemaRegistry
from ddeflow.tail import consume
from tests.producers.support import feed_settings, make_matches, simulator, until_live
from tests.security.conftest import REGISTRY_PASSWORD, REGISTRY_USER, SecureStack, https_registry
from tests.security.replaying import replay_command, replay_in_process

TOKEN = "dde-token-Secret-7Hq2Lm9Px"


def _needles(stack: SecureStack) -> dict[str, bytes]:
    secrets = {"token": TOKEN, "registry password": REGISTRY_PASSWORD}
    secrets |= {f"SCRAM password of {name}": password for name, password in stack.passwords.items()}
    needles = {name: value.encode() for name, value in secrets.items()}
    basic = base64.b64encode(f"{REGISTRY_USER}:{REGISTRY_PASSWORD}".encode())
    needles["registry basic-auth header"] = basic
    return needles


async def _every_record(plain_bootstrap: str) -> list[bytes]:
    """Key, value and every header of every record of every topic of the cluster, internal ones included."""
    client = AIOKafkaClient(bootstrap_servers=plain_bootstrap)
    await client.bootstrap()
    try:
        cluster = await client.fetch_all_metadata()
    finally:
        await client.close()
    names = cluster.topics(exclude_internal_topics=False)
    tps = [TopicPartition(t, p) for t in names for p in cluster.partitions_for_topic(t) or set()]
    consumer = AIOKafkaConsumer(bootstrap_servers=plain_bootstrap, group_id=None, enable_auto_commit=False)
    await consumer.start()
    found: list[bytes] = []
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        remaining = {tp for tp in tps if ends[tp] > 0}
        async with asyncio.timeout(120):
            while remaining:
                batch = await consumer.getmany(*remaining, timeout_ms=200)
                for items in batch.values():
                    for m in items:
                        headers = [k.encode() + v for k, v in m.headers]
                        found.append(b"\0".join([m.key or b"", m.value or b"", *headers]))
                for tp in list(remaining):
                    if await consumer.position(tp) >= ends[tp]:
                        remaining.discard(tp)
    finally:
        await consumer.stop()
    return found


def _every_file(roots: list[Path], skip: set[Path]) -> list[Path]:
    return [p for root in roots for p in sorted(root.rglob("*")) if p.is_file() and p not in skip]


async def test_no_secret_in_logs_errors_records_or_files(
    secure_stack: SecureStack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    protocol = "SASL_SSL"
    [match] = make_matches(tmp_path / "data", tmp_path / "gen", sport="soccer", count=1, seed=41, keep=12)

    async with simulator(tmp_path / "data", time_scale=0.0015, go_live_s={match.fixture_id: 1.0}, token=TOKEN) as sim:
        ingest = feed_settings(secure_stack.settings(Stage.INGEST, protocol, tmp_path / "ingest"), sim, TOKEN)
        for shown in (repr(ingest), str(ingest)):
            assert TOKEN not in shown and secure_stack.passwords["ingest"] not in shown
        options = LiveOptions(sports=(Sport.SOCCER,), poll_interval_s=1.0, until_finished=True)
        await until_live(sim, match.fixture_id)
        summary = await asyncio.wait_for(run_live(ingest, options, asyncio.Event()), timeout=120)
        assert summary.fixtures_done == 1
        # A refused token (401): the simulator knows only TOKEN.
        refused = feed_settings(ingest, sim, TOKEN[::-1])
        with pytest.raises(FeedAuthError) as token_refused:
            await ingest_rest(refused, Sport.SOCCER, match.fixture_id)
        errors.append(token_refused.value)

    async with https_registry(secure_stack, tmp_path / "registry-tls") as registry:
        processor = secure_stack.settings(Stage.PROCESSOR, protocol, tmp_path / "processor", **registry)
        stats = await asyncio.wait_for(run_worker(processor, until_idle_s=3.0), timeout=240)
        assert stats.records_out > 0
        consumer = secure_stack.settings(Stage.CONSUMER, protocol, tmp_path / "consumer", **registry)
        tailed = [
            r
            async for r in consume(consumer, consumer.topic(topics.FIXTURE_EVENTS), from_beginning=True, until_idle_s=2)
        ]
        assert tailed
        errors += await _failure_paths(secure_stack, consumer, tmp_path)
        outputs, replay_error = await _replays(secure_stack, registry, match.fixture_id, tmp_path)
        errors.append(replay_error)

    needles = _needles(secure_stack)
    lines = [caplog.text, *(r.getMessage() for r in caplog.records), *(r.exc_text or "" for r in caplog.records)]
    log_lines = sum(text.count("\n") + 1 for text in lines[:1])
    texts = [t for e in errors for t in (str(e), repr(e), "".join(traceback.format_exception(e)))]
    output_lines = [line for text in outputs for line in text.splitlines()]
    records = await _every_record(secure_stack.plain_bootstrap)
    # Every file this run and the stack wrote; the stack's credentials file is where the passwords are kept, on purpose.
    stack_home = secure_stack.secure.files.root.parent.parent
    files = _every_file([tmp_path, stack_home], {secure_stack.secure.files.credentials})

    leaks: list[str] = []
    for name, needle in needles.items():
        text_needle = needle.decode()
        leaks += [f"{name} in a log line" for line in lines if text_needle in line]
        leaks += [f"{name} in an exception text" for text in texts if text_needle in text]
        leaks += [f"{name} in the replay command's output" for line in output_lines if text_needle in line]
        leaks += [f"{name} in a record" for record in records if needle in record]
        leaks += [f"{name} in {path}" for path in files if needle in path.read_bytes()]
    print(
        f"secret scan: {len(needles)} secrets; {log_lines} log lines ({len(caplog.records)} records at DEBUG), "
        f"{len(errors)} exceptions, {len(output_lines)} lines of replay command output, "
        f"{len(records)} Kafka records of every topic, {len(files)} files: "
        f"{len(leaks)} found"
    )
    assert log_lines > 1000 and len(errors) == 5 and len(records) > 20 and len(files) > 50
    assert len(output_lines) > 100 and any("sasl" in line.lower() for line in output_lines)
    # The same search does find the passwords where they are kept on purpose.
    kept = secure_stack.secure.files.credentials.read_bytes()
    assert all(needles[f"SCRAM password of {name}"] in kept for name in secure_stack.passwords)
    assert leaks == []


async def _failure_paths(stack: SecureStack, consumer: Settings, tmp_path: Path) -> list[BaseException]:
    found: list[BaseException] = []
    wrong_password = stack.settings(
        Stage.CONSUMER, "SASL_SSL", tmp_path / "w", KAFKA_SASL_PASSWORD="x" + stack.passwords["consumer"]
    )
    with pytest.raises(KafkaAuthError) as bad_scram:
        async for _ in consume(
            wrong_password, consumer.topic(topics.SCORE_CHANGES), from_beginning=True, until_idle_s=1
        ):
            pass
    found.append(bad_scram.value)

    producer = AIOKafkaProducer(**kafka_options(consumer, resolve(consumer)), request_timeout_ms=15000)
    await producer.start()
    try:
        await producer.send_and_wait(consumer.topic(topics.SCORE_CHANGES), b"forged", key=b"x")
    except AIOKafkaError as exc:
        refused = kafka_error(exc, "writing score changes")
        assert isinstance(refused, KafkaAuthError)
        found.append(refused)
    finally:
        await producer.stop()

    wrong_registry = load_settings(
        **{**_registry_values(consumer), "SCHEMA_REGISTRY_PASSWORD": REGISTRY_PASSWORD[::-1]}
    )
    async with SchemaRegistry(
        str(wrong_registry.schema_registry_url),
        auth=registry_auth(wrong_registry),
        verify=registry_verify(wrong_registry),
    ) as registry:
        with pytest.raises(RegistryError) as bad_registry:
            await topic_schemas.register_all(registry, consumer.topic_prefix)
    found.append(bad_registry.value)
    assert all(isinstance(e, DdeflowError) for e in found)
    return found


async def _replays(
    stack: SecureStack, registry: dict[str, object], fixture_id: str, tmp_path: Path
) -> tuple[list[str], BaseException]:
    """``ddeflow -v replay`` of this run's fixture as the replay principal, and again with a wrong SCRAM password,
    also in this process (its logs go to caplog).  The commands' output, and the in-process error."""
    into = stack.topic_prefix + "replay.scan."
    env = stack.env(Stage.REPLAY, "SASL_SSL", tmp_path / "replay", **registry)
    args = ["--into", into, "--fixture", fixture_id, "--from", "0"]
    done = await replay_command(env, args, tmp_path / "replay", verbose=True)
    assert done.code == 0, done.stderr[-2000:]
    assert "replayed" in done.stdout and "DEBUG" in done.stderr

    wrong = "x" + stack.passwords["replay"]  # holds the real password: a leak of it would be found
    refused_env = {**env, "KAFKA_SASL_PASSWORD": wrong}
    refused = await replay_command(refused_env, args, tmp_path / "replay-refused", verbose=True)
    assert refused.code == 2 and "ddeflow: error:" in refused.stderr and "SaslAuthenticationFailed" in refused.stderr

    wrong_settings = stack.settings(Stage.REPLAY, "SASL_SSL", tmp_path / "rw", KAFKA_SASL_PASSWORD=wrong)
    with pytest.raises(KafkaAuthError) as bad_scram:
        await replay_in_process(wrong_settings, into, fixture=fixture_id)
    return [done.stdout, done.stderr, refused.stdout, refused.stderr], bad_scram.value


def _registry_values(settings: Settings) -> dict[str, object]:
    return {
        "SCHEMA_REGISTRY_URL": settings.schema_registry_url,
        "SCHEMA_REGISTRY_USERNAME": settings.schema_registry_username,
        "SCHEMA_REGISTRY_CAFILE": str(settings.schema_registry_cafile),
    }
