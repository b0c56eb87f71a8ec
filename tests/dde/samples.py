"""Access to the sample packets in tests/data/samples (see its README)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "data" / "samples"


def sample_bytes(name: str) -> bytes:
    return (SAMPLES_DIR / name).read_bytes()


def sample_json(name: str) -> Any:
    return json.loads(sample_bytes(name))
