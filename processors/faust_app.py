"""The Faust engine's app, built from the environment: ``faust -A ddeflow.processors.faust_app:app worker``.

``ddeflow process --engine faust`` builds the same app from its own options (``faust_engine.build_app``).  The app
is built when ``app`` is first looked up, not on import, so importing this module needs no Kafka settings.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ddeflow.config import load_settings
from ddeflow.processors.faust_engine import EngineApp, build_app


@cache
def _app() -> EngineApp:
    return build_app(load_settings())


def __getattr__(name: str) -> Any:
    if name == "app":
        return _app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
