"""Small generated data sets shared by the generator tests (cached: each is built once per session)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from ddeflow.simulator.generator.match import GeneratedMatch, generate_match

SPORTS = ("basketball", "soccer", "volleyball", "snooker")


@cache
def match(sport: str, seed: int, index: int) -> GeneratedMatch:
    return generate_match(sport, seed, index)


def matches(sport: str, seed: int, count: int) -> tuple[GeneratedMatch, ...]:
    return tuple(match(sport, seed, index) for index in range(count))


@cache
def packets(sport: str, seed: int, index: int) -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(line) for line in match(sport, seed, index).actions)


@cache
def snapshots(seed: int, index: int) -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(line) for line in match("snooker", seed, index).statistics)


def action(packet: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = packet["fixtureAction"]
    return result


def versions_by_action(all_packets: tuple[dict[str, Any], ...]) -> dict[str, list[dict[str, Any]]]:
    """Every version of every action, in send order, keyed by actionId."""
    out: dict[str, list[dict[str, Any]]] = {}
    for packet in all_packets:
        out.setdefault(packet["fixtureAction"]["actionId"], []).append(packet["fixtureAction"])
    return out
