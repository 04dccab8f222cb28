"""Operations on the dead-letter queue: look, replay, export, import, purge (``verdict dlq``).

How it looks without losing or reordering anything (measured on RabbitMQ 3.10, see
docs/operations.md): a quorum queue puts every message handed back to it at its back, and
hands back many at once (a channel closing with them unacknowledged) in no particular order.
So a scan counts the messages ready, then takes exactly that many, one ``basic.get`` at a
time, and hands each one back (``nack`` with requeue) before taking the next, unless the
operation removes it (``ack``, after its replay was confirmed, or a purge). Each returns to the
back in turn; after a full turn the queue is in its original order, less what was removed. A
scan therefore always makes the full turn, even with ``--limit``. It holds one message at a
time. A crash part-way leaves the held message to the broker, which returns it: the queue is
then rotated, never short.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from typing import IO

import aio_pika
import aiormq
import msgspec
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractExchange,
    AbstractIncomingMessage,
    DeliveryMode,
)

from shared import logging
from shared.topology import Topology
from workers import deadletter
from workers.deadletter import DeadLetter, Selection

log = logging.get("verdict.dlq")

# Anything that means a publish was not confirmed: the message stays in the dead-letter queue.
_NOT_CONFIRMED = (
    aio_pika.exceptions.AMQPError,
    aio_pika.exceptions.DeliveryError,
    asyncio.TimeoutError,
    ConnectionError,
    # Publishing on a channel that has just closed (a RuntimeError, not an AMQPError).
    aiormq.exceptions.ChannelInvalidStateError,
)


class Counts(msgspec.Struct, kw_only=True):
    """What an operation did; the CLI prints it."""

    scanned: int = 0  # messages looked at
    chosen: int = 0  # of those, the ones the filters chose
    done: int = 0  # replayed, purged, exported or imported
    failed: int = 0  # chosen but not done; they are still where they were

    @property
    def left(self) -> int:
        """Looked at but not chosen: left where they were."""
        return self.scanned - self.chosen


class Pacer:
    """At most ``rate`` actions per second (``--rate``); no limit when it is None."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self._next = time.monotonic()

    async def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if self._next > now:
            await asyncio.sleep(self._next - now)
        self._next = max(self._next, now) + self.interval


# How long a scan waits, at its end, for the broker to have taken back what it handed back.
_HAND_BACK_TIMEOUT = 5.0


async def _handed_back(channel: AbstractChannel, queue_name: str, expected: int) -> None:
    """Wait until the queue holds ``expected`` messages ready again (or more: new arrivals).

    A nack is not answered; without this, a scan started right after another could count the
    queue before the last messages handed back were in it, and miss them.
    """
    deadline = time.monotonic() + _HAND_BACK_TIMEOUT
    while time.monotonic() < deadline:
        declared = await channel.declare_queue(queue_name, passive=True)
        if int(declared.declaration_result.message_count or 0) >= expected:
            return
        await asyncio.sleep(0.02)
    log.warning("dlq_hand_back_slow", expected=expected)


