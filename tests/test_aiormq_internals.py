"""What shared/aiormq_internals.py relies on in aiormq, checked against the installed release.

A failure here means an aiormq release changed something the publisher or the broker depends
on: read the message, adapt shared/aiormq_internals.py, and only then lift the version bound in
pyproject.toml.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from importlib.metadata import version

import aiormq
import pytest
from aiormq import spec

from shared import aiormq_internals, frames

pytestmark = pytest.mark.broker


@pytest.fixture
async def amqp(amqp_url: str) -> AsyncIterator[aiormq.Connection]:
    connection = await aiormq.connect(amqp_url)
    assert isinstance(connection, aiormq.Connection)
    yield connection
    await connection.close()


@pytest.fixture
async def confirm_channel(amqp: aiormq.Connection) -> aiormq.Channel:
    channel = await amqp.channel(publisher_confirms=True)
    assert isinstance(channel, aiormq.Channel)
    return channel


def _private(owner: object, name: str) -> object:
    assert hasattr(owner, name), (
        f"aiormq {version('aiormq')}: {type(owner).__name__} has no {name} any more; "
        "shared/aiormq_internals.py reads it"
    )
    return getattr(owner, name)


async def test_channel_close_event(confirm_channel: aiormq.Channel) -> None:
    event = _private(confirm_channel, "_Channel__close_event")
    assert isinstance(event, asyncio.Event), "Channel.__close_event is no longer an asyncio.Event"
    assert not aiormq_internals.channel_closing(confirm_channel)
    await confirm_channel.close()
    assert aiormq_internals.channel_closing(confirm_channel)


async def test_connection_unblocked_event(amqp: aiormq.Connection) -> None:
    event = _private(amqp, "_Connection__connection_unblocked")
    assert isinstance(event, asyncio.Event), (
        "Connection.__connection_unblocked is no longer an asyncio.Event"
    )
    assert not aiormq_internals.connection_blocked(amqp)
    # aiormq must still tell the broker it understands connection.blocked, or none would come.
    capabilities = amqp._client_properties()["capabilities"]
    assert capabilities.get("connection.blocked") is True


async def test_numbering_writing_and_confirming_a_publish(
    confirm_channel: aiormq.Channel,
) -> None:
    for name, kind in (
        ("delivery_tag", int),
        ("confirmations", dict),
        ("message_id_delivery_tag", dict),
        ("write_queue", asyncio.Queue),
        ("max_content_size", int),
    ):
        assert isinstance(_private(confirm_channel, name), kind), f"Channel.{name} changed type"

    declared = await confirm_channel.queue_declare(exclusive=True)
    assert declared.queue is not None
    before = confirm_channel.delivery_tag
    confirmation = aiormq_internals.number_publish(confirm_channel, "m-1")
    assert confirm_channel.delivery_tag == before + 1
    assert confirm_channel.message_id_delivery_tag["m-1"] == before + 1

    body = b"x" * (aiormq_internals.max_frame_payload(confirm_channel) + 1)  # two body frames
    properties = frames.Properties(message_id="m-1")
    payload = b"".join(
        [
            frames.method(confirm_channel.number, "", declared.queue, mandatory=True),
            frames.content_header(confirm_channel.number, len(body), properties),
            *frames.body(
                confirm_channel.number, body, aiormq_internals.max_frame_payload(confirm_channel)
            ),
        ]
    )
    await asyncio.wait_for(aiormq_internals.hand_over(confirm_channel, payload), 10)
    assert isinstance(await asyncio.wait_for(confirmation, 10), spec.Basic.Ack)
    assert "m-1" not in confirm_channel.message_id_delivery_tag  # forgotten once confirmed

    got = await confirm_channel.basic_get(declared.queue, no_ack=True)
    assert got.body == body


async def test_an_unroutable_numbered_publish_is_returned(
    confirm_channel: aiormq.Channel,
) -> None:
    confirm_channel.on_return_raises = True
    confirmation = aiormq_internals.number_publish(confirm_channel, "m-2")
    payload = b"".join(
        [
            frames.method(confirm_channel.number, "", "no-such-queue-here", mandatory=True),
            frames.content_header(confirm_channel.number, 0, frames.Properties(message_id="m-2")),
        ]
    )
    await asyncio.wait_for(aiormq_internals.hand_over(confirm_channel, payload), 10)
    with pytest.raises(aiormq.exceptions.PublishError):
        await asyncio.wait_for(confirmation, 10)
