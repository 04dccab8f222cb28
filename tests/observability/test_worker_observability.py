"""The worker's own port: /healthz, /readyz and /metrics, against the real broker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aio_pika.abc import AbstractChannel
from aiohttp.test_utils import TestClient, TestServer

from shared import messages
from shared.broker import Broker
from shared.outcome import Outcome
from shared.settings import Settings
from shared.topology import Topology
from tests.observability.scrape import value, wait_for
from tests.support import Client, take
from workers.http import create_app
from workers.worker import Worker

PASS = b'{"event": "Finished Journey", "body": {"eventId": "obs-1", "finalDecision": "Complete"}}'


@pytest.fixture
async def worker(config: Settings, broker: Broker) -> AsyncIterator[Worker]:
    worker = Worker(config, broker)
    yield worker
    await worker.stop(drain_timeout=5)


@pytest.fixture
async def client(worker: Worker) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(worker))) as client:
        yield client


async def _publish(broker: Broker, vendor: str, body: bytes) -> None:
    exchange = await broker.exchange(broker.topology.inbound_exchange)
    message = messages.inbound_message(
        vendor=vendor, body=body, content_type="application/json", http_headers={}
    )
    await exchange.publish(message, routing_key=vendor)


async def test_ready_only_once_consuming(client: Client, worker: Worker) -> None:
    assert (await client.get("/healthz")).status == 200
    assert (await client.get("/readyz")).status == 503

    await worker.start()

    response = await client.get("/readyz")
    assert response.status == 200
    assert (await response.json())["status"] == "ready"


async def test_processed_message_is_counted_by_vendor_event_and_outcome(
    client: Client, worker: Worker, broker: Broker, channel: AbstractChannel, topology: Topology
) -> None:
    labels = {"vendor": "idwise", "event": "finished_journey", "outcome": "pass"}
    before = await value(client, "verdict_worker_messages_total", **labels)
    done_before = await value(
        client, "verdict_worker_processing_seconds_count", vendor="idwise", settled="done"
    )
    await worker.start()

    await _publish(broker, "idwise", PASS)
    await take(channel, topology.outcome_queue(Outcome.PASS))

    after = await wait_for(client, "verdict_worker_messages_total", labels, before + 1)
    assert after == before + 1
    done = await wait_for(
        client,
        "verdict_worker_processing_seconds_count",
        {"vendor": "idwise", "settled": "done"},
        done_before + 1,
    )
    assert done == done_before + 1
    assert await value(client, "verdict_worker_messages_in_flight") == 0
    connected = await value(client, "verdict_broker_connected", connection="test")
    assert connected == 1.0


async def test_undecodable_message_is_counted_as_a_permanent_dead_letter(
    client: Client, worker: Worker, broker: Broker, channel: AbstractChannel, topology: Topology
) -> None:
    labels = {"vendor": "metamap", "kind": "permanent"}
    before = await value(client, "verdict_worker_dead_letters_total", **labels)
    await worker.start()

    await _publish(broker, "metamap", b"this is not json")
    await take(channel, topology.dead_letter_queue)

    after = await wait_for(client, "verdict_worker_dead_letters_total", labels, before + 1)
    assert after == before + 1
