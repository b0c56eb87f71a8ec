"""Timestamp text in the feed's formats, from integer microseconds since the Unix epoch.

The feed writes several shapes of UTC time, all reproduced here:

- action packets: ``2026-05-06T19:05:08.376151Z`` (six fractional digits),
- period start/end in ``fixtureSummary.periods``: ``2026-05-06T17:02:12`` (whole seconds, no zone),
- statistics packet ``timestamp``: ``2023-02-27T11:33:13.001313400Z`` (nine digits, .NET ticks),
- statistics breaks and shot times: ``2023-02-27T11:33:03.74131Z`` (trailing zeros dropped),
- durations: ``00:02:09.1768380`` (``hh:mm:ss.fffffff``).

Integer arithmetic with a per-day cache keeps this cheap; it is on the hot path of generation.
"""

from __future__ import annotations

import datetime as _dt

_US_PER_S = 1_000_000
_US_PER_DAY = 86_400 * _US_PER_S
_EPOCH = _dt.date(1970, 1, 1)
_day_cache: dict[int, str] = {}


def _day(day_index: int) -> str:
    text = _day_cache.get(day_index)
    if text is None:
        text = (_EPOCH + _dt.timedelta(days=day_index)).isoformat()
        _day_cache[day_index] = text
    return text


def _split(us: int) -> tuple[str, int, int, int, int]:
    day_index, in_day = divmod(us, _US_PER_DAY)
    seconds, micros = divmod(in_day, _US_PER_S)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return _day(day_index), hours, minutes, secs, micros


def iso_micro(us: int) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ``: the action packet timestamp."""
    day, h, m, s, micros = _split(us)
    return f"{day}T{h:02d}:{m:02d}:{s:02d}.{micros:06d}Z"


def iso_seconds(us: int) -> str:
    """``YYYY-MM-DDTHH:MM:SS``: period start/end and fixture start dates."""
    day, h, m, s, _ = _split(us)
    return f"{day}T{h:02d}:{m:02d}:{s:02d}"


def iso_ticks(us: int) -> str:
    """``YYYY-MM-DDTHH:MM:SS.fffffff00Z``: the statistics packet timestamp."""
    day, h, m, s, micros = _split(us)
    return f"{day}T{h:02d}:{m:02d}:{s:02d}.{micros:06d}000Z"


def iso_trimmed(us: int) -> str:
    """Like :func:`iso_micro` with trailing fractional zeros removed (statistics breaks, shots)."""
    day, h, m, s, micros = _split(us)
    if micros == 0:
        return f"{day}T{h:02d}:{m:02d}:{s:02d}Z"
    frac = f"{micros:06d}".rstrip("0")
    return f"{day}T{h:02d}:{m:02d}:{s:02d}.{frac}Z"


def duration_ticks(us: int) -> str:
    """``hh:mm:ss.fffffff`` for a non-negative duration in microseconds."""
    seconds, micros = divmod(us, _US_PER_S)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{micros:06d}0"


def micros_from_datetime(value: _dt.datetime) -> int:
    """Microseconds since the epoch for an aware or naive-UTC datetime."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.UTC)
    delta = value - _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * _US_PER_S + delta.microseconds


def clock_mmss(seconds: int) -> str:
    """Game clock text ``MM:SS`` (minutes may exceed 99 in long soccer matches)."""
    minutes, secs = divmod(max(seconds, 0), 60)
    return f"{minutes:02d}:{secs:02d}"
