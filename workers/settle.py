"""The one place where a worker decides what becomes of a message: ack, retry, dead-letter, requeue.

Three kinds of failure (docs/operations.md):
- permanent: the body cannot be decoded or classified. Dead-lettered at once.
- transient: the broker did not confirm what the worker published, or a vendor's API could not
  answer now (timeout, 5xx, 429; workers/fetch/). Retried through the TTL retry queues
  (shared/topology.py), no sooner than a vendor's Retry-After asks (up to the longest delay),
  then dead-lettered when the attempts run out.
- poison: anything else the handler raised. The message is requeued (a quorum queue puts it at
  the back) and dead-lettered here on its last allowed delivery. A worker that dies on it never
  gets that far: then the queue's delivery limit dead-letters it (with the broker's ``x-death``
  only; workers/deadletter.py reads that as poison, reason ``delivery_limit``).

If the channel the message came on closes before its ack or nack reaches the broker, the broker
redelivers it: whatever was published for it (outcome, retry copy, dead letter) may then be
published again. That is the at-least-once duplicate consumers dedupe on the event ``id``.
"""

from __future__ import annotations

import asyncio
import enum
import traceback
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiormq
from aio_pika.abc import AbstractIncomingMessage

from shared import logging, messages, metrics
from shared.broker import Broker
from shared.errors import NOT_CONFIRMED
from shared.frames import Settlement
from shared.publisher import Publisher
from shared.topology import DELIVERY_LIMIT
from workers import deadletter

log = logging.get("verdict.worker")

# Errors recorded on a dead letter are for operators, not a place to store the body.
_MAX_ERROR_LENGTH = 1000

# Reasons (``verdict-failure-reason``) this module writes; adapters' reasons come with Permanent.
NOT_CONFIRMED_REASON = "not_confirmed"
RETRIES_EXHAUSTED = "retries_exhausted"
HANDLER_ERROR = "handler_error"
# How long a message the broker would not take a copy of waits before it is handed back.
REQUEUE_PAUSE_SECONDS = 1.0

# The broker's header counting earlier deliveries of a quorum-queue message (read, never written).
_DELIVERY_COUNT = "x-delivery-count"


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
    # The channel closed before the decision reached the broker, which redelivers the message.
    ABANDONED = "abandoned"


class Permanent(Exception):
    """The message can never succeed as it is; ``reason`` is a stable code for filtering."""

    def __init__(self, reason: str, error: str) -> None:
        super().__init__(f"{reason}: {error}")
        self.reason = reason
        self.error = error


class Transient(Exception):
    """Worth trying again later (a vendor's API timed out, failed or limited the rate): retried
    through the retry queues, then dead-lettered. ``retry_after``: the least wait, in seconds,
    the vendor asked for."""

    def __init__(self, reason: str, error: str, retry_after: float | None = None) -> None:
        super().__init__(f"{reason}: {error}")
        self.reason = reason
        self.error = error
        self.retry_after = retry_after


