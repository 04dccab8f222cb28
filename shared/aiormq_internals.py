"""Everything Verdict relies on in aiormq beyond its documented interface, in one place.

The batching publisher (shared/publisher.py) writes its own frames, so it numbers publishes and
registers their confirmations exactly as aiormq's ``Channel.basic_publish`` does; the broker
(shared/broker.py) asks whether RabbitMQ has blocked the connection, which aiormq tracks but does
not expose. Each function names the attributes it reads or writes. tests/test_aiormq_internals.py
checks every one against the installed aiormq, so a release that changes them fails there, by
name, instead of in production (pyproject.toml also keeps aiormq below 8 until that test passes).
"""

from __future__ import annotations

import asyncio

import aiormq
from aiormq.abc import ChannelFrame


def channel_closing(channel: aiormq.Channel) -> bool:
    """Closed, or being closed by the broker.

    aiormq answers the broker's ``Channel.Close`` at once but marks the channel closed some loop
    turns later; a frame sent on it in between makes the broker close the whole connection.
    aiormq's own methods check the same private event (``_Channel__close_event``).
    """
    close_event: asyncio.Event = channel._Channel__close_event  # type: ignore[attr-defined]
    return channel.is_closed or close_event.is_set()


def connection_blocked(connection: aiormq.Connection) -> bool:
    """Whether RabbitMQ has sent ``connection.blocked`` and not yet ``connection.unblocked``.

    aiormq advertises the capability and records the notification in a private event
    (``_Connection__connection_unblocked``), set while unblocked, but offers no way to ask.
    """
    unblocked: asyncio.Event = connection._Connection__connection_unblocked  # type: ignore[attr-defined]
    return not unblocked.is_set()


def number_publish(channel: aiormq.Channel, message_id: str) -> asyncio.Future[object]:
    """Number the next publish on a confirm channel and return the future of its confirm.

    The broker numbers publishes in the order they reach it, so this must be called in the order
    the frames are written, and only for frames that will be written. aiormq resolves the future
    as it does for its own publishes: an ack gives the frame, a nack raises ``DeliveryError``, a
    return (``mandatory``, unroutable) raises ``PublishError`` (found by ``message_id``), a
    closing channel raises. Uses ``delivery_tag``, ``confirmations`` and
    ``message_id_delivery_tag``.
    """
    channel.delivery_tag += 1
    delivery_tag = channel.delivery_tag
    confirmation = channel.create_future()  # rejected by aiormq when the channel closes
    channel.confirmations[delivery_tag] = confirmation
    channel.message_id_delivery_tag[message_id] = delivery_tag

    def forget_message_id(_: asyncio.Future[object]) -> None:
        if channel.message_id_delivery_tag.get(message_id) == delivery_tag:
            del channel.message_id_delivery_tag[message_id]

    confirmation.add_done_callback(forget_message_id)
    return confirmation


def hand_over(channel: aiormq.Channel, payload: bytes) -> asyncio.Future[None]:
    """Hand ``payload`` (whole frames) to the connection's writer; the future resolves once the
    socket took it (``writer.drain()``), and fails if the channel closes first.

    Uses the connection's ``write_queue`` (unbounded, so this never waits) and aiormq's
    ``ChannelFrame``, as its own methods do; the drain future is the channel's, so a closing
    channel rejects it rather than leave it pending.
    """
    drained: asyncio.Future[None] = channel.create_future()
    channel.write_queue.put_nowait(
        ChannelFrame(payload=payload, should_close=False, drain_future=drained)
    )
    return drained


def max_frame_payload(channel: aiormq.Channel) -> int:
    """The largest body frame payload the connection negotiated (``max_content_size``)."""
    size: int = channel.max_content_size
    return size
