"""A deployment's [[policy]] change, through the real pipeline: ingress, broker, worker, queue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest
from aio_pika.abc import AbstractChannel
from aiohttp.test_utils import TestClient, TestServer

from ingress.app import create_app
from shared import outcome
from shared.broker import Broker
from shared.outcome import Outcome
from shared.policy_settings import PolicyOverride
from shared.settings import Settings
from shared.topology import Topology
from tests.support import Client, take
from workers import policies
from workers.vendors import SHIPPED_DIGEST
from workers.worker import Worker

REVIEW_NEEDED = Path(__file__).resolve().parents[1] / "fixtures" / "metamap"
REVIEW_NEEDED /= "verification-completed--reviewneeded.json"
CHANGE = PolicyOverride(
    vendor="metamap", field="identityStatus", value="reviewNeeded", outcome="fail"
)


@pytest.fixture
async def client(config: Settings, broker: Broker) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(config, broker))) as client:
        yield client


async def _decided(
    config: Settings, broker: Broker, client: Client, channel: AbstractChannel, queue: str
) -> outcome.OutcomeEvent:
    worker = Worker(config, broker)
    await worker.start()
    try:
        response = await client.post("/webhooks/metamap", data=REVIEW_NEEDED.read_bytes())
        assert response.status == 202
        [message] = await take(channel, queue, 1, timeout=30)
    finally:
        await worker.stop()
    return outcome.decode(message.body)


async def test_a_changed_value_routes_to_its_new_outcome_with_the_policy_digest(
    config: Settings,
    broker: Broker,
    client: Client,
    channel: AbstractChannel,
    topology: Topology,
) -> None:
    changed = msgspec.structs.replace(config, policy=(CHANGE,))
    event = await _decided(changed, broker, client, channel, topology.outcome_queue(Outcome.FAIL))
    assert event.outcome is Outcome.FAIL
    assert event.reasons[0].code == "identityStatus:reviewNeeded"
    assert event.policy_digest == policies.effective([CHANGE]).digest != SHIPPED_DIGEST


async def test_without_changes_the_shipped_policy_decides_and_is_named(
    config: Settings,
    broker: Broker,
    client: Client,
    channel: AbstractChannel,
    topology: Topology,
) -> None:
    event = await _decided(config, broker, client, channel, topology.outcome_queue(Outcome.REFER))
    assert event.outcome is Outcome.REFER
    assert event.policy_digest == SHIPPED_DIGEST
