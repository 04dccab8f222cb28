"""The ingress answers 202 only for what the broker confirmed (real RabbitMQ)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import msgspec
import pytest
from aio_pika.abc import AbstractChannel
from aiohttp.test_utils import TestClient, TestServer

from ingress.app import create_app
from shared import messages
from shared.broker import Broker
from shared.settings import Settings
from shared.topology import Topology
from tests.support import Client, depth, take

BODY = b'{"event": "Finished Journey", "body": {"eventId": "e-1", "finalDecision": "Complete"}}'


@pytest.fixture
async def client(config: Settings, broker: Broker) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(config, broker))) as client:
        yield client


async def test_accepted_webhook_is_on_the_vendor_queue(
    client: Client,
    channel: AbstractChannel,
    topology: Topology,
) -> None:
    response = await client.post(
        "/webhooks/idwise",
        data=BODY,
        headers={
            "Content-Type": "application/json",
            "Authorization": "Bearer secret-token",
            "Cookie": "session=abc",
            "X-Signature": "deadbeef",
            "X-Request-Id": "r-42",
        },
    )
    assert response.status == 202
    message_id = (await response.json())["message_id"]

    [message] = await take(channel, topology.inbound_queue("idwise"))
    assert message.body == BODY
    assert message.message_id == message_id
    assert message.delivery_mode == 2
    assert message.content_type == "application/json"
    assert message.timestamp is not None
    inbound = messages.read_inbound(message)
    assert inbound.vendor == "idwise"
    assert inbound.http_headers["x-request-id"] == "r-42"
    for credential in ("authorization", "cookie", "x-signature"):
        assert credential not in inbound.http_headers


async def test_unknown_vendor_is_404_and_nothing_is_published(
    client: Client,
    channel: AbstractChannel,
    topology: Topology,
) -> None:
    response = await client.post("/webhooks/acme", data=BODY)
    assert response.status == 404
    assert (await response.json())["error"] == "unknown_vendor"
    for vendor in topology.vendors:
        assert await depth(channel, topology.inbound_queue(vendor)) == 0


async def test_16_mib_body_goes_through_and_larger_is_413(
    client: Client,
    channel: AbstractChannel,
    topology: Topology,
) -> None:
    limit = 16 * 1024 * 1024  # the default, RabbitMQ 4's max_message_size
    response = await client.post("/webhooks/w2", data=io.BytesIO(b"x" * limit))
    assert response.status == 202
    [message] = await take(channel, topology.inbound_queue("w2"))
    assert len(message.body) == limit

    response = await client.post("/webhooks/w2", data=io.BytesIO(b"x" * (limit + 1)))
    assert response.status == 413
    assert (await response.json())["error"] == "body_too_large"
    assert await depth(channel, topology.inbound_queue("w2")) == 0


async def test_broker_nack_is_503_never_202(
    client: Client,
    channel: AbstractChannel,
    topology: Topology,
) -> None:
    # A second queue on the vendor's routing key that refuses everything: RabbitMQ then nacks
    # the publish (a message routed to several queues is confirmed only if all take it).
    full = await channel.declare_queue(
        f"{topology.namespace}.full",
        auto_delete=True,
        arguments={"x-max-length": 0, "x-overflow": "reject-publish"},
    )
    await full.bind(topology.inbound_exchange, routing_key="idwise")

    response = await client.post("/webhooks/idwise", data=BODY)

    assert response.status == 503
    assert response.headers["Retry-After"] == "5"
    assert (await response.json())["error"] == "broker_unavailable"
    await full.delete(if_unused=False, if_empty=False)


async def test_broker_unreachable_is_503_and_not_ready(config: Settings) -> None:
    unreachable = msgspec.structs.replace(config, amqp_url="amqp://guest:guest@127.0.0.1:1/")
    broker = Broker(unreachable.amqp_url, Topology(config.namespace, config.vendors), name="t")
    broker.start()
    try:
        async with TestClient(TestServer(create_app(unreachable, broker))) as client:
            response = await client.post("/webhooks/idwise", data=BODY)
            assert response.status == 503
            assert "Retry-After" in response.headers
            assert (await client.get("/readyz")).status == 503
            assert (await client.get("/healthz")).status == 200
    finally:
        await broker.close()


async def test_connection_lost_is_503(
    client: Client,
    broker: Broker,
) -> None:
    assert (await client.get("/readyz")).status == 200
    assert broker.connection is not None
    await broker.connection.close()

    response = await client.post("/webhooks/idwise", data=BODY)

    assert response.status == 503
    assert (await client.get("/readyz")).status == 503
