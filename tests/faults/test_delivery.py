"""Nothing accepted is lost, and one vendor's trouble does not hold up the others."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping

import msgspec
import pytest
from aio_pika.abc import AbstractChannel
from aiohttp.test_utils import TestClient, TestServer

from ingress.app import create_app
from shared import outcome
from shared.broker import Broker
from shared.settings import Settings
from shared.topology import DELIVERY_LIMIT, Topology
from tests.faults.support import (
    UNDECODABLE,
    Ledger,
    classifiable,
    depth,
    mixed_webhooks,
    publish_inbound,
    running_worker,
)
from tests.support import Client, take
from workers import settle
from workers.vendors import CLASSIFIERS
from workers.vendors.base import Classification

CRASH = b'{"crash": "the adapter has a bug for this one"}'


def crashing_on(vendor: str) -> dict[str, object]:
    """The real classifiers, except that ``vendor``'s raises on one particular body."""
    real = CLASSIFIERS[vendor]

    def classify(body: bytes, headers: Mapping[str, str]) -> Classification:
        if body == CRASH:
            raise RuntimeError("a bug")
        return real(body, headers)

    return {**CLASSIFIERS, vendor: classify}


@pytest.fixture
async def client(config: Settings, broker: Broker) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(config, broker))) as client:
        yield client


async def test_every_accepted_webhook_is_an_outcome_or_a_dead_letter(
    config: Settings, broker: Broker, channel: AbstractChannel, topology: Topology, client: Client
) -> None:
    webhooks = mixed_webhooks(per_vendor=15)
    accepted: dict[str, bytes] = {}
    async with running_worker(config, broker):
        for vendor, body in webhooks:
            response = await client.post(f"/webhooks/{vendor}", data=body)
            assert response.status == 202
            accepted[(await response.json())["message_id"]] = body
        ledger = Ledger(channel, topology)
        await ledger.wait_for(accepted)

    for message_id, body in accepted.items():
        if body == UNDECODABLE:
            assert [d.reason for d in ledger.dead[message_id]] == ["undecodable"]
            assert message_id not in ledger.outcomes
        else:
            assert message_id in ledger.outcomes
            assert message_id not in ledger.dead
    assert sum(body == UNDECODABLE for body in accepted.values()) == len(webhooks) // 5


async def test_poison_is_dead_lettered_after_the_delivery_limit_and_others_keep_flowing(
    config: Settings, broker: Broker, channel: AbstractChannel, topology: Topology
) -> None:
    # One message at a time per vendor: if the poison message held its queue, nothing behind
    # it would get through.
    one_at_a_time = msgspec.structs.replace(config, prefetch=1)
    poison = await publish_inbound(broker, "idwise", CRASH)
    good = [await publish_inbound(broker, "idwise", b) for b in classifiable("idwise", 20)]
    good += [await publish_inbound(broker, "metamap", b) for b in classifiable("metamap", 20)]

    async with running_worker(one_at_a_time, broker, crashing_on("idwise")):  # type: ignore[arg-type]
        ledger = Ledger(channel, topology)
        await ledger.wait_for([poison, *good])

    assert all(message_id in ledger.outcomes for message_id in good)
    [letter] = ledger.dead[poison]
    assert (letter.kind, letter.reason) == ("poison", settle.HANDLER_ERROR)
    assert letter.attempts == DELIVERY_LIMIT + 1
    assert letter.error is not None
    assert letter.error.startswith("RuntimeError at test_delivery.py:")
    assert poison not in ledger.outcomes


async def test_a_flood_from_one_vendor_does_not_hold_up_another(
    config: Settings, broker: Broker, channel: AbstractChannel, topology: Topology
) -> None:
    bodies = classifiable("metamap", 10)
    flood = 2000
    for start in range(0, flood, 200):
        await asyncio.gather(
            *(publish_inbound(broker, "metamap", bodies[i % 10]) for i in range(start, start + 200))
        )
    [w2_body] = classifiable("w2", 1)
    late = await publish_inbound(broker, "w2", w2_body)
    # A consumer's own queue for W2's outcomes, as README.md suggests.
    w2_outcomes = await channel.declare_queue(f"{topology.namespace}.w2-only", auto_delete=True)
    await w2_outcomes.bind(topology.outcomes_exchange, routing_key="*.w2.#")

    async with running_worker(config, broker):
        [event] = await take(channel, w2_outcomes.name, timeout=30)
        # W2's one webhook, queued after the whole flood, came out while the flood was still
        # queued: each vendor has its own queue and its own prefetch window.
        assert await depth(channel, topology.inbound_queue("metamap")) > 0
    assert outcome.decode(event.body).ingress_message_id == late
    await w2_outcomes.delete(if_unused=False, if_empty=False)
