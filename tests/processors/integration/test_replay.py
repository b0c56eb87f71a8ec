"""``ddeflow replay`` against the real broker and registry.

- A whole finished live run (the session's ``trouble_run``: the worker over generated matches with bad and
  odd frames) replayed ``--into`` a new prefix gives every derived topic byte for byte: keys, Avro bytes,
  headers, order per key.
- Replayed again, SIGKILLed midway and started again with the same arguments, it ends with the same output.
- ``--dry-run`` leaves every topic, offset and consumer group as it found them.
- A timestamp-bounded and an offset-bounded replay process exactly the records in the range, at both ends.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from ddeflow import topics
from ddeflow.config import Settings, load_settings
from ddeflow.dde.sports import Sport
from ddeflow.dlq import read_dlq_headers
from ddeflow.processors.replay import into_target
from tests.infra import Infra
from tests.processors.integration.conftest import Run
from tests.processors.integration.kafka_io import (
    Derived,
    create_raw_topics,
    group_progress,
    new_settings,
    options,
    read_derived,
    read_topic,
    worker_env,
)

pytestmark = pytest.mark.timeout(600)

REPO = Path(__file__).resolve().parents[3]
REPLAY_TIMEOUT_S = 300.0


@dataclass
class ReplayProcess:
    settings: Settings
    args: tuple[str, ...]
    log_dir: Path
    name: str
    process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (
            (self.log_dir / f"{self.name}.out").open("wb") as out,
            (self.log_dir / f"{self.name}.err").open("wb") as err,
        ):
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "ddeflow.cli",
                "replay",
                *self.args,
                cwd=REPO,
                env=worker_env(self.settings),
                stdout=out,
                stderr=err,
            )

    async def wait(self, timeout_s: float = REPLAY_TIMEOUT_S) -> int:
        assert self.process is not None
        try:
            return await asyncio.wait_for(self.process.wait(), timeout_s)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise AssertionError(f"replay {self.name} still running after {timeout_s} s; {self.tail()}") from None

    def output(self) -> str:
        return (self.log_dir / f"{self.name}.out").read_text(errors="replace")

    def tail(self) -> str:
        err = (self.log_dir / f"{self.name}.err").read_text(errors="replace")
        return f"stdout: {self.output()[-2000:]!r}\nstderr: {err[-3000:]!r}"


async def replay(settings: Settings, log_dir: Path, name: str, *args: str) -> ReplayProcess:
    process = ReplayProcess(settings, args, log_dir, name)
    await process.start()
    code = await process.wait()
    assert code == 0, f"replay {name} exited {code}; {process.tail()}"
    return process


def under(settings: Settings, prefix: str) -> Settings:
    return load_settings(
        KAFKA_BOOTSTRAP_SERVERS=settings.kafka_bootstrap_servers,
        SCHEMA_REGISTRY_URL=settings.schema_registry_url,
        DDEFLOW_TOPIC_PREFIX=prefix,
        DDEFLOW_HOME=str(settings.home),
    )


Records = dict[str, dict[bytes | None, list[tuple[bytes, tuple[tuple[str, bytes], ...]]]]]


async def derived_bytes(settings: Settings) -> Records:
    """Every derived topic's committed records as bytes: per topic (without the prefix), per key, in order."""
    found: Records = {}
    for spec in topics.derived_topics(settings.topic_prefix):
        name = spec.name[len(settings.topic_prefix) :]
        by_key: dict[bytes | None, list[tuple[bytes, tuple[tuple[str, bytes], ...]]]] = {}
        for m in await read_topic(settings, spec.name, partitions=spec.partitions):
            by_key.setdefault(m.key, []).append((m.value, tuple(m.headers)))
        found[name] = by_key
    return found


def differences(live: Records, replayed: Records) -> list[str]:
    problems = []
    for name in live:
        for key in sorted(set(live[name]) | set(replayed[name]), key=lambda k: k or b""):
            a, b = live[name].get(key, []), replayed[name].get(key, [])
            if a != b:
                problems.append(f"{name} key {key!r}: live {len(a)} records, replay {len(b)}")
    return problems


