"""The fetch stage's pipeline tests: the fake vendor APIs, and the worker's settings pointing
each fetching vendor at them, with the fault tests' short retry delays."""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec
import pytest
from aio_pika.abc import AbstractChannel

from shared.broker import Broker
from shared.settings import Settings
from shared.topology import Topology
from tests.fakes.vendor_apis import VENDORS, FakeVendorApis
from tests.faults.conftest import SHORT_RETRY_DELAYS
from tests.fetch.support import api


@pytest.fixture
async def fake() -> AsyncIterator[FakeVendorApis]:
    async with FakeVendorApis() as fake:
        yield fake


@pytest.fixture
def fetching(config: Settings, fake: FakeVendorApis) -> Settings:
    """``config`` with every fetching vendor's API at the fake."""
    vendors = dict(config.vendor)
    for vendor in VENDORS:
        vendors[vendor] = msgspec.structs.replace(vendors[vendor], api=api(fake, vendor))
    return msgspec.structs.replace(config, vendor=vendors)


@pytest.fixture
def topology(config: Settings) -> Topology:
    return Topology(config.namespace, config.vendors, retry_delays=SHORT_RETRY_DELAYS)


@pytest.fixture
async def broker(
    topology: Topology, config: Settings, channel: AbstractChannel
) -> AsyncIterator[Broker]:
    broker = Broker(config.amqp_url, topology, name="test")
    await broker.connect()
    yield broker
    await broker.close()