class Settler:
    def __init__(self, broker: Broker, publisher: Publisher) -> None:
        self.broker = broker
        # The worker's own publisher: retries and dead letters go out as its outcome events do.
        self.publisher = publisher

    async def settle(self, message: AbstractIncomingMessage, work: Awaitable[None]) -> Settled:
        """Run ``work`` for ``message`` and acknowledge it by how it ended."""
        try:
            await work
        except Permanent as exc:
            return await self._fail(message, FailureKind.PERMANENT, exc.reason, exc.error)
        except Transient as exc:
            return await self._retry(message, exc.reason, exc.error, exc.retry_after)
        except NOT_CONFIRMED as exc:
            return await self._retry(message, NOT_CONFIRMED_REASON, type(exc).__name__)
        except Exception as exc:
            log.error("message_failed", error=type(exc).__name__, exc_info=exc)
            return await self._poison(message, exc)
        return self._settle(message, Settlement.ACK, Settled.DONE)

    async def _poison(self, message: AbstractIncomingMessage, exc: Exception) -> Settled:
        deliveries = _int(message.headers.get(_DELIVERY_COUNT)) + 1
        if deliveries <= DELIVERY_LIMIT:
            return self._requeue(message)
        # The last delivery the queue allows: dead-letter it ourselves, with what went wrong.
        return await self._fail(
            message, FailureKind.POISON, HANDLER_ERROR, _describe(exc), attempts=deliveries
        )

    async def _retry(
        self,
        message: AbstractIncomingMessage,
        reason: str,
        error: str,
        retry_after: float | None = None,
    ) -> Settled:
        delays = self.broker.topology.retry_delays
        attempt = _int(message.headers.get(messages.ATTEMPTS)) + 1
        if attempt > len(delays):
            return await self._fail(
                message,
                FailureKind.TRANSIENT,
                RETRIES_EXHAUSTED,
                f"{reason}: {error}",
                attempts=attempt,
            )
        delay = delays[attempt - 1]
        if retry_after is not None and retry_after > delay:
            # A retry queue that waits as long as the vendor asked (the longest, if none does).
            # Only tries are counted: a long wait spends no attempt of the schedule.
            delay = next((d for d in delays if d >= retry_after), delays[-1])
        queue = self.broker.topology.retry_queue(_vendor(message), delay)
        headers = _failure_headers(message, FailureKind.TRANSIENT, reason, error, attempt)
        try:
            await self.publisher.publish(
                "", queue, message.body, messages.copy_properties(message, headers)
            )
        except NOT_CONFIRMED:
            return await self._requeue_later(message)
        except Exception as exc:
            return self._unwritable(message, exc)
        if self._settle(message, Settlement.ACK, Settled.RETRIED) is Settled.ABANDONED:
            return Settled.ABANDONED
        metrics.RETRIES.labels(vendor=self._vendor_label(message)).inc()
        return Settled.RETRIED

    async def _fail(
        self,
        message: AbstractIncomingMessage,
        kind: FailureKind,
        reason: str,
        error: str,
        *,
        attempts: int = 1,
    ) -> Settled:
        headers = _failure_headers(message, kind, reason, error, attempts)
        try:
            await self.publisher.publish(
                self.broker.topology.dead_exchange,
                _vendor(message),
                message.body,
                messages.copy_properties(message, headers),
            )
        except NOT_CONFIRMED:
            return await self._requeue_later(message)
        except Exception as exc:
            return self._unwritable(message, exc)
        if self._settle(message, Settlement.ACK, Settled.DEAD_LETTERED) is Settled.ABANDONED:
            return Settled.ABANDONED
        metrics.DEAD_LETTERS.labels(vendor=self._vendor_label(message), kind=kind.value).inc()
        return Settled.DEAD_LETTERED

    def _unwritable(self, message: AbstractIncomingMessage, exc: Exception) -> Settled:
        """Its copy cannot even be encoded (a header no AMQP encoder takes): the broker
        dead-letters the original instead, with its ``x-death`` (kind ``broker``, reason
        ``rejected`` in ``verdict dlq``)."""
        log.error("copy_unwritable", error=type(exc).__name__)
        settled = self._settle(message, Settlement.REJECT, Settled.DEAD_LETTERED)
        if settled is Settled.DEAD_LETTERED:
            metrics.DEAD_LETTERS.labels(
                vendor=self._vendor_label(message), kind=deadletter.BROKER
            ).inc()
        return settled

    def _vendor_label(self, message: AbstractIncomingMessage) -> str:
        return metrics.vendor_label(_vendor(message), self.broker.topology.vendors)

    def _requeue(self, message: AbstractIncomingMessage) -> Settled:
        return self._settle(message, Settlement.REQUEUE, Settled.REQUEUED)

    async def _requeue_later(self, message: AbstractIncomingMessage) -> Settled:
        """The broker took neither the outcome nor a retry or dead-letter copy: hand the message
        back, after a pause. Handed back at once, it would come straight back and fail again,
        and each return counts against the queue's delivery limit: the few seconds a cluster
        takes to elect a queue's new leader would be enough to dead-letter a sound webhook as
        poison (tests/faults/test_cluster_node_lost.py). The pause holds one prefetch slot."""
        await asyncio.sleep(REQUEUE_PAUSE_SECONDS)
        return self._requeue(message)

    def _settle(
        self, message: AbstractIncomingMessage, how: Settlement, settled: Settled
    ) -> Settled:
        """Every ack, nack and reject goes out here, in the publisher's next write. If the
        channel is gone, the broker redelivers the message instead."""
        try:
            if message.delivery_tag is not None:
                self.publisher.settle(message.channel, message.delivery_tag, how)
        except aiormq.exceptions.ChannelInvalidStateError as exc:
            log.warning("settlement_lost", error=type(exc).__name__, would_have_been=settled.value)
            return Settled.ABANDONED
        return settled


def _describe(exc: BaseException) -> str:
    """The exception's type and where it was raised: enough to find the bug, no message data."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return type(exc).__name__
    last = frames[-1]
    return f"{type(exc).__name__} at {Path(last.filename).name}:{last.lineno} in {last.name}"


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
