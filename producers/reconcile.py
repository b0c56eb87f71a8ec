"""REST reconciliation after a match: which packets the raw topic is missing.  Pure.

When a fixture finishes, ``GET /{sport}/fixtures/{id}/actions`` returns every
action packet of the match.  Each one whose ``fixtureSeqNum`` the raw actions
topic does not hold yet (as a valid packet, from any source) is published with
``source=rest``, in ``fixtureSeqNum`` order.  A seq number that the array holds
twice is published once.  A packet of another fixture in the body is rejected
(it would otherwise land under the wrong fixture's reconciliation).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from ddeflow.dde.parse import NOT_A_PACKET
from ddeflow.errors import PacketError
from ddeflow.producers.batch_plan import Accepted, BatchPlan, Rejected


@dataclass(frozen=True, slots=True)
class Reconciliation:
    missing: tuple[Accepted, ...]
    """To publish, in fixtureSeqNum order."""
    rejected: tuple[Rejected, ...]
    rest_packets: int
    """Valid packets of this fixture in the REST body."""


def reconcile(plan: BatchPlan, fixture_id: str, held_seqs: Set[int]) -> Reconciliation:
    rejected = list(plan.rejected)
    missing: list[Accepted] = []
    seen = set(held_seqs)
    ours = 0
    for item in plan.accepted:
        if item.fixture_id != fixture_id:
            detail = f"a packet of fixture {item.fixture_id} in the actions of fixture {fixture_id}"
            error = PacketError(NOT_A_PACKET, detail, field="fixtureAction.fixtureId", raw=item.raw)
            rejected.append(Rejected(item.index, item.line, item.raw, error))
            continue
        ours += 1
        if item.seq not in seen:
            seen.add(item.seq)
            missing.append(item)
    return Reconciliation(tuple(sorted(missing, key=lambda item: item.seq)), tuple(rejected), ours)
