"""shared/publisher.py on the real broker: confirmed means on the queue, refused means raised."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiormq
import pytest
from aio_pika.abc import AbstractChannel, DeliveryMode
from aiormq import spec

from shared import messages
from shared.broker import Broker
from shared.errors import PublishBacklog
from shared.publisher import Publisher
from shared.settings import Settings
from shared.topology import Topology
from tests.support import depth, take


@pytest.fixture
async def publisher(broker: Broker) -> AsyncIterator[Publisher]:
    publisher = Publisher(broker, timeout=10)
    yield publisher
    await publisher.close()


def _properties(n: int) -> spec.Basic.Properties:
    return messages.inbound_properties(
        vendor="w2", content_type="application/json", http_headers={"n": str(n)}
    )


async def test_concurrent_publishes_all_arrive_intact(
    publisher: Publisher, channel: AbstractChannel, topology: Topology
) -> None:
    sent = [(f'{{"n": {n}}}'.encode(), _properties(n)) for n in range(200)]
    await asyncio.gather(
        *(publisher.publish(topology.inbound_exchange, "w2", body, p) for body, p in sent)
    )
    received = await take(channel, topology.inbound_queue("w2"), count=200)
    by_id = {m.message_id: m for m in received}
    for body, properties in sent:
        got = by_id[properties.message_id]
        assert got.body == body
        assert got.delivery_mode == DeliveryMode.PERSISTENT
        assert got.content_type == "application/json"
        assert got.timestamp is not None
        inbound = messages.read_inbound(got)
        assert inbound.vendor == "w2"
        assert properties.headers is not None
        assert inbound.http_headers == properties.headers[messages.HTTP_HEADERS]


async def test_bodies_larger_than_a_frame_arrive_whole(
    publisher: Publisher, channel: AbstractChannel, topology: Topology
) -> None:
    bodies = [bytes([n]) * size for n, size in enumerate((0, 1, 131_064, 131_065, 3_000_001))]
    for n, body in enumerate(bodies):
        await publisher.publish(topology.inbound_exchange, "w2", body, _properties(n))
    received = await take(channel, topology.inbound_queue("w2"), count=len(bodies))
    assert sorted(m.body for m in received) == sorted(bodies)


async def test_unroutable_message_raises_and_the_next_publish_still_works(
    publisher: Publisher, channel: AbstractChannel, topology: Topology
) -> None:
    with pytest.raises(aiormq.exceptions.PublishError):
        await publisher.publish(topology.inbound_exchange, "acme", b"{}", _properties(0))
    await publisher.publish(topology.inbound_exchange, "w2", b"{}", _properties(1))
    [message] = await take(channel, topology.inbound_queue("w2"))
    assert message.headers[messages.HTTP_HEADERS] == {"n": "1"}


async def test_missing_exchange_raises_and_the_publisher_recovers(
    publisher: Publisher, channel: AbstractChannel, topology: Topology
) -> None:
    with pytest.raises(aiormq.exceptions.AMQPError):
        await publisher.publish(f"{topology.namespace}.nowhere", "w2", b"{}", _properties(0))
    # The broker closed that channel; the next publish gets a working one.
    await publisher.publish(topology.inbound_exchange, "w2", b"{}", _properties(1))
    [message] = await take(channel, topology.inbound_queue("w2"))
    assert message.headers[messages.HTTP_HEADERS] == {"n": "1"}


async def test_no_confirm_in_time_is_a_timeout(broker: Broker, topology: Topology) -> None:
    # Timed out before the frames are even written: the publish must give up, not hang.
    publisher = Publisher(broker, timeout=0, sweep_seconds=0)
    try:
        with pytest.raises(TimeoutError):
            await publisher.publish(topology.inbound_exchange, "w2", b"{}", _properties(0))
    finally:
        await publisher.close()


async def test_not_connected_refuses_at_once(config: Settings, topology: Topology) -> None:
    never_started = Broker(config.amqp_url, topology, name="test-not-connected")
    publisher = Publisher(never_started, timeout=10)
    with pytest.raises(ConnectionError):
        await publisher.publish(topology.inbound_exchange, "w2", b"{}", _properties(0))


async def test_past_the_byte_bound_a_publish_is_refused_at_once(
    broker: Broker, channel: AbstractChannel, topology: Topology
) -> None:
    publisher = Publisher(broker, timeout=10, max_waiting_bytes=3000)
    body = b"x" * 2000
    try:
        results = await asyncio.gather(
            *(
                publisher.publish(topology.inbound_exchange, "w2", body, _properties(n))
                for n in range(50)
            ),
            return_exceptions=True,
        )
    finally:
        await publisher.close()
    refused = [r for r in results if isinstance(r, PublishBacklog)]
    confirmed = [r for r in results if r is None]
    assert refused, "50 publishes of 2000 bytes at once never went past 3000 bytes waiting"
    assert confirmed
    assert len(refused) + len(confirmed) == len(results), results
    # What was refused was never written.
    await take(channel, topology.inbound_queue("w2"), count=len(confirmed))
    await asyncio.sleep(0.2)
    assert await depth(channel, topology.inbound_queue("w2")) == 0
    assert publisher.waiting_bytes == 0
