"""The connection to RabbitMQ: robust (it reconnects by itself), confirm channels, the topology.

A process starts even while the broker is down: :meth:`Broker.start` keeps trying in the
background, ``ready`` stays False meanwhile, and the ingress answers 503 until it connects.
Once connected, aio-pika's robust connection reconnects by itself when the broker goes away:
it reopens the channels, declares the topology again and restores the consumers. Meanwhile
:meth:`Broker.exchange` refuses at once, so nothing waits for the broker to come back.
"""

from __future__ import annotations

import asyncio
import contextlib

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractRobustConnection
from yarl import URL

from shared import logging, metrics
from shared.topology import Topology

log = logging.get("verdict.broker")

_FIRST_BACKOFF = 0.5
_MAX_BACKOFF = 10.0
# Seconds between aio-pika's attempts to reconnect a connection that was up and was lost.
_RECONNECT_INTERVAL = 1.0


def redact(url: str) -> str:
    """The broker URL without its password, for logs and errors."""
    parsed = URL(url)
    return str(parsed.with_password("***")) if parsed.password else url


class Broker:
    def __init__(self, url: str, topology: Topology, *, name: str) -> None:
        self.url = url
        self.topology = topology
        self.name = name
        self.connection: AbstractRobustConnection | None = None
        self.channel: AbstractChannel | None = None
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        metrics.track_broker(name, lambda: self.ready)

    @property
    def ready(self) -> bool:
        """Connected, with an open channel that can publish."""
        return (
            self.connection is not None
            and not self.connection.is_closed
            and self.connection.connected.is_set()
            and self.channel is not None
            and not self.channel.is_closed
        )

    def start(self) -> None:
        """Connect in the background, retrying with backoff until the broker answers."""
        self._task = asyncio.create_task(self._connect_until_up(), name=f"{self.name}-connect")

    async def wait_connected(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def connect(self) -> None:
        """Connect once and declare the topology; raises if the broker cannot be reached."""
        connection = await aio_pika.connect_robust(
            self.url,
            client_properties={"connection_name": self.name},
            reconnect_interval=_RECONNECT_INTERVAL,
        )
        try:
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            await self.topology.declare(channel)
        except BaseException:
            await connection.close()
            raise
        self.connection, self.channel = connection, channel
        connection.close_callbacks.add(self._on_lost)
        connection.reconnect_callbacks.add(self._on_reconnected)
        self._connected.set()
        log.info("broker_connected", broker=redact(self.url))

    def _on_lost(self, *_: object) -> None:
        if self.connection is not None and not self.connection.close_called:
            log.warning("broker_connection_lost", broker=redact(self.url))

    def _on_reconnected(self, *_: object) -> None:
        log.info("broker_reconnected", broker=redact(self.url))

    async def _connect_until_up(self) -> None:
        backoff = _FIRST_BACKOFF
        while True:
            try:
                await self.connect()
            except (TimeoutError, OSError, aio_pika.exceptions.AMQPError) as exc:
                log.warning(
                    "broker_unreachable",
                    broker=redact(self.url),
                    error=type(exc).__name__,
                    retry_in=backoff,
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF)
            else:
                return

    async def exchange(self, name: str) -> AbstractExchange:
        # While reconnecting, a robust channel would make a publish wait for the broker; refuse
        # at once instead (the ingress answers 503, the worker retries or requeues).
        if self.channel is None or not self.ready:
            raise ConnectionError("not connected to the broker")
        return await self.channel.get_exchange(name, ensure=False)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.connection is not None:
            await self.connection.close()
