"""Fixture events: transitions between the previously applied summary and the newly applied one.

Only applied (newer) summaries produce events, so a stale packet never replays
an old status or period.

- ``StatusChanged``: currentStatus (as sent) differs from the last stated one;
  the first stated value is a change from null.  An absent status is "not
  stated" and changes nothing.
- ``CollectionStatusChanged``: the same for collectionStatus.
- ``PeriodStarted``: a period appears with a start, or an existing one gets a start.
- ``PeriodEnded``: a period's end becomes non-null (also for a period that
  appears already ended, e.g. when a late summary covers a whole match).
- ``Finished``: the first applied packet with finished=true; never again.

Order within one packet, fixed so that replays are byte-identical and so that
it reads as the match went:

1. ``PeriodEnded`` of periods that had started before this packet, by ascending id;
2. ``StatusChanged``;
3. ``CollectionStatusChanged``;
4. for each period starting in this packet, by ascending id: ``PeriodStarted``,
   then its ``PeriodEnded`` if it is already over;
5. ``Finished``.

Period events carry the period's label in ``current``, its type as sent, and
its start or end time in ``at``; the others carry the action's timestamp.
"""

from __future__ import annotations

from ddeflow.dde.actions import ActionPacket, Period
from ddeflow.dde.sports import Sport
from ddeflow.processors.core._codec import micros, opt_micros
from ddeflow.processors.core.records import FixtureEvent, FixtureEventType
from ddeflow.processors.core.states import FixtureState
from ddeflow.processors.core.summary import periods_by_id


def derive_fixture_events(
    old: FixtureState | None,
    new: FixtureState,
    packet: ActionPacket,
    sport: Sport,
    received_at_us: int | None,
) -> tuple[FixtureEvent, ...]:
    """The events from ``old`` (None: nothing applied yet) to ``new``, caused by ``packet``."""
    action = packet.fixture_action
    action_at_us = micros(action.timestamp)

    def event(
        event_type: FixtureEventType,
        at_us: int | None,
        *,
        previous: str | None = None,
        current: str | None = None,
        period: int | None = None,
        period_type: str | None = None,
    ) -> FixtureEvent:
        return FixtureEvent(
            fixture_id=packet.fixture_id,
            sport=sport,
            event_type=event_type,
            previous=previous,
            current=current,
            period=period,
            period_type=period_type,
            at_us=at_us,
            cause_action_id=action.action_id,
            fixture_seq_num=action.fixture_seq_num,
            received_at_us=received_at_us,
        )

    def period_event(event_type: FixtureEventType, period: Period, at_us: int | None) -> FixtureEvent:
        return event(event_type, at_us, current=period.label, period=period.id, period_type=period.type_raw)

    ended_earlier: list[FixtureEvent] = []
    starting: list[FixtureEvent] = []
    for period_id, period in periods_by_id(packet.fixture_summary).items():
        before = old.period(period_id) if old is not None else None
        was_started = before is not None and before.started
        was_ended = before is not None and before.ended
        ends_now = period.end is not None and not was_ended
        if period.start is not None and not was_started:
            starting.append(period_event(FixtureEventType.PERIOD_STARTED, period, opt_micros(period.start)))
            if ends_now:
                starting.append(period_event(FixtureEventType.PERIOD_ENDED, period, opt_micros(period.end)))
        elif ends_now:
            ended_earlier.append(period_event(FixtureEventType.PERIOD_ENDED, period, opt_micros(period.end)))

    events = ended_earlier
    old_status = old.status if old is not None else None
    if new.status != old_status:
        events.append(event(FixtureEventType.STATUS_CHANGED, action_at_us, previous=old_status, current=new.status))
    old_collection = old.collection_status if old is not None else None
    if new.collection_status != old_collection:
        events.append(
            event(
                FixtureEventType.COLLECTION_STATUS_CHANGED,
                action_at_us,
                previous=old_collection,
                current=new.collection_status,
            )
        )
    events.extend(starting)
    if new.finished and not (old is not None and old.finished):
        events.append(event(FixtureEventType.FINISHED, action_at_us))
    return tuple(events)
