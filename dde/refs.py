"""References to teams and players as they appear inside packets and fixtures."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamRef:
    """A team: wire ``{id, name, homeTeam?}``."""

    id: str
    name: str | None = None
    home_team: bool | None = None
    """Whether this is the home team; None when the feed does not say."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayerRef:
    """A player: wire ``{id, name}``."""

    id: str
    name: str | None = None
