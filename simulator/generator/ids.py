"""Deterministic identifiers and random streams derived from ``(seed, sport, index)``.

Everything is a pure function of its inputs: hashing with SHA-256 (never Python's
salted ``hash``) so the same seed gives the same ids on every machine and run.
"""

from __future__ import annotations

import hashlib
import random
import uuid


def _digest(*parts: object) -> bytes:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()


def derived_uuid(*parts: object) -> str:
    """A version-4-shaped UUID string that depends only on ``parts``."""
    return str(uuid.UUID(bytes=_digest(*parts)[:16], version=4))


def derived_rng(*parts: object) -> random.Random:
    """A ``random.Random`` seeded from ``parts`` (independent streams for independent parts)."""
    return random.Random(int.from_bytes(_digest(*parts)[:16], "big"))


def fixture_id(seed: int, sport: str, index: int) -> str:
    return derived_uuid("fixture", seed, sport, index)


def rng_uuid(rng: random.Random) -> str:
    """A random-looking UUID drawn from ``rng`` (action ids within one match)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def rng_trace_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"
