"""Progress of long work for people: a ``rich`` bar with rate and ETA on a terminal, a plain line every few seconds
otherwise (logs, CI, pipes), on stderr so that stdout keeps the command's results.

``plain_line`` (pure) is the line; ``ProgressDisplay`` picks the form and paces it.  Used by ``generate``,
``ingest file``, ``ingest rest`` and ``replay``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

PLAIN_EVERY_S = 5.0


def plain_line(label: str, done: int, total: int | None, unit: str, elapsed_s: float, detail: str = "") -> str:
    """``label: done/total unit (pct), rate/s, ETA``; without a total, no percentage nor ETA."""
    rate = done / elapsed_s if elapsed_s > 0 else 0.0
    text = f"{label}: {done:,}"
    if total:
        text += f"/{total:,} {unit} ({100 * done / total:.0f} %)"
    else:
        text += f" {unit}"
    text += f", {rate:,.0f} {unit}/s"
    if total and rate > 0 and done < total:
        text += f", about {(total - done) / rate:.0f} s left"
    return text + (f"; {detail}" if detail else "")


class ProgressDisplay:
    def __init__(
        self,
        label: str,
        unit: str,
        *,
        total: int | None = None,
        out: TextIO | None = None,
        every_s: float = PLAIN_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._label = label
        self._unit = unit
        self._total = total
        self._out = out if out is not None else sys.stderr
        self._every_s = every_s
        self._clock = clock
        self._started = clock()
        self._last_line = self._started
        self._done = 0
        self._detail = ""
        self._closed = False
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        if self._out.isatty():
            self._bar = Progress(
                TextColumn(label),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]} " + unit + "/s {task.fields[detail]}"),
                TimeRemainingColumn(),
                console=Console(file=self._out),
            )
            self._task = self._bar.add_task(label, total=total, rate="0", detail="")
            self._bar.start()

    def __enter__(self) -> ProgressDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, done: int, total: int | None = None, detail: str = "") -> None:
        self._done = done
        self._detail = detail
        if total is not None:
            self._total = total
        now = self._clock()
        if self._bar is not None and self._task is not None:
            rate = done / (now - self._started) if now > self._started else 0.0
            self._bar.update(self._task, completed=done, total=self._total, rate=f"{rate:,.0f}", detail=detail)
        elif now - self._last_line >= self._every_s and not self._closed:
            self._last_line = now
            self._write()

    def advance(self, count: int = 1, detail: str = "") -> None:
        self.update(self._done + count, detail=detail)

    def close(self) -> None:
        """Stop the bar, or write the last line: the totals, always."""
        if self._closed:
            return
        self._closed = True
        if self._bar is not None:
            self._bar.stop()
        else:
            self._write()

    def _write(self) -> None:
        line = plain_line(self._label, self._done, self._total, self._unit, self._clock() - self._started, self._detail)
        self._out.write(line + "\n")
        self._out.flush()
