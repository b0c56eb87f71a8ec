"""Writes generated fixtures to disk: the only module of the generator that does file I/O.

Layout under ``out_dir``::

    <sport>/<fixtureId>/fixture.json      REST fixture object (GET /{sport}/fixtures/{id})
    <sport>/<fixtureId>/actions.jsonl     one action packet per line, in fixtureSeqNum order
    <sport>/<fixtureId>/statistics.jsonl  snooker only: one cumulative statistics snapshot per line
    <sport>/<fixtureId>/truth.json        ground truth for tests (not served)
    manifest.json                         {generatorVersion, seed, sports, fixtures[], totals}

Output is byte-identical for the same ``(sports, fixtures, seed)`` whatever ``workers`` is:
each fixture is a pure function of ``(seed, sport, index)`` and the manifest lists fixtures
in sport then index order.  Files of an earlier run with more fixtures are left in place;
the manifest is the index of the current run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ddeflow.simulator.generator.match import GENERATOR_VERSION, SPORTS, GeneratedMatch, generate_match
from ddeflow.simulator.generator.timefmt import iso_seconds


@dataclass(frozen=True, slots=True)
class FixtureEntry:
    id: str
    sport: str
    index: int
    start_date_utc: str
    packets: int
    statistics: int

    def manifest_row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sport": self.sport,
            "index": self.index,
            "startDateUTC": self.start_date_utc,
            "packets": self.packets,
            "statistics": self.statistics,
        }


@dataclass(frozen=True, slots=True)
class SportSummary:
    sport: str
    fixtures: int
    packets: int
    statistics: int
    seconds: float

    @property
    def packets_per_s(self) -> float:
        return self.packets / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True, slots=True)
class GenerationReport:
    out_dir: Path
    manifest_path: Path
    sports: tuple[SportSummary, ...]

    @property
    def packets(self) -> int:
        return sum(s.packets for s in self.sports)


def resolve_sports(sport: str | Iterable[str]) -> tuple[str, ...]:
    """``"all"``, one sport or several, as an ordered tuple without duplicates."""
    requested = [sport] if isinstance(sport, str) else list(sport)
    if "all" in requested:
        return SPORTS
    unknown = sorted(set(requested) - set(SPORTS))
    if unknown or not requested:
        raise ValueError(f"unknown sport(s) {unknown or requested}; expected {', '.join(SPORTS)} or all")
    return tuple(s for s in SPORTS if s in requested)


def write_match(match: GeneratedMatch, out_dir: Path) -> FixtureEntry:
    """Write one fixture's files; returns its manifest entry."""
    fixture_dir = out_dir / match.sport / match.fixture_id
    fixture_dir.mkdir(parents=True, exist_ok=True)
    (fixture_dir / "fixture.json").write_text(json.dumps(match.fixture, indent=2) + "\n", encoding="utf-8")
    (fixture_dir / "actions.jsonl").write_text("\n".join(match.actions) + "\n", encoding="utf-8")
    if match.statistics:
        (fixture_dir / "statistics.jsonl").write_text("\n".join(match.statistics) + "\n", encoding="utf-8")
    (fixture_dir / "truth.json").write_text(json.dumps(match.truth, separators=(",", ":")) + "\n", encoding="utf-8")
    return FixtureEntry(
        match.fixture_id,
        match.sport,
        match.header.index,
        iso_seconds(match.header.start_us),
        len(match.actions),
        len(match.statistics),
    )


def _generate_and_write(task: tuple[str, int, int, str, bool]) -> FixtureEntry:
    sport, seed, index, out_dir, statistics = task
    return write_match(generate_match(sport, seed, index, statistics=statistics), Path(out_dir))


def generate(
    sport: str | Sequence[str],
    fixtures: int,
    seed: int,
    out_dir: str | Path,
    *,
    workers: int = 1,
    statistics: bool = True,
    on_sport_done: Callable[[SportSummary], None] | None = None,
    on_fixture_done: Callable[[str], None] | None = None,
) -> GenerationReport:
    """Generate ``fixtures`` fixtures of each requested sport into ``out_dir``.

    ``statistics=False`` writes no snooker ``statistics.jsonl`` (about 15 MB per fixture);
    everything else is byte-identical to a run with statistics.  ``on_fixture_done(sport)`` is called as each
    fixture is written, ``on_sport_done`` after each sport.
    """
    if fixtures < 0:
        raise ValueError("fixtures must be >= 0")
    sports = resolve_sports(sport)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    entries: list[FixtureEntry] = []
    summaries: list[SportSummary] = []
    pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 else None
    try:
        for name in sports:
            started = time.perf_counter()
            tasks = [(name, seed, index, str(out), statistics) for index in range(fixtures)]
            done = (
                pool.map(_generate_and_write, tasks, chunksize=4)
                if pool is not None
                else map(_generate_and_write, tasks)
            )
            sport_entries = []
            for entry in done:
                sport_entries.append(entry)
                if on_fixture_done is not None:
                    on_fixture_done(name)
            summary = SportSummary(
                sport=name,
                fixtures=len(sport_entries),
                packets=sum(e.packets for e in sport_entries),
                statistics=sum(e.statistics for e in sport_entries),
                seconds=time.perf_counter() - started,
            )
            entries.extend(sport_entries)
            summaries.append(summary)
            if on_sport_done is not None:
                on_sport_done(summary)
    finally:
        if pool is not None:
            pool.shutdown()
    manifest = {
        "generatorVersion": GENERATOR_VERSION,
        "seed": seed,
        "sports": list(sports),
        "fixtures": [e.manifest_row() for e in entries],
        "totals": {
            "fixtures": len(entries),
            "packets": sum(e.packets for e in entries),
            "statistics": sum(e.statistics for e in entries),
            "bySport": {
                s.sport: {"fixtures": s.fixtures, "packets": s.packets, "statistics": s.statistics} for s in summaries
            },
        },
    }
    manifest_path = out / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return GenerationReport(out, manifest_path, tuple(summaries))
