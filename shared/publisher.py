"""Publishing with publisher confirms, at the rate the broker takes them, within bounds.

aio-pika's ``Exchange.publish`` takes the channel's lock for each message and holds it until the
connection's writer task has written and drained that message; concurrent publishes queue
behind each other, and every one costs several event-loop turns, a socket write, a timeout
timer and pamqp's generic marshalling. Under load that, not the broker, bounds a process
(docs/performance.md).

:class:`Publisher` keeps the same guarantee (:meth:`Publisher.publish` returns only once the
broker confirmed the message, and raises otherwise) but marshals the frames of the publishes
waiting at a time into one write (shared/frames.py), and times them out with one periodic sweep
rather than a timer each. Confirmations are registered with aiormq as its own ``basic_publish``
registers them (shared/aiormq_internals.py), so acks, nacks, returns (publishes are mandatory)
and a closing channel resolve them the same way. A worker's settlements (ack, nack, reject) go
out in the same writes (:meth:`Publisher.settle`).

Flow control, as the broker and the socket ask for it:

- Little handed to the socket at once: at most about IN_SOCKET_BYTES that it has not yet taken.
  What waits meanwhile stays here, unnumbered, so a publish that times out, or whose caller gave
  up, before its turn is dropped and never written.
- While RabbitMQ blocks the connection (``connection.blocked``: a memory or disk alarm, during
  which it stops reading the socket), nothing is written.
- The ingress's publisher refuses at once while blocked (:class:`BrokerBlocked`) and past
  ``max_waiting_bytes`` of waiting bodies (:class:`PublishBacklog`): the webhook is answered 503
  and its vendor retries. The worker's publisher waits instead (its prefetch window bounds what it
  holds), and its confirm timeout stands still while blocked, so it resumes where it was.

What remains (docs/operations.md): frames handed to the socket cannot be taken back. A publish
whose confirm did not come in time (answered 503) may still be stored by the broker later, as a
duplicate of the vendor's retry with the same outcome ``id``.

The publisher owns its channel: a confirm channel numbers publishes in the order they reach the
socket, so nothing else may publish on it.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections import deque

import aiormq

from shared import aiormq_internals, frames, logging, metrics
from shared.broker import Broker, bounded
from shared.errors import BrokerBlocked, PublishBacklog

log = logging.get("verdict.publisher")

# How often timed-out confirmations are looked for: a publish gives up between ``timeout`` and
# ``timeout + sweep_seconds`` after it started.
SWEEP_SECONDS = 0.1
# One write holds at most about this many bytes (or one larger message).
BATCH_BYTES = 512 * 1024
# Writes handed to the connection's writer and not yet taken by the socket: at most about this
# many bytes (or one larger write). A write that waited for the last to drain would delay every
# publish behind it; an unbounded number would fill memory while the broker does not read. What
# is handed over can no longer be withdrawn: this bounds what a webhook answered 503 after a
# timeout can still put on the broker.
IN_SOCKET_BYTES = 1024 * 1024
_METHOD_FRAME_CACHE = 1024
# A channel that was nacked is replaced, but not more often than this (seconds).
_RENEW_SECONDS = 1.0


class _Publish:
    """A publish waiting for its turn; ``parts`` is None once written or dropped."""

    __slots__ = ("channel", "deadline", "done", "message_id", "parts", "size")

    def __init__(
        self,
        *,
        channel: aiormq.Channel,
        parts: list[bytes | memoryview],
        size: int,
        message_id: str,
        deadline: float,
        done: asyncio.Future[None],
    ) -> None:
        self.channel = channel
        self.parts: list[bytes | memoryview] | None = parts
        self.size = size
        self.message_id = message_id
        self.deadline = deadline
        self.done = done


class _Settle:
    __slots__ = ("channel", "frame")

    def __init__(self, channel: aiormq.Channel, frame: bytes) -> None:
        self.channel = channel
        self.frame = frame


class Publisher:
    def __init__(
        self,
        broker: Broker,
        *,
        timeout: float,
        max_waiting_bytes: int | None = None,
        wait_while_blocked: bool = False,
        sweep_seconds: float = SWEEP_SECONDS,
    ) -> None:
        self.broker = broker
        self.timeout = timeout
        self.max_waiting_bytes = max_waiting_bytes
        self.wait_while_blocked = wait_while_blocked
        self.sweep_seconds = sweep_seconds
        self._channel: aiormq.Channel | None = None
        self._channel_opened_at = 0.0
        self._closing: set[asyncio.Task[object]] = set()  # channels replaced, being closed
        self._opening = asyncio.Lock()
        # Publishes and settlements waiting for the writer, in order.
        self._queue: deque[_Publish | _Settle] = deque()
        self._waiting_bytes = 0  # bodies queued, or handed over and not yet taken by the socket
        self._in_socket: deque[tuple[asyncio.Future[None], int, int]] = deque()
        self._in_socket_bytes = 0
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()  # set while nothing waits and nothing is being written
        self._idle.set()
        self._writer: asyncio.Task[None] | None = None
        # Publishes in the order they started, so their deadlines are in order too.
        self._timing: deque[_Publish] = deque()
        self._sweeper: asyncio.TimerHandle | None = None
        self._blocked_since: float | None = None
        self._method_frames: dict[tuple[int, str, str], bytes] = {}
        metrics.track_publisher(broker.name, lambda: self._waiting_bytes)
        if not wait_while_blocked:
            # What waits when the alarm begins will not be written before it ends: refuse it now
            # (the writer may be held up in a write the broker stopped reading).
            broker.on_blocked(lambda: self._refuse_waiting(BrokerBlocked()))

    @property
    def waiting_bytes(self) -> int:
        return self._waiting_bytes

    def refusal(self) -> ConnectionError | None:
        """Why a publish now would be refused at once, or None: lets the ingress answer 503
        before reading a body it could not store."""
        if not self.broker.ready:
            return ConnectionError("not connected to the broker")
        if self.broker.blocked and not self.wait_while_blocked:
            return BrokerBlocked()
        limit = self.max_waiting_bytes
        if limit is not None and self._waiting_bytes >= limit:
            return PublishBacklog(self._waiting_bytes, limit)
        return None

    async def publish(
        self,
        exchange: str,
        routing_key: str,
        body: bytes | bytearray,
        properties: frames.Properties,
    ) -> None:
        """Publish (mandatory, as the properties say) and wait for the broker's confirm.

        Raises at once :class:`ConnectionError` while the broker is unreachable, and (the
        ingress's publisher) :class:`BrokerBlocked` or :class:`PublishBacklog`; aiormq's
        ``DeliveryError``/``PublishError`` when the broker refuses or cannot route the message;
        ``ChannelInvalidStateError``/``ChannelClosed`` when the channel closes first; and
        :class:`TimeoutError` when no confirm came within the timeout.
        """
        channel = await self._usable_channel()
        size = len(body)
        limit = self.max_waiting_bytes
        if limit is not None and self._waiting_bytes and self._waiting_bytes + size > limit:
            raise PublishBacklog(self._waiting_bytes, limit)
        # aiormq finds a returned (unroutable) message's confirmation by its message id.
        message_id = properties.message_id or uuid.uuid4().hex
        properties.message_id = message_id
        # Marshalled before it is queued: a value that cannot be encoded raises here.
        parts = [
            self._method_frame(channel.number, exchange, routing_key),
            frames.content_header(channel.number, size, properties),
            *frames.body(channel.number, body, aiormq_internals.max_frame_payload(channel)),
        ]
        loop = asyncio.get_running_loop()
        item = _Publish(
            channel=channel,
            parts=parts,
            size=size,
            message_id=message_id,
            deadline=loop.time() + self.timeout,
            done=loop.create_future(),
        )
        self._waiting_bytes += size
        self._timing.append(item)
        if self._sweeper is None:
            self._sweeper = loop.call_later(self.sweep_seconds, self._sweep)
        self._enqueue(item)
        try:
            await item.done
        except aiormq.exceptions.DeliveryError as exc:
            if not isinstance(exc, aiormq.exceptions.PublishError):  # a nack, not a return
                self._replace_after_nack(item.channel)
            raise
        except asyncio.CancelledError:
            self._drop(item)  # if it was still waiting, it is never written
            task = asyncio.current_task()
            if item.done.cancelled() and task is not None and not task.cancelling():
                # The sweep cancelled it (a late confirm is then ignored quietly by aiormq).
                raise TimeoutError("the broker did not confirm the publish in time") from None
            raise

    def settle(
        self, channel: aiormq.abc.AbstractChannel, delivery_tag: int, how: frames.Settlement
    ) -> None:
        """Settle a delivery on ``channel`` (any channel of the connection) in the next write.

        Settlements have no reply, so this returns at once. If the channel closes before the
        write, the settlement is dropped and the broker redelivers the message, as it would have
        anyway.
        """
        if not isinstance(channel, aiormq.Channel) or aiormq_internals.channel_closing(channel):
            raise aiormq.exceptions.ChannelInvalidStateError(f"{channel!r} closed")
        self._enqueue(_Settle(channel, frames.settlement(channel.number, delivery_tag, how)))

    async def flush(self) -> None:
        """Wait until everything queued so far (settlements included) has reached the socket.

        A stopping worker calls this before closing the channel its messages came on, so that
        their acks go out first and the broker does not redeliver what was settled.
        """
        await self._idle.wait()

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
        self._refuse_waiting(ConnectionError("the publisher closed"))
        if self._channel is not None and not self._channel.is_closed:
            await self._channel.close()

    async def _usable_channel(self) -> aiormq.Channel:
        while True:
            if not self.broker.ready:
                raise ConnectionError("not connected to the broker")
            if not self.broker.blocked:
                return await self._open_channel()
            if not self.wait_while_blocked:
                raise BrokerBlocked()
            await self.broker.until_unblocked()  # the worker: hold on until the alarm clears

    async def _open_channel(self) -> aiormq.Channel:
        channel = self._channel
        amqp = self.broker.amqp
        if amqp is None:
            raise ConnectionError("not connected to the broker")
        if (
            channel is not None
            and channel.connection is amqp
            and not aiormq_internals.channel_closing(channel)
        ):
            return channel
        async with self._opening:
            channel = self._channel
            if (
                channel is None
                or channel.connection is not amqp
                or aiormq_internals.channel_closing(channel)
            ):
                opening = amqp.channel(publisher_confirms=True, on_return_raises=True)
                opened = await bounded(opening, self.timeout, "opening a channel")
                assert isinstance(opened, aiormq.Channel)
                self._channel = channel = opened
                self._channel_opened_at = asyncio.get_running_loop().time()
            return channel

    def _replace_after_nack(self, channel: aiormq.Channel) -> None:
        """Publish on a new channel from now on (at most once a second).

        On RabbitMQ 3.10, a channel whose first publish to a quorum queue comes while the queue
        has no leader (a cluster node was just lost) is nacked, and so is every later publish of
        that channel to that queue, for a minute and more; a new channel is not
        (tests/faults/test_nodes.py). A nack for any other reason (a full queue) costs a channel.
        """
        now = asyncio.get_running_loop().time()
        if channel is not self._channel or now - self._channel_opened_at < _RENEW_SECONDS:
            return
        self._channel = None
        log.warning("publish_channel_renewed", reason="nack")
        closing = asyncio.create_task(channel.close())
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)

    def _enqueue(self, item: _Publish | _Settle) -> None:
        self._queue.append(item)
        self._idle.clear()
        self._wakeup.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="publisher-writer")

    def _drop(self, item: _Publish) -> None:
        """Forget a publish that was not written (its body is released at once)."""
        if item.parts is not None:
            item.parts = None
            self._waiting_bytes -= item.size

    def _refuse_waiting(self, error: BaseException) -> None:
        """Fail every publish still waiting for its turn (settlements stay queued)."""
        for item in self._queue:
            if isinstance(item, _Publish) and item.parts is not None:
                self._drop(item)
                if not item.done.done():
                    item.done.set_exception(error)

    def _method_frame(self, channel_number: int, exchange: str, routing_key: str) -> bytes:
        key = (channel_number, exchange, routing_key)
        marshalled = self._method_frames.get(key)
        if marshalled is None:
            marshalled = frames.method(channel_number, exchange, routing_key, mandatory=True)
            if len(self._method_frames) < _METHOD_FRAME_CACHE:
                self._method_frames[key] = marshalled
        return marshalled

    async def _write(self) -> None:
        """Write what waits, in batches, with at most IN_SOCKET_BYTES handed to the socket and
        not yet taken by it."""
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                if self.broker.blocked:
                    if not self.wait_while_blocked:
                        self._refuse_waiting(BrokerBlocked())
                    await self.broker.until_unblocked()
                    continue
                self._write_batch()
                while self._in_socket_bytes > IN_SOCKET_BYTES:
                    await self._taken_by_socket()
            while self._in_socket:
                await self._taken_by_socket()
            if not self._queue:
                self._idle.set()

    def _write_batch(self) -> None:
        """Number the next items of one connection, up to about BATCH_BYTES, and hand them to
        the connection's writer as one write."""
        queue = self._queue
        connection = queue[0].channel.connection
        parts: list[bytes | memoryview] = []
        size = 0
        channel: aiormq.Channel | None = None
        while queue and size < BATCH_BYTES and queue[0].channel.connection is connection:
            item = queue.popleft()
            if aiormq_internals.channel_closing(item.channel):
                # A publish on it would be refused; a settlement is moot (the broker redelivers),
                # and either, sent now, would make the broker close the whole connection.
                if isinstance(item, _Publish) and item.parts is not None:
                    self._drop(item)
                    if not item.done.done():
                        item.done.set_exception(
                            aiormq.exceptions.ChannelInvalidStateError("the channel closed")
                        )
                continue
            channel = item.channel
            if isinstance(item, _Settle):
                parts.append(item.frame)
                continue
            if item.parts is None or item.done.done():
                self._drop(item)  # timed out or given up while waiting: never written
                continue
            confirmation = aiormq_internals.number_publish(item.channel, item.message_id)
            confirmation.add_done_callback(functools.partial(_resolve, item.done))
            parts += item.parts
            item.parts = None
            size += item.size
        if channel is None or not parts:
            self._waiting_bytes -= size
            return
        payload = b"".join(parts)
        taken = aiormq_internals.hand_over(channel, payload)
        self._in_socket.append((taken, size, len(payload)))
        self._in_socket_bytes += len(payload)

    async def _taken_by_socket(self) -> None:
        """Wait until the socket took the oldest write handed to it."""
        taken, size, length = self._in_socket[0]
        try:
            await taken
        except (aiormq.exceptions.AMQPError, RuntimeError, ConnectionError) as exc:
            # The channel or connection closed first: aiormq rejects the confirmations of what
            # was numbered, and the broker redelivers what was settled.
            log.info("write_abandoned", error=type(exc).__name__, bytes=length)
        finally:
            self._in_socket.popleft()
            self._in_socket_bytes -= length
            self._waiting_bytes -= size

    def _sweep(self) -> None:
        """Time out the publishes past their deadline (not while a waiting publisher is
        blocked: its deadlines move on by the time the alarm lasted)."""
        self._sweeper = None
        timing = self._timing
        if not timing:
            self._blocked_since = None
            return
        loop = timing[0].done.get_loop()
        now = loop.time()
        if self.wait_while_blocked:
            if self.broker.blocked:
                if self._blocked_since is None:
                    self._blocked_since = now
                self._sweeper = loop.call_later(self.sweep_seconds, self._sweep)
                return
            if self._blocked_since is not None:
                paused, self._blocked_since = now - self._blocked_since, None
                for item in timing:
                    item.deadline += paused
        while timing:
            item = timing[0]
            if not item.done.done():
                if item.deadline > now:
                    break
                item.done.cancel()
                self._drop(item)
            timing.popleft()
        if timing:
            self._sweeper = loop.call_later(self.sweep_seconds, self._sweep)


def _resolve(done: asyncio.Future[None], confirmation: asyncio.Future[object]) -> None:
    """Pass aiormq's answer for a publish on to its caller (unless the caller gave up)."""
    if confirmation.cancelled():
        error: BaseException | None = aiormq.exceptions.ChannelInvalidStateError("channel closed")
    else:
        error = confirmation.exception()
    if done.done():
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)
