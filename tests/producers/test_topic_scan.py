"""Reading a fixture stream back from a real raw topic: a stream the partition holds nothing of costs no re-read
of the partition, however many records other fixtures have there, and one it holds is found whole."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer

from ddeflow import topics
from ddeflow.admin import ensure_topics
from ddeflow.config import Settings
from ddeflow.dde.sports import Sport
from ddeflow.endpoints import kafka_options, resolve
from ddeflow.partitioning import partition_for
from ddeflow.producers.raw_records import Stream, raw_topic
from ddeflow.producers.topic_scan import TopicScanner

OLD_FIXTURES = 20
RECORDS_EACH = 30
NEW_FIXTURES = 40


def same_partition_ids(count: int, partition: int, *, skip: int = 0) -> list[str]:
    """``count`` fixture ids that Kafka's default partitioner puts in ``partition``."""
    ids = (f"fx-{n}" for n in range(skip, 1_000_000))
    return [i for i in ids if partition_for(i.encode(), topics.RAW_PARTITIONS) == partition][:count]


async def test_new_streams_are_known_empty_without_rereading_the_partition(settings: Settings) -> None:
    options = kafka_options(settings, resolve(settings))
    await ensure_topics(options, topics.raw_topics(settings.topic_prefix))
    topic = raw_topic(settings.topic_prefix, Sport.SOCCER, Stream.ACTIONS)
    old = same_partition_ids(OLD_FIXTURES, 0)
    new = same_partition_ids(NEW_FIXTURES + 1, 0, skip=100_000)
    late = new.pop()
    producer = AIOKafkaProducer(**options, acks="all")
    await producer.start()
    try:
        for n in range(RECORDS_EACH):
            for fixture_id in old:
                await producer.send(topic, b"old %d" % n, key=fixture_id.encode())
        await producer.flush()
        scanner = TopicScanner(options)
        await scanner.start()
        try:
            for fixture_id in new:
                history = await scanner.history(topic, topics.RAW_PARTITIONS, fixture_id, Stream.ACTIONS, need=10)
                assert history.complete and history.records() == []
            # Each record was read once, by the index, not once per new stream.
            assert scanner.records_read == OLD_FIXTURES * RECORDS_EACH

            whole = await scanner.history(topic, topics.RAW_PARTITIONS, old[3], Stream.ACTIONS, need=None)
            assert [r.value for r in whole.records()] == [b"old %d" % n for n in range(RECORDS_EACH)]

            # Records appended later are indexed too: a stream that has some now is read back.
            await producer.send_and_wait(topic, b"late", key=late.encode())
            found = await scanner.history(topic, topics.RAW_PARTITIONS, late, Stream.ACTIONS, need=None)
            assert [r.value for r in found.records()] == [b"late"]
        finally:
            await scanner.stop()
    finally:
        await producer.stop()
