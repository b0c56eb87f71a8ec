"""An independent microsecond conversion for expected values (not the one under test)."""

from __future__ import annotations

from datetime import datetime


def micros(moment: datetime | None) -> int:
    assert moment is not None
    return round(moment.timestamp() * 1_000_000)
