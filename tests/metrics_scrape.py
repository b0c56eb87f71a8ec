"""Reading a /metrics page in tests: every sample by name and labels."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class Scrape:
    text: str
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]

    @classmethod
    def parse(cls, text: str) -> Scrape:
        samples = {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }
        return cls(text, samples)

    def value(self, name: str, **labels: str) -> float:
        """The sample's value; 0 when the series is not there (a counter not counted yet)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def series(self, name: str) -> dict[frozenset[tuple[str, str]], float]:
        return {labels: value for (found, labels), value in self.samples.items() if found == name}


async def scrape(client: httpx.AsyncClient, url: str) -> Scrape | None:
    """The page at ``url``; None while nothing answers there yet."""
    try:
        response = await client.get(url, timeout=5)
    except httpx.TransportError:
        return None
    response.raise_for_status()
    return Scrape.parse(response.text)
