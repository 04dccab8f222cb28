"""The topology on the real broker: delivery limits as stated, on RabbitMQ 3.x and 4.x alike."""

from __future__ import annotations

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractRobustConnection

from shared.outcome import Outcome
from shared.topology import DELIVERY_LIMIT, Topology
from tests.support import take

HANDED_BACK = 25  # past RabbitMQ 4's default limit of 20


async def _handed_back(channel: AbstractChannel, queue_name: str, times: int) -> int | None:
    """Publish one message, take it and hand it back ``times`` times; how many more deliveries
    the queue still makes of it (None: it was dropped or dead-lettered on the way)."""
    await channel.default_exchange.publish(aio_pika.Message(b"{}"), routing_key=queue_name)
    queue = await channel.get_queue(queue_name, ensure=False)
    for _ in range(times):
        message = await queue.get(no_ack=False, fail=False, timeout=5)
        if message is None:
            return None
        await message.nack(requeue=True)
    message = await queue.get(no_ack=False, fail=False, timeout=5)
    if message is None:
        return None
    await message.ack()
    return 1


async def test_outcome_retry_and_dead_letter_queues_have_no_delivery_limit(
    channel: AbstractChannel, topology: Topology
) -> None:
    for name in (
        topology.outcome_queue(Outcome.PASS),
        topology.dead_letter_queue,
        topology.retry_queue("w2", topology.retry_delays[-1]),
    ):
        assert await _handed_back(channel, name, HANDED_BACK) == 1, name


async def test_an_inbound_queue_dead_letters_past_its_limit(
    channel: AbstractChannel, topology: Topology
) -> None:
    assert await _handed_back(channel, topology.inbound_queue("w2"), DELIVERY_LIMIT + 1) is None
    await take(channel, topology.dead_letter_queue)


async def test_a_queue_declared_with_another_delivery_limit_is_kept(
    connection: AbstractRobustConnection, channel: AbstractChannel, topology: Topology
) -> None:
    # As an older Verdict (or an operator) left it: queue arguments cannot change.
    inbound = topology.inbound_queue("w2")
    await channel.queue_delete(inbound)
    await channel.declare_queue(
        inbound,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
            "x-dead-letter-exchange": topology.dead_exchange,
            "x-delivery-limit": DELIVERY_LIMIT + 3,
        },
    )
    declaring = await connection.channel()
    await topology.declare(declaring)  # warns, and goes on with the queue as it is
    assert not declaring.is_closed
    await declaring.declare_queue(topology.dead_letter_queue, passive=True)
