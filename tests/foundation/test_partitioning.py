"""The remembered partitioner chooses exactly what aiokafka's default (the Java client's murmur2) does."""

from __future__ import annotations

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2
from hypothesis import given
from hypothesis import strategies as st

from ddeflow.partitioning import default_partitioner, murmur2, partition_for
from tests.profiles import examples


@examples(ci=1_000, fuzz=100_000)
@given(st.binary(max_size=40), st.integers(min_value=1, max_value=64))
def test_a_keyed_record_goes_where_aiokafka_would_send_it(key: bytes, count: int) -> None:
    partitions = list(range(count))
    expected = DefaultPartitioner()(key, partitions, partitions)
    assert default_partitioner(key, partitions, partitions) == expected
    assert default_partitioner(key, partitions, partitions) == expected  # remembered: the same again
    assert partition_for(key, count) == expected


def test_an_unkeyed_record_goes_to_an_available_partition() -> None:
    assert {default_partitioner(None, [0, 1, 2, 3], [2]) for _ in range(20)} == {2}
    assert {default_partitioner(None, [0, 1], []) for _ in range(50)} == {0, 1}


# murmur2 of these keys by the Java client, as Kafka's own UtilsTest states them (signed 32-bit).
JAVA_MURMUR2 = {b"21": -973932308, b"foobar": -790332482, b"": 275646681}


def test_the_java_clients_choice_for_known_keys() -> None:
    for key, hashed in JAVA_MURMUR2.items():
        for count in (1, 6, 7, 48):
            assert partition_for(key, count) == (hashed & 0x7FFFFFFF) % count


@examples(ci=1_000, fuzz=100_000)
@given(st.binary(max_size=200))
def test_murmur2_is_aiokafkas(key: bytes) -> None:
    assert murmur2(key) == aiokafka_murmur2(key)
