"""Faults on demand: what can be injected, where, and the per-connection decisions.  Pure.

A ``FaultSpec`` is a partial setting (every field optional); the ``FaultBook``
holds one global spec and one per fixture, and a fixture's effective ``Faults``
take each field from the fixture's spec, else from the global one, else off.

Fields (the same names in ``--fault`` and in ``POST /_sim/faults`` queries):

=========================  ======  ==========================================================
drop_after_packets         int>=1  close the TCP connection (no close frame: the client sees
                                   1006) after this many data frames on one connection; a
                                   reconnecting client drops again after another N
drop_probability           0..1    before each data frame, drop the connection with this chance
duplicate_probability      0..1    after each data frame, re-send one of the last
                                   ``duplicate_window`` frames with this chance
duplicate_window           int>=1  how far back a duplicate may reach (default 1: the same frame)
duplicate_copies           int>=1  how many times a chosen duplicate is re-sent (default 1)
reorder_window             int>=2  shuffle each run of this many frames that are due together
                                   (never left in order); 0 or 1 is off
malformed_probability      0..1    send a data frame truncated (invalid JSON) instead of intact
malformed_at               int>=0  always send the event with this index truncated
silence_s                  >=0     once per connection, send nothing at all (no heartbeats,
                                   no data) for this long ...
silence_after_packets      int>=0  ... after this many data frames (default 0: right after auth;
                                   a duplicate sent just before may add one)
rest_error_probability     0..1    answer a REST request with 503 with this chance
=========================  ======  ==========================================================

"Data frames" count everything but heartbeats: duplicates and malformed frames
included.  Duplicates are extra frames, not events: ``startPosition`` indexes
the fixture's events, so a client that counts duplicates as events skips
events when it resumes.  A malformed frame replaces its event.

Decisions draw from a ``random.Random`` given by the caller, in a fixed order per
frame (drop, malformed, duplicate; a draw is made only for a probability above
0), so a seeded simulator repeats itself.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class FaultKind(StrEnum):
    DROP = "drop"
    DUPLICATE = "duplicate"
    REORDER = "reorder"
    MALFORMED = "malformed"
    SILENCE = "silence"
    REST_ERROR = "rest_error"


class FaultSpecError(ValueError):
    """A fault field or value that the simulator does not understand."""


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """A partial fault setting: None means "not set here"."""

    drop_after_packets: int | None = None
    drop_probability: float | None = None
    duplicate_probability: float | None = None
    duplicate_window: int | None = None
    duplicate_copies: int | None = None
    reorder_window: int | None = None
    malformed_probability: float | None = None
    malformed_at: int | None = None
    silence_s: float | None = None
    silence_after_packets: int | None = None
    rest_error_probability: float | None = None

    def over(self, base: FaultSpec) -> FaultSpec:
        """This spec's fields, falling back to ``base`` for those not set."""
        return FaultSpec(
            **{
                field.name: (mine if (mine := getattr(self, field.name)) is not None else getattr(base, field.name))
                for field in dataclasses.fields(self)
            }
        )

    def with_changes(self, changes: Mapping[str, object]) -> FaultSpec:
        """A copy with ``changes`` applied (a None value unsets the field)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def to_json(self) -> dict[str, Any]:
        return {
            field.name: value for field in dataclasses.fields(self) if (value := getattr(self, field.name)) is not None
        }

    @property
    def is_empty(self) -> bool:
        return not self.to_json()


@dataclass(frozen=True, slots=True)
class Faults:
    """The faults in force for one fixture, every field resolved (0 or -1 is off)."""

    drop_after_packets: int = 0
    drop_probability: float = 0.0
    duplicate_probability: float = 0.0
    duplicate_window: int = 1
    duplicate_copies: int = 1
    reorder_window: int = 0
    malformed_probability: float = 0.0
    malformed_at: int = -1
    silence_s: float = 0.0
    silence_after_packets: int = 0
    rest_error_probability: float = 0.0

    @classmethod
    def resolve(cls, spec: FaultSpec) -> Faults:
        return cls(**spec.to_json())


def _int_at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if value < low:
            raise ValueError(f"must be an integer >= {low}")
        return value

    return parse


def _probability(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError("must be a probability between 0 and 1")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value >= 0.0:  # also refuses NaN
        raise ValueError("must be a number of seconds >= 0")
    return value


_PARSERS: dict[str, Callable[[str], object]] = {
    "drop_after_packets": _int_at_least(1),
    "drop_probability": _probability,
    "duplicate_probability": _probability,
    "duplicate_window": _int_at_least(1),
    "duplicate_copies": _int_at_least(1),
    "reorder_window": _int_at_least(0),
    "malformed_probability": _probability,
    "malformed_at": _int_at_least(0),
    "silence_s": _seconds,
    "silence_after_packets": _int_at_least(0),
    "rest_error_probability": _probability,
}
FAULT_FIELDS = tuple(_PARSERS)
_CLEAR_WORDS = frozenset({"", "none", "off", "null"})


def parse_fault_fields(items: Iterable[tuple[str, str]]) -> dict[str, object]:
    """Field changes from ``name=value`` pairs; "none", "off" or "" unsets a field."""
    changes: dict[str, object] = {}
    for name, text in items:
        parser = _PARSERS.get(name)
        if parser is None:
            raise FaultSpecError(f"unknown fault field {name!r}; known: {', '.join(FAULT_FIELDS)}")
        if text.strip().lower() in _CLEAR_WORDS:
            changes[name] = None
            continue
        try:
            changes[name] = parser(text.strip())
        except ValueError as exc:
            raise FaultSpecError(f"fault field {name}={text!r}: {exc}") from None
    return changes


def parse_fault_option(text: str) -> tuple[str | None, dict[str, object]]:
    """A ``--fault`` value: ``[FIXTURE_ID:]name=value[,name=value...]`` (no fixture: global)."""
    scope: str | None = None
    body = text
    head, sep, tail = text.partition(":")
    if sep and "=" not in head:
        scope, body = head.strip() or None, tail
    pairs: list[tuple[str, str]] = []
    for item in body.split(","):
        if not item.strip():
            continue
        name, eq, value = item.partition("=")
        if not eq:
            raise FaultSpecError(f"fault setting {item.strip()!r} is not name=value")
        pairs.append((name.strip(), value))
    if not pairs:
        raise FaultSpecError(f"fault option {text!r} sets nothing")
    return scope, parse_fault_fields(pairs)


class FaultBook:
    """The global fault spec and the per-fixture ones, changeable at runtime."""

    def __init__(self) -> None:
        self._global = FaultSpec()
        self._fixtures: dict[str, FaultSpec] = {}
        self._resolved: dict[str, Faults] = {}

    def update(self, fixture_id: str | None, changes: Mapping[str, object]) -> FaultSpec:
        """Apply field changes to one fixture's spec (None: the global spec); returns the new spec."""
        self._resolved.clear()
        if fixture_id is None:
            self._global = self._global.with_changes(changes)
            return self._global
        spec = self._fixtures.get(fixture_id, FaultSpec()).with_changes(changes)
        if spec.is_empty:
            self._fixtures.pop(fixture_id, None)
        else:
            self._fixtures[fixture_id] = spec
        return spec

    def clear(self, fixture_id: str | None) -> None:
        self._resolved.clear()
        if fixture_id is None:
            self._global = FaultSpec()
        else:
            self._fixtures.pop(fixture_id, None)

    def clear_all(self) -> None:
        self._resolved.clear()
        self._global = FaultSpec()
        self._fixtures.clear()

    def effective(self, fixture_id: str | None) -> Faults:
        key = fixture_id or ""
        faults = self._resolved.get(key)
        if faults is None:
            spec = self._global
            if fixture_id is not None and fixture_id in self._fixtures:
                spec = self._fixtures[fixture_id].over(spec)
            faults = self._resolved[key] = Faults.resolve(spec)
        return faults

    def snapshot(self) -> dict[str, Any]:
        return {
            "global": self._global.to_json(),
            "fixtures": {fixture_id: spec.to_json() for fixture_id, spec in sorted(self._fixtures.items())},
        }


