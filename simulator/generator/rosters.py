"""Leagues, teams, players and fixture headers: who plays whom, where and when.

Pure and deterministic: a league depends only on ``(seed, sport)``, a fixture's
header only on ``(seed, sport, index)``, so fixture ``i`` is the same whether a run
generates ten fixtures or a thousand.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from ddeflow.simulator.generator.ids import derived_rng, derived_uuid, fixture_id
from ddeflow.simulator.generator.timefmt import iso_seconds, micros_from_datetime

_CITIES = (
    "Aldmoor",
    "Brackenford",
    "Castlereach",
    "Dunmere",
    "Eastwick",
    "Fairhollow",
    "Glenbrook",
    "Harrowgate",
    "Ironbridge",
    "Kingsport",
    "Larchfield",
    "Millbay",
    "Northcliff",
    "Oakhaven",
    "Pendleton",
    "Queensferry",
    "Ravenmoor",
    "Stonehaven",
    "Thornbury",
    "Westerly",
)
_NICKNAMES = {
    "basketball": ("Comets", "Falcons", "Giants", "Hawks", "Lions", "Rockets", "Storm", "Titans"),
    "soccer": ("United", "City", "Rovers", "Athletic", "Wanderers", "Albion", "Town", "FC"),
    "volleyball": ("Spikers", "Volley", "Smash", "Aces", "Blockers", "Waves", "Jets", "Stars"),
}
_FIRST = (
    "Adam",
    "Ben",
    "Carlos",
    "Dan",
    "Emil",
    "Felix",
    "Gus",
    "Hugo",
    "Ivan",
    "Jack",
    "Kai",
    "Luca",
    "Marco",
    "Niko",
    "Omar",
    "Paul",
    "Rui",
    "Sam",
    "Tom",
    "Uri",
    "Victor",
    "Will",
    "Yan",
    "Zane",
)
_LAST = (
    "Abbott",
    "Barros",
    "Costa",
    "Doyle",
    "Evans",
    "Fischer",
    "Garcia",
    "Horvat",
    "Ivanov",
    "Jensen",
    "Kowalski",
    "Lind",
    "Moreau",
    "Novak",
    "Okafor",
    "Petrov",
    "Quinn",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ulrich",
    "Varga",
    "Weber",
    "Young",
    "Zeller",
)
_COMPETITIONS = {
    "basketball": "Continental Basketball League",
    "soccer": "Northern Football League",
    "volleyball": "Volleyball Super League",
    "snooker": "Open Snooker Championship",
}
_SQUAD_SIZE = {"basketball": 12, "soccer": 18, "volleyball": 12, "snooker": 1}
_LEAGUE_SIZE = {"basketball": 16, "soccer": 20, "volleyball": 12, "snooker": 32}
_SEASON_START = _dt.datetime(2026, 9, 4, tzinfo=_dt.UTC)


@dataclass(frozen=True, slots=True)
class Player:
    id: str
    name: str
    first_name: str
    last_name: str
    shirt_number: int


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    name: str
    venue_id: str
    venue_name: str
    players: tuple[Player, ...]


@dataclass(frozen=True, slots=True)
class FixtureHeader:
    sport: str
    index: int
    id: str
    name: str
    home: Team
    away: Team
    competition_id: str
    competition_name: str
    start_us: int
    coverage_level: str

    def rest_fixture(self, status: str, collection_status: str) -> dict[str, Any]:
        """The fixture as ``GET /{sport}/fixtures/{id}`` returns it."""
        return {
            "id": self.id,
            "name": self.name,
            "status": status,
            "collectionStatus": collection_status,
            "type": "Official",
            "coverageLevel": self.coverage_level,
            "startDateUTC": iso_seconds(self.start_us),
            "teams": [
                {"id": self.home.id, "name": self.home.name},
                {"id": self.away.id, "name": self.away.name},
            ],
            "competition": {"id": self.competition_id, "name": self.competition_name},
            "venue": {"id": self.home.venue_id, "name": self.home.venue_name},
        }


def _team(seed: int, sport: str, number: int) -> Team:
    rng = derived_rng("team", seed, sport, number)
    team_id = derived_uuid("team", seed, sport, number)
    players = []
    used: set[str] = set()
    shirts = rng.sample(range(1, 100), _SQUAD_SIZE[sport])
    for slot, shirt in enumerate(shirts):
        while True:
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            if f"{first} {last}" not in used:
                break
        used.add(f"{first} {last}")
        # A snooker team is its one player, and the feed uses the team id for both.
        player_id = team_id if sport == "snooker" else derived_uuid("player", seed, sport, number, slot)
        players.append(Player(player_id, f"{first} {last}", first, last, shirt))
    city = _CITIES[number % len(_CITIES)]
    if sport == "snooker":
        name = players[0].name
        venue = f"{_CITIES[(number * 7) % len(_CITIES)]} Snooker Hall"
    else:
        nick = _NICKNAMES[sport][(number // len(_CITIES) + number) % len(_NICKNAMES[sport])]
        name = f"{city} {nick}"
        venue = f"{city} Arena" if sport != "soccer" else f"{city} Stadium"
    return Team(team_id, name, derived_uuid("venue", seed, sport, number), venue, tuple(players))


def fixture_header(seed: int, sport: str, index: int) -> FixtureHeader:
    """Teams, competition and kick-off of fixture ``index`` of a seeded season."""
    size = _LEAGUE_SIZE[sport]
    rng = derived_rng("header", seed, sport, index)
    home_number = rng.randrange(size)
    away_number = (home_number + 1 + rng.randrange(size - 1)) % size
    home, away = _team(seed, sport, home_number), _team(seed, sport, away_number)
    # About eight fixtures a day per sport, kick-offs on the half hour between 11:00 and 20:30.
    day = index // 8
    kickoff = _SEASON_START + _dt.timedelta(days=day, hours=11 + rng.randrange(10), minutes=30 * rng.randrange(2))
    return FixtureHeader(
        sport=sport,
        index=index,
        id=fixture_id(seed, sport, index),
        name=f"{home.name} v {away.name}",
        home=home,
        away=away,
        competition_id=derived_uuid("competition", seed, sport),
        competition_name=_COMPETITIONS[sport],
        start_us=micros_from_datetime(kickoff),
        coverage_level="Low Latency Stream",
    )
