"""shared/broker.py against the real broker and against addresses that fail in the ways real ones
do: refusing, or taking the connection and closing it at once (a container's port forwarder
whose broker is down)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aio_pika.abc import AbstractChannel
from pamqp import commands, frame

from shared.broker import Broker
from shared.settings import Settings
from shared.topology import Topology

# What RabbitMQ says to open a connection: start, tune, open-ok.
_HANDSHAKE = [
    frame.marshal(command, 0)
    for command in (
        commands.Connection.Start(
            server_properties={"capabilities": {"publisher_confirms": True, "basic.nack": True}},
            mechanisms="PLAIN",
            locales="en_US",
        ),
        commands.Connection.Tune(channel_max=2047, frame_max=131072, heartbeat=60),
        commands.Connection.OpenOk(),
    )
]


@pytest.fixture
async def hangs_up() -> AsyncIterator[str]:
    """An address that opens the AMQP connection, then closes the socket: as RabbitMQ 4 did
    while starting up behind a container's port forwarder (aiormq then raises a bare
    Exception, which once ended the reconnecting for good)."""

    async def open_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readexactly(8)  # the protocol header
        start, tune, open_ok = _HANDSHAKE
        for step in (start, tune):
            writer.write(step)
            await writer.drain()
            await asyncio.sleep(0.05)  # start-ok; then tune-ok and open
            await reader.read(4096)
        writer.write(open_ok)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(open_then_close, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"amqp://guest:secret@127.0.0.1:{port}/"


async def test_addresses_that_fail_are_skipped_for_one_that_answers(
    config: Settings, topology: Topology, channel: AbstractChannel, hangs_up: str
) -> None:
    refuses = "amqp://guest:secret@127.0.0.1:1/"
    broker = Broker([refuses, hangs_up, config.amqp_url], topology, name="test-addresses")
    broker.start()
    try:
        await broker.wait_connected(timeout=30)
        assert broker.ready
        assert broker.address is not None
        assert "secret" not in broker.address
    finally:
        await broker.close()


async def test_a_broker_that_keeps_hanging_up_is_tried_again_and_again(
    topology: Topology, hangs_up: str
) -> None:
    broker = Broker([hangs_up], topology, name="test-hangs-up")
    broker.start()
    try:
        await asyncio.sleep(2)  # backing off: 0.5 s, 1 s, ...
        assert not broker.ready
        assert broker._task is not None
        assert not broker._task.done(), "the reconnecting task died"
    finally:
        await broker.close()
