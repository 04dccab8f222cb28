"""Publishing with publisher confirms, at the rate the broker takes them.

aio-pika's ``Exchange.publish`` takes the channel's lock for each message and holds it until the
connection's writer task has written and drained that message; concurrent publishes queue
behind each other, and every one costs several event-loop turns, a socket write, a timeout
timer and pamqp's generic marshalling. Under load that, not the broker, bounds a process
(docs/performance.md).

:class:`Publisher` keeps the same guarantee — :meth:`Publisher.publish` returns only once the
broker confirmed the message, and raises otherwise — but marshals the frames of all publishes
made in one event-loop turn into one write (shared/frames.py), and times them out with one
periodic sweep rather than a timer each. It registers each confirmation with aiormq exactly as
aiormq's own ``basic_publish`` does, so acks, nacks, returns (publishes are mandatory) and a
closing channel resolve it the same way.

A worker's acknowledgements go out in the same writes (:meth:`Publisher.acknowledge`): one write
for a turn's outcome events and acks, instead of a write, a drain and several loop turns for
each ack.

The publisher owns a channel: a confirm channel numbers publishes in the order they reach the
socket, so nothing else may publish on it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque

import aiormq
from aio_pika.abc import AbstractChannel
from aiormq.abc import ChannelFrame

from shared import frames, logging
from shared.broker import Broker

log = logging.get("verdict.publisher")

# How often timed-out confirmations are looked for: a publish gives up between ``timeout`` and
# ``timeout + sweep_seconds`` after it started.
SWEEP_SECONDS = 0.1
_METHOD_FRAME_CACHE = 1024


class Publisher:
    def __init__(
        self, broker: Broker, *, timeout: float, sweep_seconds: float = SWEEP_SECONDS
    ) -> None:
        self.broker = broker
        self.timeout = timeout
        self.sweep_seconds = sweep_seconds
        self._robust: AbstractChannel | None = None
        self._underlay: aiormq.Channel | None = None
        self._opening: asyncio.Lock | None = None
        # Batches waiting for the writer, in publish order: (channel, frames).
        self._batches: deque[tuple[aiormq.Channel, list[bytes | memoryview]]] = deque()
        self._wakeup = asyncio.Event()
        # Set while the writer has handed every batch to aiormq (see flush).
        self._idle = asyncio.Event()
        self._idle.set()
        self._writer: asyncio.Task[None] | None = None
        # Confirmations in publish order, so deadlines are in order too (one timeout for all).
        self._pending: deque[tuple[float, asyncio.Future[object], aiormq.Channel, str, int]] = (
            deque()
        )
        self._sweeper: asyncio.TimerHandle | None = None
        self._method_frames: dict[tuple[int, str, str], bytes] = {}

    async def publish(
        self,
        exchange: str,
        routing_key: str,
        body: bytes | bytearray,
        properties: frames.Properties,
    ) -> None:
        """Publish (mandatory, as the properties say) and wait for the broker's confirm.

        Raises :class:`ConnectionError` at once while the broker is unreachable, aiormq's
        ``DeliveryError``/``PublishError`` when the broker refuses or cannot route the message,
        ``ChannelInvalidStateError``/``ChannelClosed`` when the channel closes first, and
        :class:`TimeoutError` when no confirm came within the timeout.
        """
        channel = await self._channel()
        confirmation = self._enqueue(channel, exchange, routing_key, body, properties)
        try:
            await confirmation
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if confirmation.cancelled() and task is not None and not task.cancelling():
                # The sweep cancelled it (a late confirm is then ignored quietly by aiormq).
                raise TimeoutError("the broker did not confirm the publish in time") from None
            raise

    def acknowledge(self, channel: aiormq.abc.AbstractChannel, delivery_tag: int) -> None:
        """Acknowledge a delivery on ``channel`` (any channel of the connection) in the next write.

        An ack has no reply, so this returns at once. If the channel closes before the write, the
        ack is dropped and the broker redelivers the message, as it would have anyway.
        """
        if not isinstance(channel, aiormq.Channel) or _closing(channel):
            raise aiormq.exceptions.ChannelInvalidStateError(f"{channel!r} closed")
        self._batch_for(channel).append(frames.ack(channel.number, delivery_tag))

    async def flush(self) -> None:
        """Wait until every frame enqueued so far (acks included) has reached the socket.

        A stopping worker calls this before closing the channel its messages came on, so that
        their acks go out first and the broker does not redeliver what was settled.
        """
        await self._idle.wait()
        channel = self._underlay
        if channel is None or _closing(channel):
            return  # the connection is gone: the broker redelivers whatever was not acked
        # aiormq's writer drains the socket for this frame, after everything queued before it.
        drained = asyncio.get_running_loop().create_future()
        await channel.write_queue.put(ChannelFrame(b"", should_close=False, drain_future=drained))
        await drained

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
        if self._robust is not None and not self._robust.is_closed:
            await self._robust.close()

    async def _channel(self) -> aiormq.Channel:
        underlay = self._underlay
        if underlay is not None and not _closing(underlay) and self.broker.ready:
            return underlay
        if not self.broker.ready or self.broker.connection is None:
            # While reconnecting, a robust channel would make the publish wait: refuse at once.
            raise ConnectionError("not connected to the broker")
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self._robust is None or self._robust.is_closed:
                self._robust = await self.broker.connection.channel(
                    publisher_confirms=True, on_return_raises=True
                )
            channel = await self._robust.get_underlay_channel()
            assert isinstance(channel, aiormq.Channel)
            self._underlay = channel
            return channel

    def _enqueue(
        self,
        channel: aiormq.Channel,
        exchange: str,
        routing_key: str,
        body: bytes | bytearray,
        properties: frames.Properties,
    ) -> asyncio.Future[object]:
        # aiormq finds a returned (unroutable) message's confirmation by its message id.
        message_id = properties.message_id or uuid.uuid4().hex
        properties.message_id = message_id
        # Marshalled before the publish is numbered: a value that cannot be encoded raises here,
        # and leaves the channel's count of publishes in step with the broker's confirms.
        marshalled = [
            self._method_frame(channel.number, exchange, routing_key),
            frames.content_header(channel.number, len(body), properties),
            *frames.body(channel.number, body, channel.max_content_size),
        ]

        channel.delivery_tag += 1
        delivery_tag = channel.delivery_tag
        confirmation: asyncio.Future[object] = channel.create_future()
        channel.confirmations[delivery_tag] = confirmation
        channel.message_id_delivery_tag[message_id] = delivery_tag
        self._pending.append(
            (confirmation.get_loop().time() + self.timeout, confirmation, channel, message_id,
             delivery_tag)
        )  # fmt: skip
        if self._sweeper is None:
            self._sweeper = confirmation.get_loop().call_later(self.sweep_seconds, self._sweep)
        self._batch_for(channel).extend(marshalled)
        return confirmation

    def _batch_for(self, channel: aiormq.Channel) -> list[bytes | memoryview]:
        if self._batches and self._batches[-1][0] is channel:
            return self._batches[-1][1]
        batch: list[bytes | memoryview] = []
        self._batches.append((channel, batch))
        self._wakeup.set()
        self._idle.clear()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="publisher-writer")
        return batch

    def _method_frame(self, channel_number: int, exchange: str, routing_key: str) -> bytes:
        key = (channel_number, exchange, routing_key)
        marshalled = self._method_frames.get(key)
        if marshalled is None:
            marshalled = frames.method(channel_number, exchange, routing_key, mandatory=True)
            if len(self._method_frames) < _METHOD_FRAME_CACHE:
                self._method_frames[key] = marshalled
        return marshalled

    async def _write(self) -> None:
        """Hand the waiting batches to the connection's writer, as few writes as possible."""
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._batches:
                # Consecutive batches for one connection go out as one write (frames carry their
                # channel number); a reconnect makes a second connection, with its own queue.
                queue = self._batches[0][0].write_queue
                parts: list[bytes | memoryview] = []
                while self._batches and self._batches[0][0].write_queue is queue:
                    channel, batch = self._batches.popleft()
                    if _closing(channel):
                        # Its publishes' confirmations were rejected as it closed; its acks are
                        # moot (the broker redelivers), and sent now would close the connection.
                        log.info("frames_dropped", channel=channel.number, frames=len(batch))
                        continue
                    parts += batch
                if parts:
                    await queue.put(ChannelFrame(payload=b"".join(parts), should_close=False))
            self._idle.set()

    def _sweep(self) -> None:
        """Forget settled confirmations and time out those past their deadline."""
        self._sweeper = None
        pending = self._pending
        if not pending:
            return
        now = pending[0][1].get_loop().time()
        while pending:
            deadline, confirmation, channel, message_id, delivery_tag = pending[0]
            if not confirmation.done():
                if deadline > now:
                    break
                confirmation.cancel()
            pending.popleft()
            if channel.message_id_delivery_tag.get(message_id) == delivery_tag:
                del channel.message_id_delivery_tag[message_id]
        if pending:
            self._sweeper = pending[0][1].get_loop().call_later(self.sweep_seconds, self._sweep)


def _closing(channel: aiormq.Channel) -> bool:
    """Closed, or being closed by the broker: aiormq answers the broker's Channel.Close at once
    but marks the channel closed some loop turns later, and a frame sent on it in between makes
    the broker close the whole connection. (aiormq's own methods check the same event.)"""
    close_event = getattr(channel, "_Channel__close_event", None)
    return channel.is_closed or (close_event is not None and close_event.is_set())
