"""The Faust engine's app, built from the environment: ``faust -A ddeflow.processors.faust_app:app worker``.

``ddeflow process --engine faust`` builds the same app from its own options (``faust_engine.build_app``).
"""

from __future__ import annotations

from ddeflow.config import load_settings
from ddeflow.processors.faust_engine import build_app

app = build_app(load_settings())
