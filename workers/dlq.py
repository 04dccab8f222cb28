"""Operations on the dead-letter queue: look, replay, export, import, purge (``verdict dlq``).

A quorum queue has no "peek": a message is read by taking it. How a command looks without
losing, reordering or wearing anything out (docs/operations.md):

- It counts the messages ready, then takes exactly that many, one ``basic.get`` at a time, from
  the head of the queue.
- A message the command does not remove is put back by publishing a copy of it (body,
  properties and headers as they were, the broker's ``x-death`` included) to the back of the
  queue, confirmed, and only then acknowledging the one taken. After the full turn the queue holds
  what it held, in the same order.
- Nothing is ever handed back with a nack. Where RabbitMQ puts a handed-back message (the back on
  3.x, the head on 4.x) and whether it counts the return against a delivery limit (4.x does)
  therefore play no part: a dead letter can be looked at any number of times.
- A message the command removes (replayed, once its replay was confirmed; or purged) is
  acknowledged and not copied.

It holds one message at a time. A command killed part-way leaves the message it held to the
broker, which returns it: the queue is then rotated at that point, never short; killed between a
copy's confirm and the original's ack, it leaves that dead letter twice (same message id).

Only one command works on the queue at a time: each holds an exclusive queue
(``<ns>.dead-letter.lock``) for as long as it runs, and a second is refused at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from typing import IO

import aio_pika
import aiormq
import msgspec
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage
from aiormq import spec

from shared import logging, messages
from shared.errors import NOT_CONFIRMED
from shared.topology import Topology
from workers import deadletter
from workers.deadletter import DeadLetter, Selection

log = logging.get("verdict.dlq")

# Counted by the broker on each delivery from a quorum queue; a copy starts afresh without it.
_DELIVERY_COUNT = "x-delivery-count"

# Told of each dead letter an operation chose, before it acts on it (a dry run prints them).
OnChosen = Callable[[DeadLetter], None]


class Busy(Exception):
    """Another ``verdict dlq`` command is working on the dead-letter queue."""


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


class Held:
    """The dead letter a scan holds: the caller reads it, and may remove it."""

    def __init__(self, message: AbstractIncomingMessage, letter: DeadLetter) -> None:
        self.message = message
        self.letter = letter
        self.removed = False

    async def remove(self) -> None:
        """Take it out of the queue for good (after its replay was confirmed, or a purge)."""
        await self.message.ack()
        self.removed = True


class DeadLetterQueue:
    def __init__(
        self, connection: AbstractConnection, topology: Topology, *, publish_timeout: float = 10.0
    ) -> None:
        self.connection = connection
        self.topology = topology
        self.publish_timeout = publish_timeout

    async def depth(self) -> int:
        """Messages ready in the queue (not those a command holds)."""
        channel = await self.connection.channel()
        try:
            queue = await channel.declare_queue(self.topology.dead_letter_queue, passive=True)
            return int(queue.declaration_result.message_count or 0)
        finally:
            await channel.close()

    async def scan(
        self, selection: Selection, counts: Counts, limit: int | None = None
    ) -> AsyncGenerator[Held, None]:
        """The chosen dead letters, oldest first, at most ``limit``. The caller may
        :meth:`Held.remove` one; every other goes back where it was."""
        async with self._locked(), self._channel() as channel:
            queue = await channel.declare_queue(self.topology.dead_letter_queue, passive=True)
            ready = int(queue.declaration_result.message_count or 0)
            # The copy put back last, while the next is taken: one at a time keeps the order.
            putting_back: asyncio.Task[None] | None = None
            try:
                # One full turn, past the limit: stopping early would leave the queue rotated.
                for _ in range(ready):
                    message = await queue.get(no_ack=False, fail=False)
                    if putting_back is not None:
                        await putting_back
                        putting_back = None
                    if message is None:
                        break  # another consumer took the rest
                    counts.scanned += 1
                    held = Held(message, deadletter.read(message, message.routing_key))
                    chosen = limit is None or counts.chosen < limit
                    if chosen and selection.chooses(held.letter):
                        counts.chosen += 1
                        yield held
                    if not held.removed:
                        putting_back = asyncio.create_task(self._put_back(channel, message))
                if putting_back is not None:
                    await putting_back
            finally:
                if putting_back is not None and not putting_back.done():
                    putting_back.cancel()

    async def _put_back(self, channel: AbstractChannel, message: AbstractIncomingMessage) -> None:
        """A copy to the back of the queue, confirmed; then the one taken is acknowledged."""
        headers = {k: v for k, v in (message.headers or {}).items() if k != _DELIVERY_COUNT}
        # The default exchange: straight to the queue, whatever else is bound to the dead
        # exchange. The broker's x-death goes back as it came (RabbitMQ reads it again on 3.13+).
        await self._publish(
            channel,
            "",
            self.topology.dead_letter_queue,
            message.body,
            messages.copy_properties(message, headers),
        )
        await message.ack()

    async def replay(
        self,
        selection: Selection,
        *,
        limit: int | None = None,
        rate: float | None = None,
        dry_run: bool = False,
        on_chosen: OnChosen | None = None,
    ) -> Counts:
        """Republish each chosen dead letter to its vendor's inbound queue; once the broker
        confirmed it, remove it from the dead-letter queue."""
        counts = Counts()
        pacer = Pacer(rate)
        chosen = self.scan(selection, counts, limit)
        async with self._channel() as channel, contextlib.aclosing(chosen):
            async for held in chosen:
                if on_chosen is not None:
                    on_chosen(held.letter)
                if not dry_run:
                    await pacer.wait()
                    await self._replay_one(channel, held, counts)
        return counts

    async def _replay_one(self, channel: AbstractChannel, held: Held, counts: Counts) -> None:
        message, letter = held.message, held.letter
        properties = messages.copy_properties(
            message, deadletter.replay_headers(message.headers or {})
        )
        try:
            await self._publish(
                channel, self.topology.inbound_exchange, letter.vendor, message.body, properties
            )
        except NOT_CONFIRMED as exc:
            # Stays in the dead-letter queue: the scan puts it back.
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
        await held.remove()
        counts.done += 1

    async def purge(
        self,
        selection: Selection,
        *,
        limit: int | None = None,
        dry_run: bool = False,
        on_chosen: OnChosen | None = None,
    ) -> Counts:
        counts = Counts()
        async with contextlib.aclosing(self.scan(selection, counts, limit)) as chosen:
            async for held in chosen:
                if on_chosen is not None:
                    on_chosen(held.letter)
                if not dry_run:
                    await held.remove()
                    counts.done += 1
        return counts

    async def export(
        self, selection: Selection, out: IO[bytes], *, limit: int | None = None
    ) -> Counts:
        """Write the chosen dead letters as JSON lines; the queue keeps them all."""
        counts = Counts()
        async with contextlib.aclosing(self.scan(selection, counts, limit)) as chosen:
            async for held in chosen:
                message = held.message
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
        on_chosen: OnChosen | None = None,
    ) -> Counts:
        """Put exported dead letters back, through the dead-letter exchange as the worker does."""
        counts = Counts()
        pacer = Pacer(rate)
        async with self._channel() as channel:
            for record in records:
                counts.scanned += 1
                if not selection.chooses(record.letter):
                    continue
                if limit is not None and counts.chosen >= limit:
                    break
                counts.chosen += 1
                if on_chosen is not None:
                    on_chosen(record.letter)
                if dry_run:
                    continue
                await pacer.wait()
                body, headers, properties = deadletter.imported_message(record)
                try:
                    await self._publish(
                        channel,
                        self.topology.dead_exchange,
                        record.letter.vendor,
                        body,
                        messages.copy_properties(properties, headers),
                    )
                except NOT_CONFIRMED as exc:
                    counts.failed += 1
                    log.warning(
                        "import_not_confirmed",
                        message_id=record.letter.message_id,
                        error=type(exc).__name__,
                    )
                    continue
                counts.done += 1
        return counts

    async def _publish(
        self,
        channel: AbstractChannel,
        exchange: str,
        routing_key: str,
        body: bytes,
        properties: spec.Basic.Properties,
    ) -> None:
        """Publish, mandatory, and wait for the confirm: an unroutable message raises."""
        underlay = await channel.get_underlay_channel()
        await underlay.basic_publish(
            body,
            exchange=exchange,
            routing_key=routing_key,
            properties=properties,
            mandatory=True,
            timeout=self.publish_timeout,
        )

    @contextlib.asynccontextmanager
    async def _channel(self) -> AsyncIterator[AbstractChannel]:
        """A confirm channel on which an unroutable publish raises instead of vanishing."""
        channel = await self.connection.channel(publisher_confirms=True, on_return_raises=True)
        try:
            yield channel
        finally:
            # A message still held (an error part-way) goes back to the broker with the channel.
            if not channel.is_closed:
                await channel.close()

    @contextlib.asynccontextmanager
    async def _locked(self) -> AsyncIterator[None]:
        """Hold the dead-letter lock (an exclusive queue of this connection) for a scan."""
        channel = await self.connection.channel()
        try:
            await channel.declare_queue(
                self.topology.dead_letter_lock, exclusive=True, auto_delete=True
            )
        except aiormq.exceptions.ChannelLockedResource:
            raise Busy(
                "another 'verdict dlq' command is working on the dead-letter queue; "
                "try again once it has finished"
            ) from None
        try:
            yield
        finally:
            with contextlib.suppress(aio_pika.exceptions.AMQPError, RuntimeError):
                if not channel.is_closed:
                    await channel.queue_delete(self.topology.dead_letter_lock)
                    await channel.close()