async def test_a_replay_of_a_whole_live_run_is_byte_equal_and_survives_a_sigkill(
    infra: Infra, trouble_run: Run, tmp_path: Path
) -> None:
    live = await derived_bytes(trouble_run.settings)
    assert sum(len(v) for v in live[topics.DLQ].values()) > 0, "the input has bad frames: dead letters are due"
    into = trouble_run.settings.topic_prefix + "r1."
    first = await replay(trouble_run.settings, tmp_path, "whole", "--into", into)
    replayed = await derived_bytes(under(trouble_run.settings, into))
    assert differences(live, replayed) == []
    assert "dlq=" in first.output() and "replayed" in first.output()
    # Decoded too, receivedAt included: it comes from the raw record's received-at-ns header.  (Dead letters
    # name their source topic, under the live prefix in both.)
    decoded = await read_derived(under(trouble_run.settings, into))
    as_live = Derived(trouble_run.derived.prefix, decoded.records)
    assert as_live.comparable() == trouble_run.derived.comparable()

    # The same replay into another prefix, SIGKILLed once it has committed some but not all, then run again.
    crashed_into = trouble_run.settings.topic_prefix + "r2."
    group = into_target(crashed_into).group
    total = (await group_progress(trouble_run.settings, into_target(into).group)).committed
    killed = ReplayProcess(trouble_run.settings, ("--into", crashed_into, "--max-batch", "40"), tmp_path, "killed")
    await killed.start()
    assert killed.process is not None
    deadline = time.monotonic() + REPLAY_TIMEOUT_S
    committed = 0
    while time.monotonic() < deadline:
        assert killed.process.returncode is None, f"replay ended before it could be killed; {killed.tail()}"
        committed = (await group_progress(trouble_run.settings, group)).committed
        if committed > 0:
            break
        await asyncio.sleep(0.05)
    killed.process.kill()
    await killed.process.wait()
    assert 0 < committed < total, f"killed at {committed} of {total} committed offsets"
    await replay(trouble_run.settings, tmp_path, "restarted", "--into", crashed_into, "--max-batch", "40")
    assert differences(live, await derived_bytes(under(trouble_run.settings, crashed_into))) == []

    # Other arguments into a prefix that holds a replay are refused, and nothing is written.
    refused = ReplayProcess(trouble_run.settings, ("--into", into, "--from", "5"), tmp_path, "refused")
    await refused.start()
    assert await refused.wait() == 2
    assert "another request" in refused.tail()
    assert differences(live, await derived_bytes(under(trouble_run.settings, into))) == []


# --- dry run ----------------------------------------------------------------------------------


async def cluster_snapshot(settings: Settings) -> dict[str, Any]:
    """Every topic and consumer group under the run's prefix (every name ddeflow would use there), with end
    offsets and committed offsets.  Only the prefix's: the session's cluster holds every other test's topics, and
    reading all of their offsets took longer than the client's 40 s on a loaded machine."""
    admin = AIOKafkaAdminClient(**options(settings))
    consumer = AIOKafkaConsumer(**options(settings), group_id=None)
    await admin.start()
    await consumer.start()
    try:
        # Internal topics (__consumer_offsets, __transaction_state) move with any client's heartbeat and
        # are not under the prefix; what they hold for the prefix's groups is compared below.
        prefix = settings.topic_prefix
        names = sorted(name for name in await admin.list_topics() if name.startswith(prefix))
        described = await admin.describe_topics(names)
        tps = [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]
        ends = await consumer.end_offsets(tps)
        groups = sorted(g[0] for g in await admin.list_consumer_groups() if g[0].startswith(prefix))
        committed = {}
        for g in groups:
            committed[g] = sorted((tp, m.offset) for tp, m in (await admin.list_consumer_group_offsets(g)).items())
        return {"topics": names, "ends": sorted(ends.items()), "groups": groups, "committed": committed}
    finally:
        await consumer.stop()
        await admin.close()


