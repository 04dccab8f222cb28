"""examples/consumer.py, as documented in docs/consumers.md, on the real broker."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel

from examples import consumer
from shared import outcome
from shared.outcome import Outcome, OutcomeEvent
from shared.settings import DEFAULT_VENDORS
from shared.topology import Topology


def _event(vendor: str, result: Outcome, event_id: str) -> OutcomeEvent:
    return OutcomeEvent(
        id=event_id,
        vendor=vendor,
        event="step_completed",
        outcome=result,
        received_at=datetime.now(UTC),
        ingress_message_id="m-1",
    )


def test_the_default_exchange_is_the_pipelines() -> None:
    assert Topology("verdict", DEFAULT_VENDORS).outcomes_exchange == consumer.OUTCOMES_EXCHANGE


async def test_pattern_binding_and_dedupe_by_id(
    channel: AbstractChannel, topology: Topology
) -> None:
    queue = await consumer.bind(
        channel, f"{topology.namespace}.consumer", ["*.metamap.#"], topology.outcomes_exchange
    )
    exchange = await channel.get_exchange(topology.outcomes_exchange)
    metamap = _event("metamap", Outcome.FAIL, "id-1")
    for event in (metamap, metamap, _event("idwise", Outcome.PASS, "id-2")):
        await exchange.publish(
            aio_pika.Message(outcome.encode(event), message_id=event.id),
            routing_key=event.routing_key,
        )

    handled: list[dict[str, Any]] = []
    seen = consumer.SeenIds()
    deadline = time.monotonic() + 10
    received = 0
    while received < 2 and time.monotonic() < deadline:
        message = await queue.get(fail=False)
        if message is None:
            await asyncio.sleep(0.02)
            continue
        received += 1
        await consumer.receive(message, seen, handled.append)

    # The duplicate was acknowledged and dropped; the IDWise event never reached this queue.
    assert [event["id"] for event in handled] == ["id-1"]
    assert handled[0]["outcome"] == "fail"
    assert await queue.get(fail=False) is None
    await queue.delete(if_unused=False, if_empty=False)


def test_seen_ids_forget_the_oldest_beyond_capacity() -> None:
    seen = consumer.SeenIds(capacity=2)
    assert seen.first_time("a")
    assert seen.first_time("b")
    assert not seen.first_time("a")
    assert seen.first_time("c")  # "b" is now the oldest and is forgotten
    assert seen.first_time("b")
