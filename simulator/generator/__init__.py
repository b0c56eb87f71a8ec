"""Deterministic, realistic DDE matches for all four sports: packets, statistics and ground truth.

``generate_match`` is the pure core (one fixture in memory); ``generate`` writes a season
to disk; ``consistency`` re-derives scores from packets alone to check both.
"""

from ddeflow.simulator.generator.match import GENERATOR_VERSION, SPORTS, GeneratedMatch, generate_match
from ddeflow.simulator.generator.writer import GenerationReport, SportSummary, generate

__all__ = [
    "GENERATOR_VERSION",
    "SPORTS",
    "GeneratedMatch",
    "GenerationReport",
    "SportSummary",
    "generate",
    "generate_match",
]
