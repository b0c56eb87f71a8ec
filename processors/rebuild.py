"""``ddeflow replay --rebuild``: the main derived topics and the live worker's state, regenerated from the earliest
raw offsets.

It refuses while the live worker group has members.  Then it deletes the derived topics and the state changelog
under the main prefix, creates them again, resets the worker group's offsets to the earliest raw offsets, and
replays up to the last stable offsets at its start with the worker's own group, transactional ids and changelog;
it ends by committing those end offsets.  A live worker started afterwards restores that state and resumes at
those offsets: nothing processed twice, nothing skipped.  A rebuild stopped midway is started again from scratch
(the same command).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from ddeflow import topics
from ddeflow.client_errors import translate
from ddeflow.config import Settings
from ddeflow.endpoints import kafka_options, registry_client, resolve
from ddeflow.errors import BrokerError, ConfigError
from ddeflow.kafka_connect import admin_client
from ddeflow.processors import registry as processor_registry
from ddeflow.processors.engine import until_done
from ddeflow.processors.replay import Progress, ReplayStats, Target, finish, resolve_plan
from ddeflow.processors.replay_range import Plan, Request
from ddeflow.processors.transform import Transformer, retention_policy
from ddeflow.processors.worker import changelog_topic, group_id, prepare

DELETION_TIMEOUT_S = 60.0


def live_target(settings: Settings) -> Target:
    return Target(
        prefix=settings.topic_prefix,
        group=group_id(settings),
        changelog=changelog_topic(settings),
        plan_topic="",
    )


def doomed(settings: Settings) -> list[str]:
    """The topics a rebuild deletes and writes anew."""
    layout = settings.topic_layout
    extra = processor_registry.extra_topics(processor_registry.enabled(settings), settings.topic_prefix, layout)
    return [spec.name for spec in [*topics.derived_topics(settings.topic_prefix, layout), *extra]] + [
        changelog_topic(settings)
    ]


def what_it_does(settings: Settings) -> list[str]:
    group = group_id(settings)
    return [
        "--rebuild deletes these topics, with every record in them, and writes them anew from the raw topics:",
        *(f"  {name}" for name in doomed(settings)),
        f"and resets the committed offsets of the consumer group {group} to the earliest raw offsets.",
        f"Consumers of those topics see them disappear and come back; keep `ddeflow process` ({group}) stopped",
        "until the rebuild has ended, then start it: it resumes where the rebuild ended.",
    ]


async def group_members(options: dict[str, Any], group: str) -> int:
    async with admin_client(options, f"describing the group {group}") as admin:
        responses = await admin.describe_consumer_groups([group])
    # DescribeGroups rows: (error_code, group_id, state, protocol_type, protocol, members, ...)
    return sum(len(row[5]) for response in responses for row in response.groups)


async def _delete_topics(options: dict[str, Any], names: list[str]) -> None:
    async with admin_client(options, "deleting topics") as admin:
        existing = set(await admin.list_topics())
        present = [name for name in names if name in existing]
        if present:
            await admin.delete_topics(present)
        deadline = time.monotonic() + DELETION_TIMEOUT_S
        while set(await admin.list_topics()) & set(present):
            if time.monotonic() > deadline:
                raise BrokerError(f"topics not deleted after {DELETION_TIMEOUT_S:.0f} s: {', '.join(present)}")
            await asyncio.sleep(0.2)


async def _reset_offsets(options: dict[str, Any], group: str, plan: Plan) -> None:
    """The group's committed offset of every raw topic-partition set to its first offset (the group is empty)."""
    consumer = AIOKafkaConsumer(**options, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(s.topic, s.partition) for s in plan.spans]
        consumer.assign(tps)
        starts = {TopicPartition(s.topic, s.partition): s.warm_from for s in plan.spans}
        await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in starts.items()})
    finally:
        await consumer.stop()


async def run_rebuild(
    settings: Settings,
    request: Request,
    *,
    yes: bool,
    max_batch: int,
    stop: asyncio.Event,
    progress: Callable[[Plan], Progress],
    say: Callable[[str], None],
) -> tuple[Plan, ReplayStats] | None:
    """Rebuild the main derived topics and the worker state; None if stopped first or not confirmed."""
    endpoints = resolve(settings)
    options = kafka_options(settings, endpoints)
    target = live_target(settings)
    members = await group_members(options, target.group)
    if members:
        raise ConfigError(
            f"the live worker group {target.group} has {members} member(s): stop every `ddeflow process` "
            "first; --rebuild never runs beside it"
        )
    for line in what_it_does(settings):
        say(line)
    if not yes:
        say("nothing was done: add --yes to go ahead")
        return None
    plan = await resolve_plan(options, request, None, None)
    await _delete_topics(options, doomed(settings))
    async with registry_client(settings, endpoints) as registry:
        codec = await until_done(lambda: prepare(settings, registry), stop, "creating the topics again")
    if codec is None:
        return None
    try:
        await _reset_offsets(options, target.group, plan)
    except Exception as exc:
        raise translate(exc, f"resetting the offsets of {target.group}") from None
    transformer = Transformer(
        settings.topic_prefix, codec, retention_policy(settings), processors=processor_registry.enabled(settings)
    )
    return await finish(options, target, plan, transformer, max_batch=max_batch, stop=stop, progress=progress)
