"""Two processors that fail, for the live error-handling test; it declares them through an entry point.

- ``e2e-flaky`` (basketball actions) raises on every packet whose fixtureSeqNum is a multiple of
  ``FLAKY_EVERY``, and otherwise writes a record for each applied summary.
- ``e2e-broken`` (volleyball actions) raises on every packet, so its circuit breaker trips.
"""

from __future__ import annotations

from pathlib import Path

from ddeflow.processors.api import ActionEvent, ActionsProcessor, Json, Sport, Step

FLAKY_EVERY = 7
SCHEMA = Path(__file__).resolve().parents[1] / "kit" / "counted.avsc"


def flaky_detail(fixture_seq_num: int) -> str:
    """The ``dlq.detail`` of a packet ``e2e-flaky`` refuses."""
    return f"ValueError: refusing fixtureSeqNum {fixture_seq_num}"


def broken_detail(fixture_seq_num: int) -> str:
    """The ``dlq.detail`` of a packet ``e2e-broken`` failed on."""
    return f"RuntimeError: broken on fixtureSeqNum {fixture_seq_num}"


def _flaky(event: ActionEvent, state: Json) -> Step:
    seq = event.packet.seq_num
    if seq % FLAKY_EVERY == 0:
        raise ValueError(f"refusing fixtureSeqNum {seq}")
    if not event.summary_applied:
        return Step()
    return Step(records=[{"fixtureId": event.fixture_id, "seen": seq}])


def _broken(event: ActionEvent, state: Json) -> Step:
    raise RuntimeError(f"broken on fixtureSeqNum {event.packet.seq_num}")


FLAKY = ActionsProcessor(
    name="e2e-flaky",
    sports=frozenset({Sport.BASKETBALL}),
    topic="dde.e2e-flaky",
    key="fixtureId",
    schema=SCHEMA,
    handle=_flaky,
    stateful=False,
)
BROKEN = ActionsProcessor(
    name="e2e-broken",
    sports=frozenset({Sport.VOLLEYBALL}),
    topic="dde.e2e-broken",
    key="fixtureId",
    schema=SCHEMA,
    handle=_broken,
    stateful=False,
)
