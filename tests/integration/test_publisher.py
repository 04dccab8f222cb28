"""shared/publisher.py on the real broker: confirmed means on the queue, refused means raised."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aio_pika
import aiormq
import pytest
from aio_pika.abc import AbstractChannel, DeliveryMode

from shared import messages
from shared.broker import Broker
from shared.publisher import Publisher
from shared.settings import Settings
from shared.topology import Topology
from tests.support import take


@pytest.fixture
async def publisher(broker: Broker) -> AsyncIterator[Publisher]:
    publisher = Publisher(broker)
    yield publisher
    await publisher.close()


def _message(body: bytes, n: int) -> aio_pika.Message:
    return messages.inbound_message(
        vendor="w2", body=body, content_type="application/json", http_headers={"n": str(n)}
    )


async def test_concurrent_publishes_all_arrive_intact(
    publisher: Publisher, channel: AbstractChannel, topology: Topology
) -> None:
    sent = [_message(f'{{"n": {n}}}'.encode(), n) for n in range(200)]
    await asyncio.gather(
        *(publisher.publish(topology.inbound_exchange, m, "w2", timeout=10) for m in sent)
    )
    received = await take(channel, topology.inbound_queue("w2"), count=200)
    by_id = {m.message_id: m for m in received}
    for message in sent:
        got = by_id[message.message_id]
        assert got.body == message.body
        assert got.delivery_mode == DeliveryMode.PERSISTENT
        assert got.content_type == "application/json"
        assert messages.read_inbound(got).http_headers == message.headers[messages.HTTP_HEADERS]


async def test_bodies_larger_than_a_frame_arrive_whole(
    publisher: Publisher, channel: AbstractChannel, topology: Topology
) -> None:
    bodies = [bytes([n]) * size for n, size in enumerate((0, 1, 131_064, 131_065, 3_000_001))]
    for n, body in enumerate(bodies):
        await publisher.publish(topology.inbound_exchange, _message(body, n), "w2", timeout=10)
    received = await take(channel, topology.inbound_queue("w2"), count=len(bodies))
    assert sorted(len(m.body) for m in received) == sorted(len(b) for b in bodies)
    assert {m.body for m in received} == set(bodies)


async def test_unroutable_message_raises_and_the_next_publish_still_works(
    publisher: Publisher, channel: AbstractChannel, topology: Topology
) -> None:
    with pytest.raises(aiormq.exceptions.PublishError):
        await publisher.publish(topology.inbound_exchange, _message(b"{}", 0), "acme", timeout=10)
    await publisher.publish(topology.inbound_exchange, _message(b"{}", 1), "w2", timeout=10)
    [message] = await take(channel, topology.inbound_queue("w2"))
    assert message.headers[messages.HTTP_HEADERS] == {"n": "1"}


async def test_missing_exchange_raises_and_the_publisher_recovers(
    publisher: Publisher, channel: AbstractChannel, topology: Topology
) -> None:
    with pytest.raises(aiormq.exceptions.AMQPError):
        await publisher.publish(
            f"{topology.namespace}.nowhere", _message(b"{}", 0), "w2", timeout=10
        )
    # The broker closed that channel; the next publish gets a working one.
    await publisher.publish(topology.inbound_exchange, _message(b"{}", 1), "w2", timeout=10)
    [message] = await take(channel, topology.inbound_queue("w2"))
    assert message.headers[messages.HTTP_HEADERS] == {"n": "1"}


async def test_not_connected_refuses_at_once(config: Settings, topology: Topology) -> None:
    never_started = Broker(config.amqp_url, topology, name="test-not-connected")
    publisher = Publisher(never_started)
    with pytest.raises(ConnectionError):
        await publisher.publish(topology.inbound_exchange, _message(b"{}", 0), "w2", timeout=10)
