"""Fixtures for the fault tests: short retry delays, control of the broker when allowed, and
RabbitMQ nodes and a cluster of their own (tests/rabbitmq_nodes.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from aio_pika.abc import AbstractChannel

from shared.broker import Broker
from shared.settings import Settings
from shared.topology import Topology
from tests.conftest import BrokerUnderTest
from tests.faults.support import FAULTS_ENABLED, FAULTS_SKIPPED, BrokerControl
from tests.rabbitmq_nodes import Cluster, Node

# Production waits 1 s, 10 s, 60 s, 300 s; the same path with delays a test can wait for.
SHORT_RETRY_DELAYS = (0.5, 1.0)


@pytest.fixture
def topology(config: Settings) -> Topology:
    return Topology(config.namespace, config.vendors, retry_delays=SHORT_RETRY_DELAYS)


@pytest.fixture
async def broker(
    topology: Topology, config: Settings, channel: AbstractChannel
) -> AsyncIterator[Broker]:
    """Connected, with this test's topology (the short retry delays)."""
    broker = Broker(config.amqp_url, topology, name="test")
    await broker.connect()
    yield broker
    await broker.close()


@pytest.fixture
def broker_control(rabbitmq: BrokerUnderTest) -> Iterator[BrokerControl]:
    """Stops and starts the broker; always leaves it running."""
    if not FAULTS_ENABLED:
        pytest.skip(FAULTS_SKIPPED)
    control = BrokerControl(rabbitmq.rabbitmqctl)
    try:
        yield control
    finally:
        control.start()


@pytest.fixture(scope="session")
def own_node() -> Iterator[Node]:
    """A RabbitMQ node of the fault tests' own (memory alarms), started once; tests leave it
    running and without an alarm."""
    if not FAULTS_ENABLED:
        pytest.skip(FAULTS_SKIPPED)
    with Node() as node:
        node.start()
        yield node


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """Three RabbitMQ nodes of the fault tests' own, clustered, started once (about 15 s); a test
    that kills a node starts it again."""
    if not FAULTS_ENABLED:
        pytest.skip(FAULTS_SKIPPED)
    with Cluster(3) as cluster:
        cluster.start()
        yield cluster
