"""Progress for people: a bar on a terminal, paced plain lines elsewhere.  No I/O but a string buffer."""

from __future__ import annotations

import io

from ddeflow.progress_display import ProgressDisplay, plain_line


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_plain_line_has_the_count_the_share_the_rate_and_the_time_left() -> None:
    line = plain_line("ingest file", 2_500, 10_000, "packets", 5.0, "soccer")
    assert line == "ingest file: 2,500/10,000 packets (25 %), 500 packets/s, about 15 s left; soccer"
    assert plain_line("generate", 7, None, "fixtures", 2.0) == "generate: 7 fixtures, 4 fixtures/s"
    assert "left" not in plain_line("replay", 10, 10, "offsets", 1.0)


def test_off_a_terminal_lines_come_every_few_seconds_and_once_at_the_end() -> None:
    out, clock = io.StringIO(), _Clock()
    display = ProgressDisplay("ingest file", "packets", out=out, every_s=5.0, clock=clock)
    for step in range(1, 13):
        clock.now += 1.0
        display.update(step * 100, 1_200)
    display.close()
    display.close()
    lines = out.getvalue().splitlines()
    assert lines == [
        "ingest file: 500/1,200 packets (42 %), 100 packets/s, about 7 s left",
        "ingest file: 1,000/1,200 packets (83 %), 100 packets/s, about 2 s left",
        "ingest file: 1,200/1,200 packets (100 %), 100 packets/s",
    ]


def test_on_a_terminal_it_is_a_bar_with_the_rate_and_no_plain_lines() -> None:
    out, clock = _Terminal(), _Clock()
    with ProgressDisplay("generate", "fixtures", total=40, out=out, clock=clock) as display:
        clock.now += 2.0
        display.advance(10, detail="soccer")
    text = out.getvalue()
    assert "generate" in text and "10/40" in text and "5 fixtures/s" in text and "soccer" in text
    assert "about" not in text  # not the plain line
