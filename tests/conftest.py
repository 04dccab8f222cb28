"""Test fixtures. Broker tests use a real RabbitMQ: ``VERDICT_TEST_AMQP_URL`` when it is set,
otherwise one started with testcontainers (needs Docker). With neither, they fail and say so."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel, AbstractRobustConnection

from shared.broker import Broker
from shared.settings import DEFAULT_VENDORS, Settings
from shared.topology import Topology, delete
from shared.vendor_settings import Vendor

NO_BROKER = (
    "These tests need a real RabbitMQ. Either set VERDICT_TEST_AMQP_URL "
    "(e.g. amqp://guest:guest@localhost:5672/) or make Docker available so testcontainers can "
    "start one."
)


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    url = os.environ.get("VERDICT_TEST_AMQP_URL")
    if url:
        yield url
        return
    try:
        from testcontainers.rabbitmq import RabbitMqContainer

        container = RabbitMqContainer("rabbitmq:3.13-management")
        container.start()
    except Exception as exc:
        pytest.fail(f"{NO_BROKER} (testcontainers: {type(exc).__name__}: {exc})", pytrace=False)
    try:
        params = container.get_connection_params()
        yield (
            f"amqp://{params.credentials.username}:{params.credentials.password}"
            f"@{params.host}:{params.port}/"
        )
    finally:
        container.stop()


@pytest.fixture
def namespace() -> str:
    """A namespace of this test's own: nothing it declares is seen by another test."""
    return f"verdict-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def config(amqp_url: str, namespace: str) -> Settings:
    # Vendor authentication has no default; these tests are about the pipeline, so every vendor
    # accepts unauthenticated webhooks, chosen explicitly (tests/ingress tests authentication).
    return Settings(
        amqp_url=amqp_url,
        namespace=namespace,
        publish_timeout=5.0,
        drain_timeout=5.0,
        vendor={vendor: Vendor(auth=("none",)) for vendor in DEFAULT_VENDORS},
    )


@pytest.fixture
def topology(config: Settings) -> Topology:
    return Topology(config.namespace, config.vendors)


@pytest.fixture
async def connection(amqp_url: str) -> AsyncIterator[AbstractRobustConnection]:
    connection = await aio_pika.connect_robust(amqp_url)
    yield connection
    await connection.close()


@pytest.fixture
async def channel(
    connection: AbstractRobustConnection, topology: Topology
) -> AsyncIterator[AbstractChannel]:
    """A channel for the test to look at queues with; declares the topology, deletes it after."""
    channel = await connection.channel()
    await topology.declare(channel)
    yield channel
    cleanup = await connection.channel()
    await delete(cleanup, topology)
    await cleanup.close()


@pytest.fixture
async def broker(config: Settings, channel: AbstractChannel) -> AsyncIterator[Broker]:
    broker = Broker(config.amqp_url, Topology(config.namespace, config.vendors), name="test")
    await broker.connect()
    yield broker
    await broker.close()
