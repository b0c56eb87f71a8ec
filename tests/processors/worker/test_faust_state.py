"""The Faust engine's table format and input positions: pure."""

from __future__ import annotations

import pytest

from ddeflow.processors.faust_state import Positions, Verdict, changes, position_key, restore, split_key, table_key
from ddeflow.processors.store import PartitionStore, encode_state
from tests.processors.worker.test_store_and_transform import _raw, _rest_packets, _transformer


def test_a_record_is_applied_once_in_offset_order() -> None:
    positions = Positions()
    assert positions.verdict("t", 7) is Verdict.APPLY  # nothing applied yet: wherever the group starts
    positions.applied("t", 7)
    assert positions.verdict("t", 8) is Verdict.APPLY
    assert positions.verdict("t", 7) is Verdict.APPLIED
    assert positions.verdict("t", 3) is Verdict.APPLIED
    assert positions.verdict("t", 9) is Verdict.MISSED
    assert positions.verdict("t", 9, log_start=5) is Verdict.MISSED
    assert positions.verdict("t", 9, log_start=9) is Verdict.APPLY  # 8 was removed by retention
    assert positions.verdict("u", 9) is Verdict.APPLY  # each topic on its own


def test_keys_carry_the_partition_number_and_are_split_back() -> None:
    assert split_key(table_key(12, b"t:dde.raw.x")) == (12, b"t:dde.raw.x")
    assert split_key(position_key(3, "dde.raw.x")) == (3, b"o:dde.raw.x")
    for bad in (b"t:x", b"x/t:x", b"/t:x"):
        with pytest.raises(ValueError, match="not a table key"):
            split_key(bad)


def test_the_table_restores_the_default_engines_store_of_its_partition_only() -> None:
    packets = _rest_packets()
    table: dict[bytes, bytes | None] = {}
    stores = {2: PartitionStore(), 3: PartitionStore()}
    positions = Positions()
    transformer = _transformer()
    for offset, packet in enumerate(packets):
        number = 3 if offset % 3 else 2
        record = _raw(packet, offset)
        transformer.handle(record, stores[number])
        table.update(changes(number, stores[number]))
        if number == 3:
            table[position_key(3, record.topic)] = positions.applied(record.topic, offset)
        stores[number].commit()
    restored = restore(3, table.items())
    assert restored.positions.next == positions.next
    keys = [rest for number, rest in map(split_key, table) if number == 3 and not rest.startswith(b"o:")]
    assert keys and len(restored.store) == len(stores[3]) == len({*keys})
    for key in keys:
        mine, want = restored.store.get(key), stores[3].get(key)
        assert want is not None and mine is not None and encode_state(mine) == encode_state(want)
