"""Test fixtures. Broker tests use a real RabbitMQ: ``VERDICT_TEST_AMQP_URL`` when it is set,
otherwise one started with testcontainers (needs Docker). With neither, they fail and say so."""

from __future__ import annotations

import os
import shlex
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

NO_BROKER = (
    "These tests need a real RabbitMQ. Either set VERDICT_TEST_AMQP_URL "
    "(e.g. amqp://guest:guest@localhost:5672/) or make Docker available so testcontainers can "
    "start one."
)


class BrokerUnderTest(msgspec.Struct, frozen=True):
    """The RabbitMQ the tests use, and how to run ``rabbitmqctl`` against it (fault tests); it
    returns what the command printed."""

    url: str
    rabbitmqctl: Callable[..., str]


def _local_rabbitmqctl(*args: str) -> str:
    # VERDICT_TEST_RABBITMQCTL: how to reach the broker's rabbitmqctl, when it is not this
    # machine's (CI's RabbitMQ 4 container: "docker exec NAME rabbitmqctl").
    ctl = shlex.split(os.environ.get("VERDICT_TEST_RABBITMQCTL", "rabbitmqctl"))
    node = os.environ.get("VERDICT_TEST_RABBITMQ_NODE")
    command = [*ctl, *(("-n", node) if node else ()), *args]
    done = subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)
    return done.stdout


@pytest.fixture(scope="session")
def rabbitmq() -> Iterator[BrokerUnderTest]:
    url = os.environ.get("VERDICT_TEST_AMQP_URL")
    if url:
        yield BrokerUnderTest(url, _local_rabbitmqctl)
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
    # The verdict processes a test starts declare the production retry queues, whatever
    # shorter delays the test itself uses.
    await delete(cleanup, Topology(topology.namespace, topology.vendors))
    await cleanup.close()


@pytest.fixture
async def broker(config: Settings, channel: AbstractChannel) -> AsyncIterator[Broker]:
    broker = Broker(config.amqp_url, Topology(config.namespace, config.vendors), name="test")
    await broker.connect()
    yield broker
    await broker.close()
