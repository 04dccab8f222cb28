"""The one place where a worker decides what becomes of a message: ack, retry, dead-letter, requeue.

Three kinds of failure (docs/operations.md):
- permanent: the body cannot be decoded or classified. Dead-lettered at once.
- transient: the broker did not confirm what the worker published. Retried through the TTL
  retry queues (shared/topology.py), then dead-lettered when the attempts run out.
- poison: anything else the handler raised. The message is requeued; the quorum queue's delivery
  limit dead-letters it if it keeps failing, so it cannot block its queue.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, DeliveryMode

from shared import logging, messages
from shared.broker import Broker
from shared.topology import RETRY_DELAYS_SECONDS

log = logging.get("verdict.worker")

# Errors recorded on a dead letter are for operators, not a place to store the body.
_MAX_ERROR_LENGTH = 1000

# Anything that means the broker did not confirm a publish.
NOT_CONFIRMED = (
    aio_pika.exceptions.AMQPError,
    aio_pika.exceptions.DeliveryError,
    asyncio.TimeoutError,
    ConnectionError,
)


class FailureKind(enum.StrEnum):
    PERMANENT = "permanent"
    TRANSIENT = "transient"
    POISON = "poison"


class Settled(enum.StrEnum):
    """What became of a message; the worker logs and counts it."""

    DONE = "done"
    DEAD_LETTERED = "dead_lettered"
    RETRIED = "retried"
    REQUEUED = "requeued"


class Permanent(Exception):
    """The message can never succeed as it is; ``reason`` is a stable code for filtering."""

    def __init__(self, reason: str, error: str) -> None:
        super().__init__(f"{reason}: {error}")
        self.reason = reason
        self.error = error


class Settler:
    def __init__(self, broker: Broker, *, publish_timeout: float) -> None:
        self.broker = broker
        self.publish_timeout = publish_timeout

    async def settle(self, message: AbstractIncomingMessage, work: Awaitable[None]) -> Settled:
        """Run ``work`` for ``message`` and acknowledge it by how it ended."""
        try:
            await work
        except Permanent as exc:
            return await self._fail(message, FailureKind.PERMANENT, exc.reason, exc.error)
        except NOT_CONFIRMED as exc:
            return await self._retry(message, type(exc).__name__)
        except Exception as exc:
            log.error("message_failed", error=type(exc).__name__, exc_info=exc)
            return await self._requeue(message)
        await message.ack()
        return Settled.DONE

    async def _retry(self, message: AbstractIncomingMessage, error: str) -> Settled:
        attempt = _int(message.headers.get(messages.ATTEMPTS)) + 1
        if attempt > len(RETRY_DELAYS_SECONDS):
            return await self._fail(message, FailureKind.TRANSIENT, "retries_exhausted", error)
        vendor = _vendor(message)
        queue = self.broker.topology.retry_queue(vendor, RETRY_DELAYS_SECONDS[attempt - 1])
        headers = _failure_headers(message, FailureKind.TRANSIENT, "not_confirmed", error, attempt)
        try:
            exchange = await self.broker.exchange("")
            await exchange.publish(_copy(message, headers), queue, timeout=self.publish_timeout)
        except NOT_CONFIRMED:
            return await self._requeue(message)
        await message.ack()
        return Settled.RETRIED

    async def _fail(
        self, message: AbstractIncomingMessage, kind: FailureKind, reason: str, error: str
    ) -> Settled:
        attempts = max(_int(message.headers.get(messages.ATTEMPTS)), 1)
        headers = _failure_headers(message, kind, reason, error, attempts)
        try:
            exchange = await self.broker.exchange(self.broker.topology.dead_exchange)
            await exchange.publish(
                _copy(message, headers), _vendor(message), timeout=self.publish_timeout
            )
        except NOT_CONFIRMED:
            return await self._requeue(message)
        await message.ack()
        return Settled.DEAD_LETTERED

    async def _requeue(self, message: AbstractIncomingMessage) -> Settled:
        # If the channel is gone the broker requeues the message itself.
        try:
            await message.nack(requeue=True)
        except (*NOT_CONFIRMED, RuntimeError):
            pass
        return Settled.REQUEUED


def _failure_headers(
    message: AbstractIncomingMessage, kind: FailureKind, reason: str, error: str, attempts: int
) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    # The broker's own x- headers (x-death, ...) stay behind: they are the broker's to write.
    headers = {k: v for k, v in message.headers.items() if not k.startswith("x-")}
    headers.setdefault(messages.FIRST_FAILED_AT, now)
    headers.update(
        {
            messages.FAILURE_KIND: kind.value,
            messages.FAILURE_REASON: reason,
            messages.FAILURE_ERROR: error[:_MAX_ERROR_LENGTH],
            messages.ATTEMPTS: attempts,
            messages.LAST_FAILED_AT: now,
        }
    )
    return headers


def _copy(message: AbstractIncomingMessage, headers: dict[str, Any]) -> aio_pika.Message:
    return aio_pika.Message(
        message.body,
        headers=headers,
        content_type=message.content_type,
        message_id=message.message_id,
        timestamp=message.timestamp,
        delivery_mode=DeliveryMode.PERSISTENT,
    )


def _vendor(message: AbstractIncomingMessage) -> str:
    vendor = message.headers.get(messages.VENDOR)
    if isinstance(vendor, bytes):
        return vendor.decode("utf-8", "replace")
    return str(vendor) if vendor else (message.routing_key or "unknown")


def _int(value: object) -> int:
    try:
        return int(str(value)) if value is not None else 0
    except ValueError:
        return 0
