"""The end-to-end feed plans; they live in ``ddeflow.harness.plan``, which the benchmarks share."""

from ddeflow.harness.plan import (
    BASE_RECEIVED_AT_NS,
    ODD_FIXTURE_ID,
    RECEIVED_AT_STEP_NS,
    UNKNOWN_SEND_TYPE_ID,
    UNKNOWN_STATUS,
    Delivery,
    Kind,
    Match,
    OddFixture,
    bad_deliveries,
    build_plan,
    first_received_ns,
    huge_delivery,
    load_matches,
    mix_in,
    odd_fixture,
)

__all__ = [
    "BASE_RECEIVED_AT_NS",
    "ODD_FIXTURE_ID",
    "RECEIVED_AT_STEP_NS",
    "UNKNOWN_SEND_TYPE_ID",
    "UNKNOWN_STATUS",
    "Delivery",
    "Kind",
    "Match",
    "OddFixture",
    "bad_deliveries",
    "build_plan",
    "first_received_ns",
    "huge_delivery",
    "load_matches",
    "mix_in",
    "odd_fixture",
]
