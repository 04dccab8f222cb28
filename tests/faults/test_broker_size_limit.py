"""The broker's own limit on a message (``max_message_size``) below the ingress's body limit: a
body between the two is answered 413, not a 503 its vendor would retry for ever.

RabbitMQ 4 refuses messages over 16 MiB by default; 3.x over 128 MiB. The test lowers the
broker's limit to 1 MiB (and puts it back): runs only with VERDICT_TEST_FAULTS=1.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from aio_pika.abc import AbstractChannel
from aiohttp.test_utils import TestClient, TestServer

from ingress.app import create_app
from shared.broker import Broker
from shared.settings import Settings
from shared.topology import Topology
from tests.conftest import BrokerUnderTest
from tests.faults.support import FAULTS_ENABLED, FAULTS_SKIPPED
from tests.support import depth, take

pytestmark = pytest.mark.faults

BROKER_LIMIT = 1024 * 1024


# RabbitMQ reads the limit from its application environment at each connection (3.x), or
# from a persistent term set at boot (4.x): set both.
_SET = (
    "application:set_env(rabbit, max_message_size, {0}),"
    " persistent_term:put(max_message_size, {0})."
)


@pytest.fixture
def broker_limit(rabbitmq: BrokerUnderTest) -> Iterator[int]:
    if not FAULTS_ENABLED:
        pytest.skip(FAULTS_SKIPPED)
    shown = rabbitmq.rabbitmqctl("eval", "application:get_env(rabbit, max_message_size).")
    match = re.search(r"\{ok,(\d+)\}", shown)
    assert match, shown
    rabbitmq.rabbitmqctl("eval", _SET.format(BROKER_LIMIT))
    try:
        yield BROKER_LIMIT
    finally:
        rabbitmq.rabbitmqctl("eval", _SET.format(match.group(1)))


async def test_a_body_the_broker_refuses_as_too_large_is_413(
    broker_limit: int, config: Settings, topology: Topology, channel: AbstractChannel
) -> None:
    broker = Broker(config.amqp_url, topology, name="test-size-limit")
    await broker.connect()  # after the limit was lowered: RabbitMQ reads it per connection
    try:
        async with TestClient(TestServer(create_app(config, broker))) as client:
            response = await client.post("/webhooks/w2", data=io.BytesIO(b"x" * (broker_limit + 1)))
            assert response.status == 413
            answer = await response.json()
            assert answer["error"] == "body_too_large"
            assert answer["message"] == f"the broker's limit is {broker_limit} bytes"
            assert await depth(channel, topology.inbound_queue("w2")) == 0

            # The publisher moved on to a new channel: the next webhook is stored.
            response = await client.post("/webhooks/w2", data=io.BytesIO(b"x" * broker_limit))
            assert response.status == 202
            [message] = await take(channel, topology.inbound_queue("w2"))
            assert len(message.body) == broker_limit
    finally:
        await broker.close()
