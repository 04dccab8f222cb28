"""Publishing with publisher confirms, at the rate the broker takes them.

aio-pika's ``Exchange.publish`` takes the channel's lock for each message and holds it until the
connection's writer task has written and drained that message; concurrent publishes queue
behind each other and every one costs several event-loop turns and a socket write. Under load
that hand-off, not the broker, bounds a process (docs/performance.md).

:class:`Publisher` keeps the same guarantee — :meth:`Publisher.publish` returns only once the
broker confirmed the message, and raises otherwise — but marshals the frames of all publishes
made in one event-loop turn into one write. It registers each confirmation with aiormq exactly
as aiormq's own ``basic_publish`` does, so acks, nacks, returns (mandatory publishes) and a
closing channel resolve it the same way.

The publisher owns a channel: a confirm channel numbers publishes in the order they reach the
socket, so nothing else may publish on it.
"""

from __future__ import annotations

import asyncio
import struct
import uuid
from collections import deque
from collections.abc import Callable

import aiormq
from aio_pika.abc import AbstractChannel, AbstractMessage
from aiormq.abc import ChannelFrame
from pamqp import commands, frame, header

from shared.broker import Broker

# AMQP 0-9-1 content body frame: type 3, channel, size, payload, frame end.
_BODY_FRAME = struct.Struct(">BHI")
_FRAME_END = b"\xce"


class Publisher:
    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self._robust: AbstractChannel | None = None
        self._underlay: aiormq.Channel | None = None
        self._opening: asyncio.Lock | None = None
        # Batches waiting for the writer: (channel, frames) in publish order.
        self._batches: deque[tuple[aiormq.Channel, list[bytes]]] = deque()
        self._wakeup: asyncio.Event | None = None
        self._writer: asyncio.Task[None] | None = None
        self._method_frames: dict[tuple[int, str, str], bytes] = {}

    async def publish(
        self, exchange: str, message: AbstractMessage, routing_key: str, *, timeout: float
    ) -> None:
        """Publish ``message`` (mandatory) and wait for the broker's confirm.

        Raises :class:`ConnectionError` at once while the broker is unreachable, aiormq's
        ``DeliveryError``/``PublishError`` when the broker refuses or cannot route the message,
        ``ChannelInvalidStateError`` when the channel closes first, and ``TimeoutError``.
        """
        channel = await self._channel()
        confirmation = self._enqueue(channel, exchange, routing_key, message)
        async with asyncio.timeout(timeout):
            await confirmation

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
        if self._robust is not None and not self._robust.is_closed:
            await self._robust.close()

    async def _channel(self) -> aiormq.Channel:
        underlay = self._underlay
        if underlay is not None and not underlay.is_closed and self.broker.ready:
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
        self, channel: aiormq.Channel, exchange: str, routing_key: str, message: AbstractMessage
    ) -> asyncio.Future[object]:
        properties = message.properties
        # aiormq finds a returned (unroutable) message's confirmation by its message id.
        message_id = properties.message_id or uuid.uuid4().hex
        properties.message_id = message_id
        body = message.body

        channel.delivery_tag += 1
        delivery_tag = channel.delivery_tag
        confirmation: asyncio.Future[object] = channel.create_future()
        channel.confirmations[delivery_tag] = confirmation
        channel.message_id_delivery_tag[message_id] = delivery_tag
        confirmation.add_done_callback(_forget(channel, message_id, delivery_tag))

        frames = self._batch_for(channel)
        frames.append(self._method_frame(channel.number, exchange, routing_key))
        frames.append(frame.marshal(header.ContentHeader(0, len(body), properties), channel.number))
        step = channel.max_content_size
        for start in range(0, len(body), step):
            chunk = body[start : start + step]
            frames.append(_BODY_FRAME.pack(3, channel.number, len(chunk)))
            frames.append(chunk)
            frames.append(_FRAME_END)
        return confirmation

    def _batch_for(self, channel: aiormq.Channel) -> list[bytes]:
        if self._batches and self._batches[-1][0] is channel:
            return self._batches[-1][1]
        frames: list[bytes] = []
        self._batches.append((channel, frames))
        if self._wakeup is None:
            self._wakeup = asyncio.Event()
        self._wakeup.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="publisher-writer")
        return frames

    def _method_frame(self, channel_number: int, exchange: str, routing_key: str) -> bytes:
        key = (channel_number, exchange, routing_key)
        marshalled = self._method_frames.get(key)
        if marshalled is None:
            publish = commands.Basic.Publish(
                exchange=exchange, routing_key=routing_key, mandatory=True
            )
            marshalled = frame.marshal(publish, channel_number)
            if len(self._method_frames) < 1024:
                self._method_frames[key] = marshalled
        return marshalled

    async def _write(self) -> None:
        """Hand each batch to the connection's writer as one frame set, in publish order."""
        assert self._wakeup is not None
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._batches:
                channel, frames = self._batches.popleft()
                if channel.is_closed:
                    continue  # its confirmations were rejected when it closed
                payload = b"".join(frames)
                await channel.write_queue.put(ChannelFrame(payload=payload, should_close=False))


def _forget(
    channel: aiormq.Channel, message_id: str, delivery_tag: int
) -> Callable[[asyncio.Future[object]], None]:
    def forget(_: asyncio.Future[object]) -> None:
        if channel.message_id_delivery_tag.get(message_id) == delivery_tag:
            del channel.message_id_delivery_tag[message_id]

    return forget
