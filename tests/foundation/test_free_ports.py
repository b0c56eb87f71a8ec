"""Free ports for local services are drawn outside the kernel's ephemeral range, so a restarted service finds its
port still free (no process's outgoing connection can have been given it)."""

from __future__ import annotations

from ddeflow.local.processes import ephemeral_range, free_port, free_port_block, service_port_ranges


def test_the_ranges_avoid_theephemeral_range_and_the_low_ports() -> None:
    assert service_port_ranges((32768, 60999)) == [range(10_000, 32768), range(61_000, 65536)]
    assert service_port_ranges((1024, 65535)) == []
    assert service_port_ranges((40000, 65535)) == [range(10_000, 40000)]


def test_free_ports_are_outside_this_machinesephemeral_range() -> None:
    low, high = ephemeral_range()
    ports = [free_port() for _ in range(50)] + [free_port_block(6) + i for i in range(6)]
    assert all(port >= 10_000 and not low <= port <= high for port in ports)
