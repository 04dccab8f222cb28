"""The fetch stage's pipeline tests: the fake vendor APIs, and the worker's settings pointing
each fetching vendor at them, with the fault tests' short retry delays."""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec
import pytest

from shared.settings import Settings
from tests.fakes.vendor_apis import VENDORS, FakeVendorApis
from tests.faults import conftest as fault_fixtures
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


# The fault tests' topology (their short retry delays) and a broker connected with it.
topology = fault_fixtures.topology
broker = fault_fixtures.broker