async def test_a_dry_run_touches_no_topic_offset_or_group(infra: Infra, reference_run: Run, tmp_path: Path) -> None:
    settings = reference_run.settings
    before = await cluster_snapshot(settings)
    into = settings.topic_prefix + "dry."
    dry = await replay(settings, tmp_path, "dry", "--dry-run", "--into", into, "--sport", "soccer", "--from", "1")
    after = await cluster_snapshot(settings)
    assert after == before
    lines = dry.output().splitlines()
    assert lines[-1] == "dry run: nothing was written"
    soccer = [line.split() for line in lines if line.startswith(settings.topic_prefix + "dde.raw.soccer.")]
    assert len(soccer) == 2 * topics.RAW_PARTITIONS
    ends = dict(before["ends"])
    for topic, partition, start, end, count, warm in soccer:
        high = ends[TopicPartition(topic, int(partition))]
        assert (int(start), int(end), int(count), int(warm)) == (min(1, high), high, high - min(1, high), 0)


# --- exact bounds ------------------------------------------------------------------------------

RECORDS = 30


def _iso(ms: int, zone: str) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S") + zone


async def _feed_timed(settings: Settings, t0: int) -> tuple[str, int, list[int]]:
    """30 records of one fixture that are not packets (each becomes a dead letter naming its offset),
    one second of timestamp apart from ``t0`` (recent: the raw topics' retention would delete older ones);
    their topic, partition and offsets."""
    await create_raw_topics(settings)
    topic = settings.topic(topics.raw_actions(Sport.SOCCER))
    producer = AIOKafkaProducer(**options(settings), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        sent = [
            await producer.send(topic, b"not a packet %d" % i, key=b"77", timestamp_ms=t0 + 1000 * i)
            for i in range(RECORDS)
        ]
        metas = [await future for future in sent]
    finally:
        await producer.stop()
    assert len({m.partition for m in metas}) == 1
    return topic, metas[0].partition, [m.offset for m in metas]


async def _replayed_offsets(settings: Settings, into: str) -> list[int]:
    letters = await read_topic(under(settings, into), into + topics.DLQ)
    return sorted(int(read_dlq_headers(tuple(m.headers))["dlq.source.offset"]) for m in letters)


async def test_timestamp_and_offset_bounds_are_exact_at_both_ends(
    infra: Infra, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    settings = new_settings(infra, tmp_path_factory.mktemp("bounds-home"), "bounds")
    t0 = (int(time.time()) - 3600) * 1000
    topic, partition, offsets = await _feed_timed(settings, t0)
    cases = {
        # --from at a record's own timestamp takes it; --to at a record's own timestamp leaves it out.
        "exact": (("--from", str(t0 + 10_000), "--to", str(t0 + 20_000)), offsets[10:20]),
        # One millisecond either side of a record.
        "inside": (("--from", str(t0 + 9_999), "--to", str(t0 + 19_001)), offsets[10:20]),
        "outside": (("--from", str(t0 + 10_001), "--to", str(t0 + 20_001)), offsets[11:21]),
        "iso": (("--from", _iso(t0 + 5_000, "Z"), "--to", _iso(t0 + 7_000, ".000+00:00")), offsets[5:7]),
        "offsets": (("--from", f"p{partition}={offsets[3]}", "--to", f"p{partition}={offsets[8]}"), offsets[3:8]),
        "to-the-end": (("--from", str(offsets[25])), offsets[25:]),
    }
    for name, (args, expected) in cases.items():
        into = f"{settings.topic_prefix}{name}."
        await replay(settings, tmp_path, name, "--into", into, "--sport", "soccer", "--stream", "actions", *args)
        assert await _replayed_offsets(settings, into) == expected, name
    assert topic.endswith("dde.raw.soccer.actions")
