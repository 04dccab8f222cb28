"""Past ``max_in_flight`` webhooks at once, the ingress answers 503 at once (real RabbitMQ)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import msgspec
import pytest
from aio_pika.abc import AbstractChannel
from aiohttp.test_utils import TestClient, TestServer

from ingress.app import create_app
from shared.broker import Broker
from shared.settings import Settings
from shared.topology import Topology
from tests.support import Client, take

BODY = b'{"event": "Finished Journey", "body": {"eventId": "e-1", "finalDecision": "Complete"}}'


@pytest.fixture
async def client(config: Settings, broker: Broker) -> AsyncIterator[Client]:
    settings = msgspec.structs.replace(config, max_in_flight=1, retry_after=7)
    async with TestClient(TestServer(create_app(settings, broker))) as client:
        yield client


async def _start_slow_post(client: Client) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A webhook whose body is only half sent: it stays in flight until the rest comes."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(
        b"POST /webhooks/idwise HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(BODY)}\r\n\r\n".encode()
        + BODY[:10]
    )
    await writer.drain()
    return reader, writer


async def _post_until_shed(client: Client) -> tuple[int, dict[str, str], bytes]:
    # The slow request counts once aiohttp has parsed its headers; poll until it has.
    for _ in range(200):
        response = await client.post("/webhooks/idwise", data=BODY)
        if response.status == 503:
            return response.status, dict(response.headers), await response.read()
        await asyncio.sleep(0.02)
    raise AssertionError("the ingress never shed a request past max_in_flight")


async def test_past_max_in_flight_is_503_with_retry_after_and_nothing_published(
    client: Client, channel: AbstractChannel, topology: Topology
) -> None:
    reader, writer = await _start_slow_post(client)
    status, headers, body = await _post_until_shed(client)
    assert status == 503
    assert headers["Retry-After"] == "7"
    # Its connection is closed: the client comes back through a new one (maybe to another replica).
    assert headers["Connection"] == "close"
    assert msgspec.json.decode(body)["error"] == "overloaded"

    writer.write(BODY[10:])
    await writer.drain()
    status_line = await reader.readline()
    assert b" 202 " in status_line
    writer.close()
    await writer.wait_closed()

    # The slot is free again.
    response = await client.post("/webhooks/idwise", data=BODY)
    assert response.status == 202
    # Only what was answered 202 reached the queue: the slow one and the last one.
    queue = topology.inbound_queue("idwise")
    assert len(await take(channel, queue, count=2)) == 2
    assert await (await channel.get_queue(queue)).get(fail=False, no_ack=True) is None


async def test_probes_are_not_counted_against_the_bound(client: Client) -> None:
    _, writer = await _start_slow_post(client)
    await _post_until_shed(client)
    assert (await client.get("/healthz")).status == 200
    writer.close()
    await writer.wait_closed()
