"""Test fixtures. Broker tests use a real RabbitMQ: ``VERDICT_TEST_AMQP_URL`` when it is set,
otherwise one started with testcontainers (needs Docker). With neither, they fail and say so."""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import aio_pika
import msgspec
import pytest
from aio_pika.abc import AbstractChannel, AbstractRobustConnection

from shared.broker import Broker
from shared.settings import DEFAULT_VENDORS, Settings
from shared.topology import Topology, delete
from shared.vendor_settings import Vendor
from tests import leftovers
from tests.support import local_rabbitmqctl

NO_BROKER = (
    "These tests need a real RabbitMQ. Either set VERDICT_TEST_AMQP_URL "
    "(e.g. amqp://guest:guest@localhost:5672/) or make Docker available so testcontainers can "
    "start one."
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that talks to a RabbitMQ (it uses the ``rabbitmq`` fixture, directly or through
    another) is marked ``broker``: CI runs only those again against RabbitMQ 4."""
    for item in items:
        if "rabbitmq" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.broker)


class BrokerUnderTest(msgspec.Struct, frozen=True):
    """The RabbitMQ the tests use, and how to run ``rabbitmqctl`` against it (fault tests); it
    returns what the command printed."""

    url: str
    rabbitmqctl: Callable[..., str]


@pytest.fixture(scope="session")
def rabbitmq() -> Iterator[BrokerUnderTest]:
    url = os.environ.get("VERDICT_TEST_AMQP_URL")
    if url:
        yield BrokerUnderTest(url, local_rabbitmqctl)
        # A broker that outlives the session keeps what its tests left (tests/leftovers.py).
        # Without a rabbitmqctl for it (a broker elsewhere) they stay: CI has one.
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            leftovers.remove(url, local_rabbitmqctl, _namespaces)
        return
    try:
        try:
            from testcontainers.community.rabbitmq import RabbitMqContainer
        except ImportError:  # testcontainers before its modules moved under community
            from testcontainers.rabbitmq import RabbitMqContainer

        container = RabbitMqContainer("rabbitmq:4.0-management")
        container.start()
    except Exception as exc:
        pytest.fail(f"{NO_BROKER} (testcontainers: {type(exc).__name__}: {exc})", pytrace=False)

    def container_rabbitmqctl(*args: str) -> str:
        # Inside the container, so its ports (and so the URL) survive a stop_app/start_app.
        result = container.exec(["rabbitmqctl", *args])
        if result.exit_code != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed in the container")
        return bytes(result.output).decode()

    try:
        params = container.get_connection_params()
        yield BrokerUnderTest(
            f"amqp://{params.credentials.username}:{params.credentials.password}"
            f"@{params.host}:{params.port}/",
            container_rabbitmqctl,
        )
    finally:
        container.stop()


@pytest.fixture(scope="session")
def amqp_url(rabbitmq: BrokerUnderTest) -> str:
    return rabbitmq.url


# Every namespace the session's tests were given, for the ``rabbitmq`` fixture to remove.
_namespaces: set[str] = set()


@pytest.fixture
def namespace() -> str:
    """A namespace of this test's own: nothing it declares is seen by another test."""
    name = f"{leftovers.PREFIX}{uuid.uuid4().hex[:12]}"
    _namespaces.add(name)
    return name


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
    # The verdict processes a test starts declare the production retry queues, whatever
    # shorter delays the test itself uses.
    await delete(cleanup, topology, Topology(topology.namespace, topology.vendors))
    await cleanup.close()


@pytest.fixture
async def broker(config: Settings, channel: AbstractChannel) -> AsyncIterator[Broker]:
    broker = Broker(config.amqp_url, Topology(config.namespace, config.vendors), name="test")
    await broker.connect()
    yield broker
    await broker.close()
