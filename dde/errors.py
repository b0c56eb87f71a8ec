"""The errors the domain package raises: the root of ddeflow's one error tree, and what the feed's data can be.

``dde`` is the bottom layer and imports nothing else of ours, so these live here;
``ddeflow.errors`` re-exports them with the rest of the tree.
"""

from __future__ import annotations


class DdeflowError(Exception):
    """Root of every error ddeflow raises on purpose."""

    retriable: bool = False


# --- configuration -------------------------------------------------------------------


class ConfigError(DdeflowError):
    """The configuration is missing, contradictory or invalid."""


class UnknownSportError(ConfigError, ValueError):
    """A sport name or feed path is not one we know.

    Also a ``ValueError`` so that ``Sport("cricket")`` fails the way any enum
    lookup does, for callers (settings validation) that expect that.
    """


# --- bad input from the feed --------------------------------------------------------


class PacketError(DdeflowError):
    """A frame from the feed is not a valid packet.

    ``reason`` is a short machine-friendly code (``malformed_json``,
    ``missing_field``, ``wrong_type``, ``bad_value``, ``too_large``,
    ``not_a_packet``); ``field`` is a dotted path such as
    ``fixtureAction.fixtureSeqNum`` when one field is to blame; ``detail`` says
    what was wrong with it.  The raw bytes are kept so that the frame can go to
    the dead-letter topic unchanged.
    """

    def __init__(self, reason: str, detail: str, *, field: str | None = None, raw: bytes = b"") -> None:
        where = f" at {field}" if field else ""
        super().__init__(f"{reason}{where}: {detail}")
        self.reason = reason
        self.field = field
        self.detail = detail
        self.raw = raw
