"""What "the broker did not take it" means, in one place.

The ingress answers such a webhook ``503``, the worker retries such a message, ``verdict dlq``
leaves such a dead letter where it was: all three decide on :data:`NOT_CONFIRMED`.
"""

from __future__ import annotations

import asyncio
import re

import aio_pika
import aiormq


class BrokerBlocked(ConnectionError):
    """The broker is blocking publishes (a memory or disk alarm: ``connection.blocked``)."""

    def __init__(self) -> None:
        super().__init__("the broker is blocking publishes (a resource alarm)")


class PublishBacklog(ConnectionError):
    """More bytes already wait for the broker's socket than the publisher may hold."""

    def __init__(self, waiting: int, limit: int) -> None:
        super().__init__(f"{waiting} bytes wait to be written to the broker (limit {limit})")


NOT_CONFIRMED: tuple[type[BaseException], ...] = (
    aio_pika.exceptions.AMQPError,  # aiormq's: a nack, a return, a channel or connection closed
    asyncio.TimeoutError,
    ConnectionError,  # not connected, blocked, backlogged
    # Publishing on a channel that has just closed (a RuntimeError, not an AMQPError).
    aiormq.exceptions.ChannelInvalidStateError,
)


# RabbitMQ's words when a message is larger than its max_message_size (3.x and 4.x alike).
_TOO_LARGE = re.compile(r"message size \d+ is larger than configured max size (\d+)")


def broker_size_limit(error: BaseException) -> int | None:
    """The broker's ``max_message_size``, when ``error`` is its refusal of a message over it."""
    if not isinstance(error, aiormq.exceptions.ChannelPreconditionFailed):
        return None
    match = _TOO_LARGE.search(str(error))
    return int(match.group(1)) if match else None