def truncate_frame(data: bytes) -> bytes:
    """The first half of a frame's text: still UTF-8, no longer a JSON object."""
    text = data.decode("utf-8", errors="replace").rstrip()
    return text[: max(1, len(text) // 2)].encode("utf-8")


def shuffled(count: int, rng: random.Random) -> list[int]:
    """A permutation of ``range(count)`` that is not the identity when ``count >= 2``."""
    order = list(range(count))
    if count < 2:
        return order
    while True:
        rng.shuffle(order)
        if order != sorted(order):
            return order


@dataclass(frozen=True, slots=True)
class Emit:
    """One data frame to send; ``event_index`` is the event it carries (a duplicate's original)."""

    data: bytes
    event_index: int
    fault: FaultKind | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """What to do with a batch of due events: send ``emits`` in order, then maybe drop."""

    emits: tuple[Emit, ...]
    drop: bool
    injected: Counter[FaultKind]


class ConnectionFaults:
    """Fault decisions for one websocket connection, made with the caller's RNG."""

    _RECENT = 64

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self.frames_sent = 0
        self.silenced = False
        self._recent: deque[tuple[int, bytes]] = deque(maxlen=self._RECENT)

    def silence_due_s(self, faults: Faults) -> float:
        """Seconds of silence to keep now (0: none); each connection goes silent at most once."""
        if self.silenced or faults.silence_s <= 0 or self.frames_sent < faults.silence_after_packets:
            return 0.0
        self.silenced = True
        return faults.silence_s

    def events_before_silence(self, faults: Faults) -> int | None:
        """How many more events may go out before a pending silence starts; None if none is pending."""
        if self.silenced or faults.silence_s <= 0:
            return None
        return max(0, faults.silence_after_packets - self.frames_sent)

    def _reordered(
        self, events: Sequence[tuple[int, bytes]], window: int, injected: Counter[FaultKind]
    ) -> list[tuple[int, bytes]]:
        if window < 2 or len(events) < 2:
            return list(events)
        result: list[tuple[int, bytes]] = []
        for start in range(0, len(events), window):
            chunk = events[start : start + window]
            if len(chunk) >= 2:
                injected[FaultKind.REORDER] += 1
            result.extend(chunk[i] for i in shuffled(len(chunk), self._rng))
        return result

    def plan(self, events: Sequence[tuple[int, bytes]], faults: Faults) -> Plan:
        """Decide how to send ``events`` (``(event_index, frame)`` in due order)."""
        rng = self._rng
        injected: Counter[FaultKind] = Counter()
        emits: list[Emit] = []

        def emit(item: Emit) -> bool:
            """Record a frame as sent; True when the drop-after limit is now reached."""
            emits.append(item)
            self.frames_sent += 1
            return 0 < faults.drop_after_packets <= self.frames_sent

        for index, data in self._reordered(events, faults.reorder_window, injected):
            if faults.drop_probability > 0 and rng.random() < faults.drop_probability:
                injected[FaultKind.DROP] += 1
                return Plan(tuple(emits), True, injected)
            malformed = index == faults.malformed_at or (
                faults.malformed_probability > 0 and rng.random() < faults.malformed_probability
            )
            self._recent.append((index, data))
            if malformed:
                injected[FaultKind.MALFORMED] += 1
                limit = emit(Emit(truncate_frame(data), index, FaultKind.MALFORMED))
            else:
                limit = emit(Emit(data, index))
            if limit:
                injected[FaultKind.DROP] += 1
                return Plan(tuple(emits), True, injected)
            if faults.duplicate_probability > 0 and rng.random() < faults.duplicate_probability:
                reach = min(len(self._recent), faults.duplicate_window)
                dup_index, dup_data = self._recent[-1 - rng.randrange(reach)]
                for _ in range(faults.duplicate_copies):
                    injected[FaultKind.DUPLICATE] += 1
                    if emit(Emit(dup_data, dup_index, FaultKind.DUPLICATE)):
                        injected[FaultKind.DROP] += 1
                        return Plan(tuple(emits), True, injected)
        return Plan(tuple(emits), False, injected)


def should_fail_rest(faults: Faults, rng: random.Random) -> bool:
    """Whether this REST request gets an injected 5xx."""
    return faults.rest_error_probability > 0 and rng.random() < faults.rest_error_probability


def seeded_rng(seed: int | None, *parts: object) -> random.Random:
    """A generator that repeats for the same seed and parts; unseeded when ``seed`` is None."""
    if seed is None:
        return random.Random()
    return random.Random("/".join([str(seed), *map(str, parts)]))
