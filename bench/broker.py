"""The benchmark's own namespace on the broker: declared, filled, counted, emptied, deleted."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import aio_pika
import msgspec
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractRobustConnection

from bench.bodies import Body
from shared import messages
from shared.outcome import Outcome, OutcomeEvent
from shared.topology import Topology, delete
from workers import pipeline

# Where the worker will send a prefilled message (exchange, routing key), so that B3 sends each
# to the same place: the same queues, the same fan-out, the same dead letters.
DESTINATION_EXCHANGE = "bench-destination-exchange"
DESTINATION_KEY = "bench-destination-key"


class BenchBroker:
    def __init__(self, connection: AbstractRobustConnection, topology: Topology) -> None:
        self.connection = connection
        self.topology = topology
        self._channel: AbstractChannel | None = None

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, url: str, topology: Topology) -> AsyncIterator[BenchBroker]:
        """Declare the namespace's topology; delete every queue and exchange of it afterwards."""
        connection = await aio_pika.connect_robust(url)
        try:
            bench = cls(connection, topology)
            await topology.declare(await bench.channel())
            try:
                yield bench
            finally:
                cleanup = await connection.channel()
                await delete(cleanup, topology)
        finally:
            await connection.close()

    async def channel(self) -> AbstractChannel:
        if self._channel is None or self._channel.is_closed:
            self._channel = await self.connection.channel(publisher_confirms=True)
        return self._channel

    def settled_queues(self) -> list[str]:
        """Where a classified (or rejected) inbound message ends up."""
        return [
            *(self.topology.outcome_queue(outcome) for outcome in Outcome),
            self.topology.dead_letter_queue,
        ]

    async def purge_all(self) -> None:
        channel = await self.channel()
        for name in self.topology.queue_names():
            queue = await channel.get_queue(name, ensure=False)
            await queue.purge()

    async def depth(self, queue: str) -> int:
        """Messages on ``queue`` now, from a passive declare on a channel of its own (a robust
        channel would answer a queue it declared itself with its first count)."""
        channel = await self.connection.channel()
        try:
            underlay = await channel.get_underlay_channel()
            declared = await underlay.queue_declare(queue, passive=True)
        finally:
            await channel.close()
        return int(declared.message_count or 0)

    async def prefill(self, bodies: Sequence[Body], count: int, in_flight: int = 64) -> None:
        """Put ``count`` inbound messages (the bodies in turn) on the vendor queues, confirmed."""
        exchange = await (await self.channel()).get_exchange(self.topology.inbound_exchange)
        destinations = [self.destination(body) for body in bodies]
        next_index = 0

        async def publisher() -> None:
            nonlocal next_index
            while next_index < count:
                index = next_index % len(bodies)
                next_index += 1
                body = bodies[index]
                message = messages.inbound_message(
                    vendor=body.vendor,
                    body=body.data,
                    content_type="application/json",
                    http_headers={"content-type": "application/json"},
                )
                message.headers[DESTINATION_EXCHANGE], message.headers[DESTINATION_KEY] = (
                    destinations[index]
                )
                await exchange.publish(message, routing_key=body.vendor)

        await asyncio.gather(*(publisher() for _ in range(in_flight)))

    def destination(self, body: Body) -> tuple[str, str]:
        """The exchange and routing key the worker publishes this body's result with."""
        inbound = messages.Inbound(
            message_id="bench",
            vendor=body.vendor,
            body=body.data,
            content_type="application/json",
            received_at=datetime.now(UTC),
            http_headers={},
        )
        classified = pipeline.classify(inbound)
        if isinstance(classified, OutcomeEvent):
            return self.topology.outcomes_exchange, classified.routing_key
        return self.topology.dead_exchange, body.vendor


class Settled:
    """Counts what reaches the outcome and dead-letter queues, by consuming it (no ack).

    RabbitMQ 3.10 answers a passive declare of a quorum queue with 0 messages whatever it holds,
    so depth cannot be polled; this consumer costs the benchmark process a little CPU, the same
    for the worker and for B3.
    """

    def __init__(self, bench: BenchBroker) -> None:
        self.bench = bench
        self.count = 0
        self._channel: AbstractChannel | None = None

    async def start(self) -> None:
        self._channel = await self.bench.connection.channel()
        for name in self.bench.settled_queues():
            queue = await self._channel.get_queue(name, ensure=False)
            await queue.consume(self._on_message, no_ack=True)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        self.count += 1

    async def stop(self) -> None:
        if self._channel is not None and not self._channel.is_closed:
            await self._channel.close()


async def drain_rate(settled: Settled, total: int, timeout: float) -> tuple[float, float]:
    """Watch ``total`` messages get settled; the rate between 10 % and 90 % of them, and the
    seconds from the first settled message to the last (start-up excluded)."""
    samples: list[tuple[float, int]] = []
    deadline = time.monotonic() + timeout
    while True:
        count = settled.count
        samples.append((time.monotonic(), count))
        if count >= total:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {count} of {total} messages settled in {timeout} s")
        await asyncio.sleep(0.05)
    low = next(t for t, n in samples if n >= total * 0.1)
    high = next(t for t, n in samples if n >= total * 0.9)
    first = next(t for t, n in samples if n > 0)
    rate = total * 0.8 / (high - low) if high > low else float("nan")
    return rate, samples[-1][0] - first


class _ReceivedAt(msgspec.Struct):
    received_at: datetime


_decode_received_at = msgspec.json.Decoder(_ReceivedAt).decode


class OutcomeLatency(Settled):
    """Also records, for each outcome event, its delivery time minus its received_at."""

    def __init__(self, bench: BenchBroker) -> None:
        super().__init__(bench)
        self.latencies_ms: list[float] = []
        self.outcomes = 0
        self.recording = False

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        now = datetime.now(UTC)
        self.count += 1
        if message.exchange != self.bench.topology.outcomes_exchange:
            return  # a dead letter, not an outcome event
        self.outcomes += 1
        if self.recording:
            received = _decode_received_at(message.body).received_at
            self.latencies_ms.append((now - received).total_seconds() * 1000)
