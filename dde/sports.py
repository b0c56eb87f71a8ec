"""The sports the DDE feed covers, and the one mapping between our names and the feed's URL paths.

The feed's paths (``/{sport}/fixtures/...``) use ``basketball``, ``soccer``,
``snooker`` and ``v2/volleyball``.  Everywhere else (topics, settings, logs) we
use the plain name, so ``volleyball``.  Nothing outside this module should know
about the ``v2/`` prefix.
"""

from __future__ import annotations

from enum import StrEnum

from ddeflow.dde.errors import UnknownSportError


class Sport(StrEnum):
    """A sport covered by the feed; the value is our name for it."""

    BASKETBALL = "basketball"
    SOCCER = "soccer"
    VOLLEYBALL = "volleyball"
    SNOOKER = "snooker"

    @property
    def feed_path(self) -> str:
        """The sport's segment in the feed's URLs, e.g. ``v2/volleyball``."""
        return _FEED_PATHS[self]

    @classmethod
    def from_feed_path(cls, path: str) -> Sport:
        """The sport whose feed path is ``path`` (surrounding slashes ignored).

        Raises ``UnknownSportError`` (a ``ConfigError`` and a ``ValueError``).
        """
        sport = _BY_FEED_PATH.get(path.strip("/"))
        if sport is None:
            known = ", ".join(sorted(_BY_FEED_PATH))
            raise UnknownSportError(f"unknown feed path {path!r}; expected one of: {known}")
        return sport

    @classmethod
    def _missing_(cls, value: object) -> Sport:
        known = ", ".join(member.value for member in cls)
        raise UnknownSportError(f"unknown sport {value!r}; expected one of: {known}")


_FEED_PATHS: dict[Sport, str] = {
    Sport.BASKETBALL: "basketball",
    Sport.SOCCER: "soccer",
    Sport.VOLLEYBALL: "v2/volleyball",
    Sport.SNOOKER: "snooker",
}
_BY_FEED_PATH: dict[str, Sport] = {path: sport for sport, path in _FEED_PATHS.items()}
