"""Ingress tests: the real app, with the vendor settings a test chooses, on the real broker."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from aio_pika.abc import AbstractChannel
from aiohttp.test_utils import TestClient, TestServer

from ingress.app import create_app
from shared import messages, vendor_settings
from shared.broker import Broker
from shared.settings import Settings
from shared.topology import Topology
from tests.ingress.helpers import Accept, NothingPublished, StartIngress, configured
from tests.support import Client, depth, take


@pytest.fixture
async def ingress(config: Settings, broker: Broker) -> AsyncIterator[StartIngress]:
    async with contextlib.AsyncExitStack() as stack:

        async def start(*, read_timeout: float = 30.0, **vendors: dict[str, Any]) -> Client:
            settings = msgspec.structs.replace(
                configured(config, **vendors), read_timeout=read_timeout
            )
            client = TestClient(TestServer(create_app(settings, broker)))
            return await stack.enter_async_context(client)

        yield start


@pytest.fixture
def nothing_published(channel: AbstractChannel, topology: Topology) -> NothingPublished:
    """Asserts that no vendor queue holds a message: what was refused never reached the broker."""

    async def check() -> None:
        for vendor in topology.vendors:
            assert await depth(channel, topology.inbound_queue(vendor)) == 0, vendor

    return check


@pytest.fixture
def accept(channel: AbstractChannel, topology: Topology) -> Accept:
    async def post(
        client: Client, vendor: str, headers: dict[str, str], body: bytes
    ) -> messages.Inbound:
        response = await client.post(f"/webhooks/{vendor}", data=body, headers=headers)
        # 202, or the 200 a vendor asks for (Jumio, Veriff).
        expected = vendor_settings.defaults(vendor).accepted_status
        assert response.status == expected, await response.text()
        [message] = await take(channel, topology.inbound_queue(vendor))
        assert message.body == body
        return messages.read_inbound(message)

    return post
