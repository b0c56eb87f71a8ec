"""The feed's enumerations, each with an explicit ``UNKNOWN`` member.

The feed adds values without notice (``LineUps`` appears in real data but not in
the docs), so looking a value up never raises: an unrecognised value becomes
``UNKNOWN`` and the models keep the text as sent in a ``*_raw`` field next to
the enum, so nothing is lost downstream.  String values match exactly first and
then case-insensitively.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Self, cast


class _WireStrEnum(StrEnum):
    """A StrEnum whose values are the feed's spelling; subclasses define ``UNKNOWN``."""

    @classmethod
    def from_raw(cls, raw: str | None) -> Self:
        """The member for ``raw``; ``UNKNOWN`` when ``raw`` is None or not recognised."""
        if raw is not None:
            member = cls._value2member_map_.get(raw)  # faster than cls(raw) on the hot path
            if member is not None:
                return cast(Self, member)
            folded = raw.casefold()
            for candidate in cls:
                if candidate.value.casefold() == folded:
                    return candidate
        return cls["UNKNOWN"]


class SendType(IntEnum):
    """``sendTypeId``: where one version of an action stands in its lifecycle."""

    UNKNOWN = 0
    PENDING = 1
    """A possible action, not yet confirmed."""
    UPDATED = 2
    """A change to a confirmed action, possibly to its type."""
    CANCELLED = 3
    """Voids a pending action."""
    DELETED = 4
    """Removes a confirmed action."""
    CONFIRMED = 5
    """Final."""
    RESTORED = 6
    """Documented but may never be sent: a restored action comes back as UPDATED."""

    @property
    def wire_name(self) -> str:
        """The feed's ``sendType`` text for this member, e.g. ``Confirmed``."""
        return self.name.capitalize()

    @classmethod
    def from_wire(cls, send_type_id: int | None, send_type: str | None) -> SendType:
        """The member for a packet's ``sendTypeId`` and ``sendType``.

        The id wins when present (an unknown id gives ``UNKNOWN``, whatever the
        name says); the name is only used when the id is absent.
        """
        if send_type_id is not None:
            try:
                return cls(send_type_id)
            except ValueError:
                return cls.UNKNOWN
        if send_type is not None:
            member = cls.__members__.get(send_type.upper())
            if member is not None:
                return member
        return cls.UNKNOWN


class FixtureStatus(_WireStrEnum):
    """``currentStatus`` in a fixture summary, ``status`` in the fixtures API."""

    SCHEDULED = "Scheduled"
    LINEUPS = "LineUps"
    LIVE = "Live"
    COMPLETED = "Completed"
    POSTPONED = "Postponed"
    ABANDONED = "Abandoned"
    CANCELLED = "Cancelled"
    SUSPENDED = "Suspended"
    UNVERIFIED = "Unverified"
    UNKNOWN = "Unknown"


class CollectionStatus(_WireStrEnum):
    """``collectionStatus``: where the data collection for a fixture stands."""

    COLLECTION_SCHEDULED = "CollectionScheduled"
    COLLECTING_LIVE = "CollectingLive"
    COLLECTING_POST_MATCH = "CollectingPostMatch"
    COLLECTION_SUSPENDED = "CollectionSuspended"
    COLLECTION_DROPPED = "CollectionDropped"
    COLLECTION_COMPLETED = "CollectionCompleted"
    POST_MATCH_CHECKED = "PostMatchChecked"
    UNKNOWN = "Unknown"


class PeriodType(_WireStrEnum):
    """A period's ``type``.

    ``Regular`` and ``Shootout`` are confirmed in samples; ``Overtime`` and
    ``ExtraTime`` are the likely names for basketball's and soccer's extra periods.
    """

    REGULAR = "Regular"
    OVERTIME = "Overtime"
    EXTRA_TIME = "ExtraTime"
    SHOOTOUT = "Shootout"
    UNKNOWN = "Unknown"


class ClockState(_WireStrEnum):
    """``currentClockState`` in a fixture summary."""

    RUNNING = "running"
    STOPPED = "stopped"
    UNKNOWN = "unknown"


class FixtureType(_WireStrEnum):
    """A fixture's ``type`` in the fixtures API."""

    OFFICIAL = "Official"
    SIMULATION = "Simulation"
    TRAINING = "Training"
    UNKNOWN = "Unknown"
