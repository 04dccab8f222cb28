"""The deploy tier: deploy/compose.yaml brought up for real, with the image built from
deploy/Dockerfile. Runs with ``VERDICT_TEST_STACK=1`` (.ci/run sets it, after building the images
the files name, or their stand-ins, with ../shared/tools/local-images.sh); needs Docker with
Compose v2. Its published ports are free ones of its own, so a broker already on this machine's
5672 is never touched; its project name is its own, so nothing of another stack is either."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel, AbstractRobustConnection

from shared.topology import Topology
from tests.deploy.manifests import DEPLOY
from tests.faults.support import free_port
from tests.stack.support import Stack

ENABLED = os.environ.get("VERDICT_TEST_STACK") == "1"
SKIPPED = (
    "brings up deploy/compose.yaml with Docker: run with VERDICT_TEST_STACK=1 (.ci/run sets it), "
    "with Docker, Compose v2 and the images it names (or their stand-ins: "
    "../shared/tools/local-images.sh && ../shared/tools/local-images.sh rabbitmq4)"
)
# Debian's docker client: BuildKit is built in (the one in /usr/local/bin has no buildx here).
DOCKER = "/usr/bin/docker" if os.path.exists("/usr/bin/docker") else (shutil.which("docker") or "")


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    if not ENABLED:
        pytest.skip(SKIPPED)
    if not DOCKER:
        pytest.fail("VERDICT_TEST_STACK=1 but there is no docker client", pytrace=False)
    env = {
        **os.environ,
        "VERDICT_PUBLISH_ADDRESS": "127.0.0.1",
        "VERDICT_AMQP_HOST_PORT": str(free_port()),
        "VERDICT_MANAGEMENT_HOST_PORT": str(free_port()),
        "VERDICT_HTTP_HOST_PORT": str(free_port()),
    }
    stack = Stack(
        docker=DOCKER,
        compose_file=DEPLOY / "compose.yaml",
        project=f"verdict-test-{uuid.uuid4().hex[:8]}",
        env=env,
    )
    try:
        stack.compose("build", timeout=600)
        stack.compose("up", "--detach", "--wait", "--wait-timeout", "180", timeout=240)
        yield stack
    finally:
        stack.compose("down", "--volumes", "--remove-orphans", "--timeout", "10", check=False)


@pytest.fixture
async def stack_channel(stack: Stack) -> AsyncIterator[AbstractChannel]:
    connection: AbstractRobustConnection = await aio_pika.connect_robust(stack.amqp_url)
    channel = await connection.channel()
    yield channel
    await connection.close()


@pytest.fixture
async def seen(stack: Stack) -> AsyncIterator[str]:
    """A durable queue of the test's own bound to the outcomes and dead-letter exchanges: it
    sees every event the stack routes from now on, and survives the broker's restart."""
    topology = Topology("verdict", ())
    name = f"verdict.test-seen-{uuid.uuid4().hex[:8]}"
    async with await aio_pika.connect(stack.amqp_url) as connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(
            name, durable=True, arguments={"x-queue-type": "quorum"}
        )
        await queue.bind(topology.outcomes_exchange, "#")
        await queue.bind(topology.dead_exchange, "#")
    yield name
    async with await aio_pika.connect(stack.amqp_url) as connection:
        channel = await connection.channel()
        await channel.queue_delete(name)
