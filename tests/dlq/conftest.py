"""The dead-letter tests share the fault tests' fixtures (short retry delays, own broker), and
have dead letters of every origin made for them."""

from __future__ import annotations

import msgspec
import pytest
from aio_pika.abc import AbstractChannel

from shared.broker import Broker
from shared.settings import Settings
from shared.topology import Topology
from tests.dlq.support import ACME, Letters
from tests.faults.conftest import broker, topology
from tests.faults.support import (
    UNDECODABLE,
    depth,
    make_broker_poison,
    publish_inbound,
    running_worker,
    wait_until,
)

__all__ = ["broker", "config", "letters", "topology"]


@pytest.fixture
def config(config: Settings) -> Settings:
    return msgspec.structs.replace(config, vendors=(*config.vendors, ACME))


@pytest.fixture
async def letters(
    config: Settings, broker: Broker, channel: AbstractChannel, topology: Topology
) -> Letters:
    """Dead letters of every origin, dead-lettered one at a time so their order is known: one
    the broker dead-lettered (delivery limit), three undecodable, two without an adapter."""
    poison = await make_broker_poison(channel, topology, "metamap")
    made = [poison]

    async def arrived() -> bool:
        return await depth(channel, topology.dead_letter_queue) == len(made)

    await wait_until(arrived, what="the poison message in the dead-letter queue")
    async with running_worker(config, broker):
        for vendor, body in [
            ("idwise", UNDECODABLE),
            ("w2", UNDECODABLE),
            ("incode", UNDECODABLE),
            (ACME, b'{"event": "x"}'),
            (ACME, b'{"event": "y"}'),
        ]:
            made.append(await publish_inbound(broker, vendor, body))
            await wait_until(arrived, what="a dead letter")
    return Letters(poison=poison, undecodable=made[1:4], no_adapter=made[4:])
