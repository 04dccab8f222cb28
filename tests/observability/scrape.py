"""Reading /metrics the way Prometheus does, for the observability tests."""

from __future__ import annotations

import asyncio
import time

from prometheus_client.parser import text_string_to_metric_families

from tests.support import Client

Labels = dict[str, str]


async def scrape(client: Client) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(await response.text()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


async def value(client: Client, name: str, **labels: str) -> float:
    """One series' value; 0 when it has not been exported yet."""
    return (await scrape(client)).get((name, frozenset(labels.items())), 0.0)


async def wait_for(
    client: Client, name: str, labels: Labels, at_least: float, timeout: float = 10.0
) -> float:
    """Scrape until the series reaches ``at_least`` (the worker counts just after it acks)."""
    deadline = time.monotonic() + timeout
    while True:
        current = await value(client, name, **labels)
        if current >= at_least or time.monotonic() > deadline:
            return current
        await asyncio.sleep(0.02)