class DeadLetterQueue:
    def __init__(
        self, connection: AbstractConnection, topology: Topology, *, publish_timeout: float = 10.0
    ) -> None:
        self.connection = connection
        self.topology = topology
        self.publish_timeout = publish_timeout

    async def depth(self) -> int:
        """Messages ready in the queue (not those another scan or consumer holds)."""
        channel = await self.connection.channel()
        try:
            queue = await channel.declare_queue(self.topology.dead_letter_queue, passive=True)
            return int(queue.declaration_result.message_count or 0)
        finally:
            await channel.close()

    async def scan(
        self, selection: Selection, counts: Counts, limit: int | None = None
    ) -> AsyncGenerator[tuple[AbstractIncomingMessage, DeadLetter], None]:
        """The chosen dead letters, oldest first, at most ``limit``.

        The caller may ``ack()`` one to remove it; any it does not is handed back before the
        next is taken.
        """
        channel = await self.connection.channel(publisher_confirms=False)
        try:
            queue = await channel.declare_queue(self.topology.dead_letter_queue, passive=True)
            ready = int(queue.declaration_result.message_count or 0)
            removed = 0
            # One full turn of the queue, past the limit: see the module's docstring.
            for _ in range(ready):
                message = await queue.get(no_ack=False, fail=False)
                if message is None:
                    break
                counts.scanned += 1
                letter = deadletter.read(message, message.routing_key)
                if (limit is None or counts.chosen < limit) and selection.chooses(letter):
                    counts.chosen += 1
                    yield message, letter
                if message.processed:
                    removed += 1
                else:
                    await message.nack(requeue=True)
            await _handed_back(channel, self.topology.dead_letter_queue, ready - removed)
        finally:
            # A message still held (an error part-way) goes back with the channel.
            if not channel.is_closed:
                await channel.close()

    async def replay(
        self,
        selection: Selection,
        *,
        limit: int | None = None,
        rate: float | None = None,
        dry_run: bool = False,
    ) -> Counts:
        """Republish each chosen dead letter to its vendor's inbound queue; once the broker
        confirmed it, remove it from the dead-letter queue."""
        counts = Counts()
        pacer = Pacer(rate)
        async with self._publisher() as channel:
            inbound = await channel.get_exchange(self.topology.inbound_exchange, ensure=False)
            async with contextlib.aclosing(self.scan(selection, counts, limit)) as chosen:
                async for message, letter in chosen:
                    if not dry_run:
                        await pacer.wait()
                        await self._replay_one(inbound, message, letter, counts)
        return counts

    async def _replay_one(
        self,
        inbound: AbstractExchange,
        message: AbstractIncomingMessage,
        letter: DeadLetter,
        counts: Counts,
    ) -> None:
        try:
            await inbound.publish(_replayed(message), letter.vendor, timeout=self.publish_timeout)
        except _NOT_CONFIRMED as exc:
            # Stays in the dead-letter queue (unacknowledged until the scan ends).
            counts.failed += 1
            log.warning(
                "replay_not_confirmed",
                message_id=letter.message_id,
                vendor=letter.vendor,
                error=type(exc).__name__,
            )
            return
        # If this ack is lost (a crash right here) the message is in both queues: a duplicate,
        # never a loss.
        await message.ack()
        counts.done += 1

    async def purge(
        self, selection: Selection, *, limit: int | None = None, dry_run: bool = False
    ) -> Counts:
        counts = Counts()
        async with contextlib.aclosing(self.scan(selection, counts, limit)) as chosen:
            async for message, _ in chosen:
                if not dry_run:
                    await message.ack()
                    counts.done += 1
        return counts

    async def export(
        self, selection: Selection, out: IO[bytes], *, limit: int | None = None
    ) -> Counts:
        """Write the chosen dead letters as JSON lines; the queue keeps them all."""
        counts = Counts()
        async with contextlib.aclosing(self.scan(selection, counts, limit)) as chosen:
            async for message, _ in chosen:
                out.write(deadletter.encode(deadletter.to_record(message, message.routing_key)))
                counts.done += 1
        out.flush()
        return counts

    async def import_(
        self,
        records: Iterable[deadletter.Record],
        selection: Selection,
        *,
        limit: int | None = None,
        rate: float | None = None,
        dry_run: bool = False,
    ) -> Counts:
        """Put exported dead letters back, through the dead-letter exchange as the worker does."""
        counts = Counts()
        pacer = Pacer(rate)
        async with self._publisher() as channel:
            dead = await channel.get_exchange(self.topology.dead_exchange, ensure=False)
            for record in records:
                counts.scanned += 1
                if not selection.chooses(record.letter):
                    continue
                if limit is not None and counts.chosen >= limit:
                    break
                counts.chosen += 1
                if dry_run:
                    continue
                await pacer.wait()
                try:
                    await dead.publish(
                        _imported(record), record.letter.vendor, timeout=self.publish_timeout
                    )
                except _NOT_CONFIRMED as exc:
                    counts.failed += 1
                    log.warning(
                        "import_not_confirmed",
                        message_id=record.letter.message_id,
                        error=type(exc).__name__,
                    )
                    continue
                counts.done += 1
        return counts

    @contextlib.asynccontextmanager
    async def _publisher(self) -> AsyncIterator[AbstractChannel]:
        """A confirm channel on which an unroutable publish raises instead of vanishing."""
        channel = await self.connection.channel(publisher_confirms=True, on_return_raises=True)
        try:
            yield channel
        finally:
            if not channel.is_closed:
                await channel.close()


def _replayed(message: AbstractIncomingMessage) -> aio_pika.Message:
    return aio_pika.Message(
        message.body,
        headers=deadletter.replay_headers(message.headers or {}),
        content_type=message.content_type,
        content_encoding=message.content_encoding,
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        timestamp=message.timestamp,
        type=message.type,
        app_id=message.app_id,
        delivery_mode=DeliveryMode.PERSISTENT,
    )


def _imported(record: deadletter.Record) -> aio_pika.Message:
    body, headers, properties = deadletter.imported_message(record)
    return aio_pika.Message(
        body,
        headers=headers,
        content_type=properties.content_type,
        content_encoding=properties.content_encoding,
        message_id=record.letter.message_id,
        correlation_id=properties.correlation_id,
        timestamp=properties.timestamp,
        type=properties.type,
        app_id=properties.app_id,
        delivery_mode=DeliveryMode.PERSISTENT,
    )
