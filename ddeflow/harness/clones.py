"""Many fixtures from a few generated matches: a match copied under a new fixture id, for load that needs more
matches than is worth generating."""

from __future__ import annotations

from pathlib import Path

from ddeflow.dde.sports import Sport
from ddeflow.harness.plan import jsonl_lines


def clone_id(number: int) -> str:
    """A fixture id (UUID-shaped) of its own for clone ``number``."""
    return f"{number:08x}-be4c-4000-8000-{number:012x}"


def clone_fixture(source: Path, out: Path, sport: Sport, number: int, keep: int | None = None) -> tuple[str, Path]:
    """Copy the generated match in ``source`` (``fixture.json`` and ``actions.jsonl``) to ``out/<sport>/<new id>``,
    its id replaced everywhere; ``keep`` thins the actions to about that many packets, first and last kept."""
    new_id = clone_id(number)
    target = out / sport.value / new_id
    target.mkdir(parents=True)
    fixture = (source / "fixture.json").read_bytes().replace(source.name.encode(), new_id.encode())
    (target / "fixture.json").write_bytes(fixture)
    lines = jsonl_lines(source / "actions.jsonl")
    if keep is not None and len(lines) > keep:
        step = len(lines) / (keep - 1)
        picked = sorted({int(k * step) for k in range(keep - 1)} | {len(lines) - 1})
        lines = tuple(lines[k] for k in picked)
    body = b"\n".join(lines).replace(source.name.encode(), new_id.encode()) + b"\n"
    (target / "actions.jsonl").write_bytes(body)
    return new_id, target
