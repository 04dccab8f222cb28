"""Every vendor fixture, posted to the ingress, comes out on the queue the policy names.

The vendor tables (tests/vendors/) assert what each fixture's outcome is; this test proves the
whole path delivers it: HTTP → ingress → broker → worker → outcome exchange → outcome queue.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aio_pika.abc import AbstractChannel
from aiohttp.test_utils import TestClient, TestServer

from ingress.app import create_app
from shared import messages, outcome
from shared.broker import Broker
from shared.outcome import Outcome, OutcomeEvent
from shared.settings import Settings
from shared.topology import Topology
from tests.support import Client, take
from tests.vendors.test_w2 import CASES as W2_CASES
from workers import pipeline
from workers.worker import Worker

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# W2's topic webhooks are told apart by a header; the W2 table records which.
HEADERS = {("w2", case.file): case.headers for case in W2_CASES}


def fixtures() -> list[tuple[str, Path]]:
    return [
        (vendor.name, path)
        for vendor in sorted(FIXTURES.iterdir())
        for path in sorted(vendor.glob("*.json"))
    ]


@pytest.fixture
async def client(config: Settings, broker: Broker) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(config, broker))) as client:
        yield client


@pytest.fixture
async def worker(config: Settings, broker: Broker) -> AsyncIterator[Worker]:
    worker = Worker(config, broker)
    await worker.start()
    yield worker
    await worker.stop()


async def test_every_fixture_reaches_its_outcome_queue(
    client: Client, worker: Worker, channel: AbstractChannel, topology: Topology
) -> None:
    expected: dict[str, OutcomeEvent | pipeline.Rejection] = {}
    for vendor, path in fixtures():
        headers = {"Content-Type": "application/json", **HEADERS.get((vendor, path.stem), {})}
        body = path.read_bytes()
        response = await client.post(f"/webhooks/{vendor}", data=body, headers=headers)
        assert response.status == 202, path
        message_id = (await response.json())["message_id"]
        inbound = messages.Inbound(
            message_id=message_id,
            vendor=vendor,
            body=body,
            content_type="application/json",
            received_at=datetime.now(UTC),
            http_headers={k.lower(): v for k, v in headers.items()},
        )
        expected[message_id] = pipeline.classify(inbound)
    assert len(expected) > 200

    delivered: dict[str, tuple[str, OutcomeEvent]] = {}
    for kind in Outcome:
        want = sum(isinstance(e, OutcomeEvent) and e.outcome is kind for e in expected.values())
        for message in await take(channel, topology.outcome_queue(kind), want, timeout=60):
            event = outcome.decode(message.body)
            assert message.routing_key == event.routing_key
            assert message.message_id == event.id
            delivered[event.ingress_message_id] = (kind.value, event)
    rejected = sum(isinstance(e, pipeline.Rejection) for e in expected.values())
    dead = await take(channel, topology.dead_letter_queue, rejected, timeout=30)

    for message_id, want_result in expected.items():
        if isinstance(want_result, pipeline.Rejection):
            continue
        queue, event = delivered[message_id]
        assert queue == want_result.outcome.value
        assert (event.id, event.vendor, event.event) == (
            want_result.id,
            want_result.vendor,
            want_result.event,
        )
        assert event.reasons == want_result.reasons
        assert event.subject == want_result.subject
    assert {m.message_id for m in dead} == {
        message_id for message_id, e in expected.items() if isinstance(e, pipeline.Rejection)
    }
    for message in dead:
        assert (message.headers or {})[messages.FAILURE_KIND] == "permanent"
