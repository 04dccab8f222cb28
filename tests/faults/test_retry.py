"""Transient failures: an outcome the broker will not confirm goes round the TTL retry queues."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aio_pika.abc import AbstractChannel

from shared.broker import Broker
from shared.outcome import Outcome
from shared.publisher import Publisher
from shared.settings import Settings
from shared.topology import RETRY_DELAYS_SECONDS, Topology
from tests.faults.support import (
    Ledger,
    classifiable,
    depth,
    publish_inbound,
    running_worker,
    wait_until,
)
from tests.support import take
from workers import deadletter, settle
from workers.deadletter import DeadLetter


@pytest.fixture
async def outcomes_unroutable(
    channel: AbstractChannel, topology: Topology
) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """No outcome queue bound: the broker returns every outcome the worker publishes, which the
    worker sees as not confirmed. Yields a function that binds them again."""
    queues = {kind: await channel.get_queue(topology.outcome_queue(kind)) for kind in Outcome}
    for kind, queue in queues.items():
        await queue.unbind(topology.outcomes_exchange, routing_key=f"{kind.value}.#")

    async def restore() -> None:
        for kind, queue in queues.items():
            await queue.bind(topology.outcomes_exchange, routing_key=f"{kind.value}.#")

    yield restore
    await restore()


def test_production_delays_are_the_documented_ones() -> None:
    assert RETRY_DELAYS_SECONDS == (1, 10, 60, 300)


async def test_unconfirmed_outcome_comes_back_through_the_retry_queue(
    config: Settings,
    broker: Broker,
    channel: AbstractChannel,
    topology: Topology,
    outcomes_unroutable: Callable[[], Awaitable[None]],
) -> None:
    [body] = classifiable("idwise", 1)
    ledger = Ledger(channel, topology)
    async with running_worker(config, broker):
        message_id = await publish_inbound(broker, "idwise", body)
        first_retry = topology.retry_queue("idwise", topology.retry_delays[0])

        async def waiting_to_retry() -> bool:
            return await depth(channel, first_retry) == 1

        await wait_until(waiting_to_retry, what="the message in the first retry queue")
        # The broker takes outcomes again before the delay is over.
        await outcomes_unroutable()
        await ledger.wait_for([message_id], timeout=15)

    [event] = ledger.outcomes[message_id]
    assert event.vendor == "idwise"
    assert message_id not in ledger.dead


async def test_retries_run_out_into_the_dead_letter_queue(
    config: Settings,
    broker: Broker,
    channel: AbstractChannel,
    topology: Topology,
    outcomes_unroutable: Callable[[], Awaitable[None]],
) -> None:
    [body] = classifiable("metamap", 1)
    ledger = Ledger(channel, topology)
    async with running_worker(config, broker):
        message_id = await publish_inbound(broker, "metamap", body)
        await ledger.wait_for([message_id], timeout=20)

    [letter] = ledger.dead[message_id]
    assert message_id not in ledger.outcomes
    assert letter == DeadLetter(
        message_id=message_id,
        vendor="metamap",
        kind="transient",
        reason=settle.RETRIES_EXHAUSTED,
        error=f"{settle.NOT_CONFIRMED_REASON}: PublishError",
        attempts=len(topology.retry_delays) + 1,
        first_failed_at=letter.first_failed_at,
        last_failed_at=letter.last_failed_at,
        size=len(body),
    )
    assert letter.first_failed_at is not None
    assert letter.last_failed_at is not None
    assert letter.first_failed_at < letter.last_failed_at


async def test_a_copy_that_cannot_be_encoded_is_dead_lettered_by_the_broker(
    broker: Broker, channel: AbstractChannel, topology: Topology
) -> None:
    # Nothing a broker sends decodes to a value AMQP cannot encode; a header forced in stands
    # for one, so that the worker's last resort is shown to lose nothing.
    publisher = Publisher(broker, timeout=5.0)
    settler = settle.Settler(broker, publisher)
    await publish_inbound(broker, "idwise", b"not json")
    message = await (await channel.get_queue(topology.inbound_queue("idwise"))).get(timeout=5)
    message.headers["unencodable"] = object()  # type: ignore[assignment]

    async def undecodable() -> None:
        raise settle.Permanent("undecodable", "not JSON")

    assert await settler.settle(message, undecodable()) is settle.Settled.DEAD_LETTERED
    [dead] = await take(channel, topology.dead_letter_queue)
    assert dead.body == b"not json"
    letter = deadletter.read(dead, dead.routing_key)
    assert (letter.kind, letter.reason) == (deadletter.BROKER, "rejected")
    await publisher.close()
