"""The topology on the real broker: delivery limits as stated, on RabbitMQ 3.x and 4.x alike."""

from __future__ import annotations

from aio_pika.abc import AbstractChannel, AbstractRobustConnection

from shared.outcome import Outcome
from shared.topology import DELIVERY_LIMIT, Topology
from tests.support import HANDED_BACK, survives_hand_backs, take


async def test_outcome_retry_and_dead_letter_queues_have_no_delivery_limit(
    channel: AbstractChannel, topology: Topology
) -> None:
    for name in (
        topology.outcome_queue(Outcome.PASS),
        topology.dead_letter_queue,
        topology.retry_queue("w2", topology.retry_delays[-1]),
    ):
        assert await survives_hand_backs(channel, name, HANDED_BACK), name


async def test_an_inbound_queue_dead_letters_past_its_limit(
    channel: AbstractChannel, topology: Topology
) -> None:
    assert not await survives_hand_backs(channel, topology.inbound_queue("w2"), DELIVERY_LIMIT + 1)
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
