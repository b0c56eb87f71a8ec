"""One generated fixture: REST fixture object, action packet lines, statistics lines, truth.

Pure: no file I/O (``writer`` does that).  Everything is a function of
``(sport, seed, index)``.

truth.json shape::

    {"fixtureId", "sport", "generatorVersion",
     "scoreTimeline": [{"fixtureSeqNum", "actionId", "sendTypeId", "homeScore", "awayScore",
                        "currentPeriod", "periods": [{"id", "homeTeamPeriodScore", "awayTeamPeriodScore"}]}],
     "final": {"homeScore", "awayScore", "periods": [...], "status", "collectionStatus", "finished",
               "packets", "packetsBySendType": {Pending: n, ...}, "actionsByFinalSendType": {...}},
     "breaks": [...]}            # snooker only, see ``snooker_statistics``
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ddeflow.simulator.generator import basketball, snooker, soccer, volleyball
from ddeflow.simulator.generator.ids import derived_rng
from ddeflow.simulator.generator.recorder import MatchRecorder
from ddeflow.simulator.generator.rosters import FixtureHeader, fixture_header

GENERATOR_VERSION = "1.0.0"
SPORTS = ("basketball", "soccer", "volleyball", "snooker")

_SIMULATORS: dict[str, Callable[[FixtureHeader, random.Random], MatchRecorder]] = {
    "basketball": basketball.simulate,
    "soccer": soccer.simulate,
    "volleyball": volleyball.simulate,
    "snooker": snooker.simulate,
}


@dataclass(frozen=True, slots=True)
class GeneratedMatch:
    sport: str
    header: FixtureHeader
    fixture: dict[str, Any]
    actions: list[str]
    statistics: list[str]
    truth: dict[str, Any]

    @property
    def fixture_id(self) -> str:
        return self.header.id


def generate_match(sport: str, seed: int, index: int, *, statistics: bool = True) -> GeneratedMatch:
    """Simulate fixture ``index`` of ``sport`` for ``seed``.

    ``statistics=False`` leaves out snooker's statistics snapshots (the actions and truth,
    breaks included, are the same either way).
    """
    if sport not in _SIMULATORS:
        raise ValueError(f"unknown sport {sport!r}; expected one of {', '.join(SPORTS)}")
    header = fixture_header(seed, sport, index)
    rng = derived_rng("match", seed, sport, index)
    if sport == "snooker":
        rec = snooker.simulate(header, rng, with_statistics=statistics)
    else:
        rec = _SIMULATORS[sport](header, rng)
    truth: dict[str, Any] = {
        "fixtureId": header.id,
        "sport": sport,
        "generatorVersion": GENERATOR_VERSION,
        "scoreTimeline": rec.score_timeline,
        "final": rec.final_truth(),
    }
    snapshots: list[str] = []
    if rec.statistics is not None:
        snapshots = rec.statistics.lines
        truth["breaks"] = rec.statistics.truth_breaks()
    return GeneratedMatch(
        sport=sport,
        header=header,
        fixture=header.rest_fixture(rec.status, rec.collection_status),
        actions=rec.lines,
        statistics=snapshots,
        truth=truth,
    )
