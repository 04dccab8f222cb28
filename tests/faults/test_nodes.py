"""The harness of tests/rabbitmq_nodes.py: nodes of the tests' own start, cluster, serve a quorum
queue through a SIGKILL, restart, and raise and clear a memory alarm.

Runs only with VERDICT_TEST_FAULTS=1 (.ci/run sets it). The nodes are the fault tests' own
(tests/faults/conftest.py); the machine's broker is never touched. Each test leaves its node or
cluster as it found it, running.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import aio_pika
import aiormq
import pytest
from aio_pika.abc import AbstractConnection

from shared import aiormq_internals
from tests.faults.support import wait_until
from tests.rabbitmq_nodes import Cluster, Node

# Nodes of the tests' own, from this machine's RabbitMQ (tests/rabbitmq_nodes.py).
pytestmark = [pytest.mark.faults, pytest.mark.own_nodes]


def blocked(connection: AbstractConnection) -> bool:
    """Whether the broker has blocked the connection (connection.blocked, no unblocked since)."""
    assert connection.transport is not None
    underlay = connection.transport.connection
    assert isinstance(underlay, aiormq.Connection)
    return aiormq_internals.connection_blocked(underlay)


async def test_a_cluster_serves_a_quorum_queue_through_a_killed_node(cluster: Cluster) -> None:
    first, second, third = cluster.nodes
    names = sorted(node.name for node in cluster.nodes)
    assert await asyncio.to_thread(first.running_nodes) == names

    connections = [await aio_pika.connect(node.url) for node in cluster.nodes]
    try:
        channels = [await connection.channel() for connection in connections]
        queue = f"verdict-test-{uuid.uuid4().hex[:12]}"
        # Declared through the first node, which leads it then (the default leader locator).
        await channels[0].declare_queue(queue, durable=True, arguments={"x-queue-type": "quorum"})
        await channels[1].declare_queue(queue, passive=True)
        listed = await asyncio.to_thread(
            third.ctl, "list_queues", "name", "type", "members", "--formatter", "json"
        )
        assert {"name": queue, "type": "quorum", "members": names} in [
            {**row, "members": sorted(row["members"])} for row in json.loads(listed)
        ]

        # A publisher at work before the kill. (In 3.10, a channel whose first publish to a
        # quorum queue comes while the queue has no leader is nacked, and so is every later
        # publish of that channel to it: for 40 s and more here; a new channel is not.)
        await channels[1].default_exchange.publish(
            aio_pika.Message(b"before the kill"), routing_key=queue, timeout=10
        )
        closed = asyncio.Event()
        connections[0].close_callbacks.add(lambda *_: closed.set())
        await asyncio.to_thread(first.kill)
        await asyncio.wait_for(closed.wait(), timeout=5)  # a killed VM's sockets are reset

        # The other two elect a leader among themselves and go on.
        await channels[1].default_exchange.publish(
            aio_pika.Message(b"after the kill"), routing_key=queue, timeout=30
        )

        # The third node may still take the killed node for the leader for a moment (3.10
        # answers a get then with a connection error, nodedown): read once it knows the new one.
        async def led_by_a_survivor() -> bool:
            listed = await asyncio.to_thread(
                third.ctl, "list_queues", "name", "leader", "--formatter", "json"
            )
            return any(
                row["name"] == queue and row["leader"] != first.name for row in json.loads(listed)
            )

        await wait_until(led_by_a_survivor, what="a leader among the survivors", timeout=60)
        survivor = await channels[2].get_queue(queue, ensure=False)
        for body in (b"before the kill", b"after the kill"):
            message = await survivor.get(timeout=10)
            assert message.body == body
            await message.ack()

        await asyncio.to_thread(first.start)
        assert await asyncio.to_thread(second.running_nodes) == names
        connections[0] = await aio_pika.connect(first.url)
        restarted = await connections[0].channel()
        await restarted.default_exchange.publish(
            aio_pika.Message(b"after the restart"), routing_key=queue, timeout=30
        )
        message = await (await restarted.get_queue(queue, ensure=False)).get(timeout=10)
        assert message.body == b"after the restart"
        await message.ack()
    finally:
        for connection in connections:
            await connection.close()


async def test_a_memory_alarm_blocks_a_publishing_connection_until_it_is_cleared(
    own_node: Node,
) -> None:
    idle = await aio_pika.connect(own_node.url)
    publisher = await aio_pika.connect(own_node.url)
    try:
        channel = await publisher.channel()
        queue = await channel.declare_queue(exclusive=True)

        await asyncio.to_thread(own_node.set_memory_alarm, True)
        # RabbitMQ blocks a connection when it publishes under the alarm, not before.
        await asyncio.sleep(1)
        assert not blocked(publisher)
        publish = asyncio.create_task(
            channel.default_exchange.publish(
                aio_pika.Message(b"held"), routing_key=queue.name, timeout=60
            )
        )

        async def publisher_blocked() -> bool:
            return blocked(publisher)

        await wait_until(publisher_blocked, timeout=10, what="connection.blocked")
        assert not blocked(idle)
        await asyncio.sleep(0.5)
        assert not publish.done()  # not confirmed while the alarm lasts

        await asyncio.to_thread(own_node.set_memory_alarm, False)

        async def publisher_unblocked() -> bool:
            return not blocked(publisher)

        await wait_until(publisher_unblocked, timeout=10, what="connection.unblocked")
        await asyncio.wait_for(publish, timeout=10)
        message = await queue.get(timeout=5)
        assert message.body == b"held"
        await message.ack()
    finally:
        await publisher.close()
        await idle.close()
