"""A 3-node RabbitMQ cluster loses the node the ingress and the worker are connected to (SIGKILL,
mid-stream): both move to another node by themselves, and every webhook answered 202 comes out.

The processes get all three addresses in VERDICT_AMQP_URL, the killed node's first; the queues
were declared through it, so it also led them. Runs only with VERDICT_TEST_FAULTS=1.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import msgspec
import pytest
from aio_pika.abc import AbstractChannel

from shared.settings import Settings
from shared.topology import Topology
from tests.faults.support import (
    Ledger,
    Poster,
    environment,
    finish,
    namespace_channel,
    started,
)
from tests.rabbitmq_nodes import Cluster

# Nodes of the tests' own, from this machine's RabbitMQ (tests/rabbitmq_nodes.py).
pytestmark = [pytest.mark.faults, pytest.mark.own_nodes]

POSTERS = 4


@pytest.fixture
def user(cluster: Cluster) -> tuple[str, str]:
    """A user with a password of its own, to look for in the logs."""
    name, password = f"verdict-{secrets.token_hex(4)}", secrets.token_hex(16)
    node = cluster.nodes[1]
    node.ctl("add_user", name, password)
    node.ctl("set_permissions", "-p", "/", name, ".*", ".*", ".*")
    return name, password


@pytest.fixture
async def survivor(cluster: Cluster, topology: Topology) -> AsyncIterator[AbstractChannel]:
    """A channel on the second node, which stays up. It declares nothing: the processes
    declare the queues through the first node, which then leads them."""
    async with namespace_channel(cluster.nodes[1].url, topology, declare=False) as channel:
        yield channel


async def test_losing_the_node_the_processes_are_connected_to(
    cluster: Cluster,
    user: tuple[str, str],
    config: Settings,
    topology: Topology,
    survivor: AbstractChannel,
    tmp_path: Path,
) -> None:
    first = cluster.nodes[0]
    name, password = user
    addresses = [f"amqp://{name}:{password}@127.0.0.1:{node.port}/" for node in cluster.nodes]
    env = environment(msgspec.structs.replace(config, amqp_url=",".join(addresses)))
    base = f"http://127.0.0.1:{env['VERDICT_HTTP_PORT']}"
    ingress = await started(env, tmp_path / "ingress.log", "ingress")
    worker = await started(env, tmp_path / "worker.log", "worker")
    try:
        async with aiohttp.ClientSession() as session:
            posters = [Poster(session, base) for _ in range(POSTERS)]
            posting = [asyncio.create_task(poster.run()) for poster in posters]
            for poster in posters:
                await poster.until_accepted(20)

            await asyncio.to_thread(first.kill)
            for poster in posters:
                await poster.until_accepted(40)
            for poster in posters:
                poster.running = False
            await asyncio.gather(*posting)
        accepted = [message_id for poster in posters for message_id in poster.accepted]
        try:
            await Ledger(survivor, topology).wait_for(accepted, timeout=120)
        except AssertionError as exc:
            # Where they are: held by the worker (unacknowledged), or in a queue's own state.
            queues = cluster.nodes[1].ctl(
                "list_queues", "name", "messages", "messages_ready",
                "messages_unacknowledged", "consumers", "leader", "--formatter", "json",
            )  # fmt: skip
            held = [row for row in json.loads(queues) if topology.namespace in row["name"]]
            raise AssertionError(f"{exc}; queues: {[r for r in held if r['messages']]}") from None
    finally:
        assert finish(ingress) == 0
        assert finish(worker) == 0
        await asyncio.to_thread(first.start)  # the cluster whole again, for the next test

    for log in ("ingress.log", "worker.log"):
        text = (tmp_path / log).read_text()
        assert password not in text, f"{log} shows the password"
        lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        moves = [line for line in lines if line["event"] in ("broker_connected",
                 "broker_connection_lost", "broker_reconnected")]  # fmt: skip
        killed = f"127.0.0.1:{first.port}/"
        assert [line["event"] for line in moves] == [
            "broker_connected",
            "broker_connection_lost",
            "broker_reconnected",
        ], log
        assert moves[0]["broker"] == f"amqp://{name}:***@{killed}"
        assert moves[1]["broker"].endswith(killed)
        assert not moves[2]["broker"].endswith(killed)
        assert ":***@" in moves[2]["broker"]
