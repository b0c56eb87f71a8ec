"""The sendType lifecycle of one action: which status a version leads to, and whether the step was allowed.

Documented transitions (``None`` is an action never seen before)::

    None      -> Pending | Confirmed
    Pending   -> Confirmed | Cancelled
    Confirmed -> Updated | Deleted
    Updated   -> Updated | Deleted
    Deleted   -> Updated                (restored; sendType 6 Restored counts as this too)

The new status depends only on the version's sendType (Restored becomes
Updated; an unknown sendType becomes Unknown), never on the path taken, so the
state after the latest applied version is the same whatever arrived before it.
Anything else the feed does is applied all the same and reported as an
``Anomaly`` whose detail names the step, e.g. ``Updated before any Pending or
Confirmed`` (the REST sample's Team Colours), ``Pending after Confirmed``,
``Confirmed after Cancelled``, ``unknown sendTypeId 9``.  Nothing here raises.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from ddeflow.dde.actions import FixtureAction
from ddeflow.dde.enums import SendType
from ddeflow.processors.core.verdict import Anomaly, AnomalyKind


class ActionStatus(StrEnum):
    """An action's lifecycle state; the values are the Avro ``ActionStatus`` symbols."""

    PENDING = "Pending"
    CONFIRMED = "Confirmed"
    UPDATED = "Updated"
    CANCELLED = "Cancelled"
    DELETED = "Deleted"
    UNKNOWN = "Unknown"
    """The latest version had a sendType we do not know."""


_STATUS_BY_SEND_TYPE: Final = {
    SendType.PENDING: ActionStatus.PENDING,
    SendType.CONFIRMED: ActionStatus.CONFIRMED,
    SendType.UPDATED: ActionStatus.UPDATED,
    SendType.RESTORED: ActionStatus.UPDATED,
    SendType.CANCELLED: ActionStatus.CANCELLED,
    SendType.DELETED: ActionStatus.DELETED,
    SendType.UNKNOWN: ActionStatus.UNKNOWN,
}

_ALLOWED: Final = frozenset(
    {
        (None, SendType.PENDING),
        (None, SendType.CONFIRMED),
        (ActionStatus.PENDING, SendType.CONFIRMED),
        (ActionStatus.PENDING, SendType.CANCELLED),
        (ActionStatus.CONFIRMED, SendType.UPDATED),
        (ActionStatus.CONFIRMED, SendType.DELETED),
        (ActionStatus.UPDATED, SendType.UPDATED),
        (ActionStatus.UPDATED, SendType.DELETED),
        (ActionStatus.DELETED, SendType.UPDATED),
        (ActionStatus.DELETED, SendType.RESTORED),
    }
)

_SETTLED: Final = frozenset({ActionStatus.CONFIRMED, ActionStatus.UPDATED, ActionStatus.DELETED})


def send_type_label(action: FixtureAction) -> str:
    """The sendType as a consumer reads it: ``Confirmed``..., or ``Unknown(<id>)`` for an unknown one.

    Without a sendTypeId, an unknown sendType shows its name: ``Unknown(<name>)``.
    """
    if action.send_type is not SendType.UNKNOWN:
        return action.send_type.wire_name
    raw = action.send_type_id if action.send_type_id is not None else action.send_type_name
    return f"Unknown({raw})"


def send_type_id(action: FixtureAction) -> int:
    """sendTypeId as sent; without one, the id of the sendType name (0 when that is unknown too)."""
    return action.send_type_id if action.send_type_id is not None else int(action.send_type)


def transition(previous: ActionStatus | None, action: FixtureAction) -> tuple[ActionStatus, Anomaly | None]:
    """The status after applying ``action`` to an action in state ``previous``, and the anomaly if off-rule."""
    send_type = action.send_type
    status = _STATUS_BY_SEND_TYPE[send_type]
    if (previous, send_type) in _ALLOWED:
        return status, None
    label = send_type_label(action)
    if send_type is SendType.UNKNOWN:
        if action.send_type_id is not None:
            detail = f"unknown sendTypeId {action.send_type_id}"
        else:
            detail = f"unknown sendType {action.send_type_name!r}"
        return status, Anomaly(kind=AnomalyKind.UNKNOWN_SEND_TYPE, detail=detail)
    if previous is None:
        return status, Anomaly(kind=AnomalyKind.NO_PRIOR_VERSION, detail=f"{label} before any Pending or Confirmed")
    if previous is ActionStatus.CANCELLED:
        return status, Anomaly(kind=AnomalyKind.AFTER_CANCELLED, detail=f"{label} after Cancelled")
    if send_type is SendType.PENDING and previous in _SETTLED:
        return status, Anomaly(kind=AnomalyKind.BACK_TO_PENDING, detail=f"Pending after {previous.value}")
    return status, Anomaly(kind=AnomalyKind.UNEXPECTED_TRANSITION, detail=f"{label} after {previous.value}")
