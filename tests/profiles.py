"""Hypothesis profiles: ``ci`` for ``make test`` (the default) and ``fuzz`` for ``make fuzz``.

``tests/conftest.py`` registers both and loads ``ci``; ``pytest --hypothesis-profile=fuzz`` switches.
A property states its number of examples for each profile with ``examples(ci=..., fuzz=...)``; tests that
state nothing run the profile's ``max_examples``.

- ``ci`` is derandomized: every run draws the same examples, so on this shared, noisy machine a run fails
  only when the code changed, never because a new random draw met an old bug.  Exploring new inputs is
  what ``fuzz`` is for.  No deadline: load from other processes must not fail a test.
- ``fuzz`` draws fresh examples on every run and keeps the failing ones in a database under
  ``.hypothesis/``, so that a failure it finds is replayed first on the next run until it is fixed.
"""

from __future__ import annotations

from typing import Final

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

CI: Final = "ci"
FUZZ: Final = "fuzz"


def register() -> None:
    settings.register_profile(
        CI,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        print_blob=True,
    )
    settings.register_profile(
        FUZZ,
        derandomize=False,
        database=DirectoryBasedExampleDatabase(".hypothesis/fuzz-examples"),
        deadline=None,
        max_examples=10_000,
        suppress_health_check=[HealthCheck.too_slow],
        print_blob=True,
    )
    settings.load_profile(CI)


def examples(*, ci: int, fuzz: int) -> settings:
    """Settings running ``ci`` examples under the ``ci`` profile and ``fuzz`` under ``fuzz``."""
    chosen = fuzz if settings.get_current_profile_name() == FUZZ else ci
    return settings(max_examples=chosen)
