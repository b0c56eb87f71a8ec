"""Which partition a keyed record goes to: Kafka's default, the Java client's murmur2 of the key.

aiokafka computes murmur2 in pure Python for every record it sends.  The pipeline's keys repeat (a
fixture's id, a fixture's action), so the answer is remembered per key: same partitions, less CPU.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import lru_cache

from aiokafka.partitioner import murmur2

KEYS_REMEMBERED = 1 << 16


@lru_cache(maxsize=KEYS_REMEMBERED)
def partition_for(key: bytes, partitions: int) -> int:
    """Kafka's default partition for a key among ``partitions`` (the Java client's murmur2)."""
    hashed: int = murmur2(key)
    return (hashed & 0x7FFFFFFF) % partitions


def default_partitioner(key: bytes | None, all_partitions: Sequence[int], available: Sequence[int]) -> int:
    """aiokafka's ``DefaultPartitioner``, with ``partition_for`` for keyed records."""
    if key is None:
        return random.choice(available or all_partitions)
    return all_partitions[partition_for(key, len(all_partitions))]
