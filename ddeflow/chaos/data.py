"""The matches a chaos suite streams: generated once per suite, all four sports, snooker with its statistics."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from ddeflow.chaos.pipeline import Feed
from ddeflow.dde.sports import Sport
from ddeflow.simulator.generator import generate


def match_seconds(actions: Path) -> float:
    """Feed time from a match's first action packet to its last."""
    times: list[datetime] = []
    for line in actions.read_bytes().splitlines():
        if line.strip():
            stamp = json.loads(line).get("fixtureAction", {}).get("timestamp")
            if isinstance(stamp, str):
                times.append(datetime.fromisoformat(stamp))
    return (max(times) - min(times)).total_seconds() if times else 0.0


def make_feed(out: Path, *, per_sport: int, seed: int, time_scale: float) -> Feed:
    generate("all", per_sport, seed, out, statistics=True)
    lengths = [match_seconds(path) for path in out.glob("*/*/actions.jsonl")]
    return Feed(out, time_scale, live_s=max(lengths) * time_scale, shortest_s=min(lengths) * time_scale)


def busiest_fixture(data_dir: Path) -> tuple[Sport, str]:
    """The sport and id of the match with the most action packets."""
    counts = {
        (Sport(path.parent.parent.name), path.parent.name): len(path.read_bytes().splitlines())
        for path in data_dir.glob("*/*/actions.jsonl")
    }
    return max(counts, key=lambda item: counts[item])
