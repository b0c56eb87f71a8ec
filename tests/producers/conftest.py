"""Fixtures of the producer tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def gen_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated matches, shared by the tests of a session (generation is deterministic)."""
    return tmp_path_factory.mktemp("producer-gen")
