"""Fixtures for the fault tests: short retry delays, control of the broker when allowed, and
RabbitMQ nodes and a cluster of their own (tests/rabbitmq_nodes.py)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Protocol

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
    """A RabbitMQ node of the fault tests' own, from this machine's RabbitMQ, started once; tests
    leave it running and without an alarm."""
    if not FAULTS_ENABLED:
        pytest.skip(FAULTS_SKIPPED)
    with Node() as node:
        node.start()
        yield node


class AlarmNode(Protocol):
    """A broker a test may raise a memory alarm on."""

    @property
    def url(self) -> str: ...

    def set_memory_alarm(self, on: bool) -> None: ...


class OwnBroker:
    """The broker under test as an :class:`AlarmNode`, when it is this run's own
    (``VERDICT_TEST_OWN_BROKER=1``: CI's RabbitMQ 4 container)."""

    def __init__(self, broker: BrokerUnderTest) -> None:
        self.url = broker.url
        self._ctl = broker.rabbitmqctl
        shown = self._ctl("eval", "vm_memory_monitor:get_vm_memory_high_watermark().")
        # A fraction (0.4 on 3.x, 0.6 on 4.x) or {absolute,Bytes}: put back as it was.
        self._usual = shown.strip().strip("{}").replace(",", " ").split()

    def set_memory_alarm(self, on: bool) -> None:
        self._ctl("set_vm_memory_high_watermark", *(("absolute", "1") if on else self._usual))


@pytest.fixture(scope="session")
def alarm_node(rabbitmq: BrokerUnderTest) -> Iterator[AlarmNode]:
    """Where the memory-alarm test raises its alarm: a node of its own from this machine's
    RabbitMQ, or the broker under test when the run owns it (another RabbitMQ version)."""
    if not FAULTS_ENABLED:
        pytest.skip(FAULTS_SKIPPED)
    if os.environ.get("VERDICT_TEST_OWN_BROKER") == "1":
        yield OwnBroker(rabbitmq)
        return
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
