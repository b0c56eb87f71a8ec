"""The simulator's own control endpoints under ``/_sim``.  Pure.

Unauthenticated and answered only to loopback peers (others get 403); never
rate limited.  Parameters travel in the query string because the websocket
library that serves this port refuses HTTP request bodies.

``GET /_sim/stats``
    Counters (see ``ddeflow.simulator.server.stats``).
``GET /_sim/faults``
    ``{"global": {field: value}, "fixtures": {id: {field: value}}}``: the specs set.
``POST /_sim/faults?[fixture=ID&]field=value&...``
    Sets fields on the fixture's spec (no ``fixture``: the global spec);
    ``field=none`` unsets one.  Fields are listed in ``ddeflow.simulator.server.faults``.
    Answers the new snapshot; 400 on an unknown field or bad value, 404 on an
    unknown fixture.  Changes reach open streams before their next frame.
``DELETE /_sim/faults[?fixture=ID | ?all=true]``
    Clears the fixture's spec, the global spec, or everything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ddeflow.simulator.server.faults import FaultBook, FaultSpecError, parse_fault_fields
from ddeflow.simulator.server.rest import HttpAnswer, error_answer, json_answer
from ddeflow.simulator.server.routes import ControlRoute, ControlTarget, last_value


def answer_control(
    route: ControlRoute,
    method: str,
    query: dict[str, list[str]],
    *,
    path: str,
    faults: FaultBook,
    fixture_exists: Callable[[str], bool],
    stats: Callable[[], dict[str, Any]],
) -> HttpAnswer:
    if route.target is ControlTarget.STATS:
        if method != "GET":
            return error_answer(405, f"{method} is not allowed on {path}", path, (("Allow", "GET"),))
        return json_answer(200, stats())
    fixture_id = last_value(query, "fixture") or None
    if fixture_id is not None and not fixture_exists(fixture_id):
        return error_answer(404, f"Fixture {fixture_id} not found", path)
    if method == "GET":
        return json_answer(200, faults.snapshot())
    if method == "POST":
        pairs = [(name, value) for name, values in query.items() if name != "fixture" for value in values]
        try:
            changes = parse_fault_fields(pairs)
        except FaultSpecError as exc:
            return error_answer(400, str(exc), path)
        faults.update(fixture_id, changes)
        return json_answer(200, faults.snapshot())
    if method == "DELETE":
        if (last_value(query, "all") or "").lower() == "true":
            faults.clear_all()
        else:
            faults.clear(fixture_id)
        return json_answer(200, faults.snapshot())
    return error_answer(405, f"{method} is not allowed on {path}", path, (("Allow", "GET, POST, DELETE"),))
