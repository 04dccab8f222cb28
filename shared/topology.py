"""Every exchange and queue the pipeline uses: named here, declared here, nowhere else.

Declaration is idempotent; every process declares the whole topology when it connects, so
whichever starts first makes it and the others find it as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractQueue,
    ExchangeType,
)

from shared import logging
from shared.outcome import Outcome

if TYPE_CHECKING:
    from shared.settings import Settings

log = logging.get("verdict.topology")

# After this many deliveries (the worker crashed or failed on it each time) a quorum queue
# dead-letters the message itself: a poison message cannot block its queue.
DELIVERY_LIMIT = 5

# Every other queue (outcomes, retries, dead letters) has no delivery limit, stated explicitly:
# RabbitMQ 4 gives a quorum queue a limit of 20 by default, and these queues have nowhere to send
# what passes it, so an outcome event a consumer handed back 20 times, or a dead letter, would be
# dropped. RabbitMQ 4 spells "none" -1; 3.x has none by default and reads -1 as "drop at the first
# return", so there the argument is left out.
NO_DELIVERY_LIMIT = -1
_NO_DELIVERY_LIMIT_SINCE = 4

# Transient failures wait in TTL queues (quorum, like every queue here: replicated on a cluster),
# one per vendor and delay, then go back to their vendor's queue.
RETRY_DELAYS_SECONDS: tuple[float, ...] = (1, 10, 60, 300)


# A quorum queue dead-letters at most once unless told otherwise: a message it expires (retry
# queues) or gives up on (delivery limit) could vanish if the target did not take it right then.
# At-least-once keeps it until the target confirms; RabbitMQ requires reject-publish with it.
_AT_LEAST_ONCE_DEAD_LETTERING = {
    "x-queue-type": "quorum",
    "x-dead-letter-strategy": "at-least-once",
    "x-overflow": "reject-publish",
}


@dataclass(frozen=True)
class Archive:
    """The archive stream's retention (``VERDICT_ARCHIVE_MAX_AGE``, ``..._MAX_BYTES``)."""

    max_age: str
    max_bytes: int

    @property
    def arguments(self) -> dict[str, Any]:
        # Retention removes whole segments: ten of them, so at most a tenth more is kept.
        segment = min(max(self.max_bytes // 10, 1024 * 1024), 500 * 1000 * 1000)
        return {
            "x-queue-type": "stream",
            "x-max-age": self.max_age,
            "x-max-length-bytes": self.max_bytes,
            "x-stream-max-segment-size-bytes": segment,
        }


class Topology:
    """Names under one namespace prefix (``VERDICT_NAMESPACE``) for one set of vendors."""

    def __init__(
        self,
        namespace: str,
        vendors: Iterable[str],
        retry_delays: Iterable[float] = RETRY_DELAYS_SECONDS,
        archive: Archive | None = None,
    ) -> None:
        self.namespace = namespace
        self.vendors = tuple(vendors)
        # The archive (docs/policy.md): an exchange that copies every webhook and outcome event
        # to the stream while switched on. The exchange is always there, so switching off is an
        # unbind that cannot fail; the stream is declared only when switched on.
        self.archive = archive
        self.archive_queue = f"{namespace}.archive"
        self.archive_exchange = f"{namespace}.archive"
        # Tests shorten the delays; production keeps the defaults.
        self.retry_delays = tuple(retry_delays)
        self.inbound_exchange = f"{namespace}.inbound"
        self.outcomes_exchange = f"{namespace}.outcomes"
        self.dead_exchange = f"{namespace}.dead"
        self.dead_letter_queue = f"{namespace}.dead-letter"
        # An exclusive queue that ``verdict dlq`` holds while it works on the dead letters, so
        # that two operators' commands never interleave (workers/dlq.py). It holds no messages.
        self.dead_letter_lock = f"{namespace}.dead-letter.lock"

    def inbound_queue(self, vendor: str) -> str:
        return f"{self.namespace}.inbound.{vendor}"

    def outcome_queue(self, outcome: Outcome) -> str:
        return f"{self.namespace}.outcome.{outcome.value}"

    def retry_queue(self, vendor: str, delay_seconds: float) -> str:
        return f"{self.namespace}.retry.{vendor}.{delay_seconds:g}s"

    def queue_names(self) -> list[str]:
        return [
            *(self.inbound_queue(vendor) for vendor in self.vendors),
            *(self.outcome_queue(outcome) for outcome in Outcome),
            self.dead_letter_queue,
            *(
                self.retry_queue(vendor, delay)
                for vendor in self.vendors
                for delay in self.retry_delays
            ),
        ]

    def archive_names(self) -> list[str]:
        """The archive stream, where it is switched on (``verdict topology`` looks for it too)."""
        return [self.archive_queue]

    def exchange_names(self) -> list[str]:
        return [
            self.inbound_exchange,
            self.outcomes_exchange,
            self.dead_exchange,
            self.archive_exchange,
        ]

    async def declare(self, channel: AbstractChannel) -> None:
        inbound = await _exchange(channel, self.inbound_exchange, ExchangeType.DIRECT)
        outcomes = await _exchange(channel, self.outcomes_exchange, ExchangeType.TOPIC)
        dead = await _exchange(channel, self.dead_exchange, ExchangeType.TOPIC)
        unlimited = await _no_delivery_limit(channel)

        dead_letters = await _quorum_queue(channel, self.dead_letter_queue, unlimited)
        await dead_letters.bind(dead, routing_key="#")

        for outcome in Outcome:
            queue = await _quorum_queue(channel, self.outcome_queue(outcome), unlimited)
            await queue.bind(outcomes, routing_key=f"{outcome.value}.#")

        for vendor in self.vendors:
            queue = await _quorum_queue(
                channel,
                self.inbound_queue(vendor),
                {
                    **_AT_LEAST_ONCE_DEAD_LETTERING,
                    "x-delivery-limit": DELIVERY_LIMIT,
                    "x-dead-letter-exchange": self.dead_exchange,
                },
            )
            await queue.bind(inbound, routing_key=vendor)
            for delay in self.retry_delays:
                # Expired messages are dead-lettered back to the vendor's own queue.
                await _quorum_queue(
                    channel,
                    self.retry_queue(vendor, delay),
                    {
                        **_AT_LEAST_ONCE_DEAD_LETTERING,
                        **unlimited,
                        "x-message-ttl": round(delay * 1000),
                        "x-dead-letter-exchange": self.inbound_exchange,
                        "x-dead-letter-routing-key": vendor,
                    },
                )
        await self._archive_bindings(channel, inbound)

    async def _archive_bindings(self, channel: AbstractChannel, inbound: AbstractExchange) -> None:
        """Switched on, the archive takes every webhook accepted for a vendor and every outcome
        event; switched off, nothing more (what the stream holds stays until its retention
        removes it)."""
        archive = await _exchange(channel, self.archive_exchange, ExchangeType.FANOUT)
        sources = [(inbound.name, vendor) for vendor in self.vendors]
        sources.append((self.outcomes_exchange, "#"))
        if self.archive is None:
            for source, key in sources:
                await archive.unbind(source, routing_key=key)
            return
        try:
            stream = await channel.declare_queue(
                self.archive_queue, durable=True, arguments=self.archive.arguments
            )
        except aio_pika.exceptions.ChannelPreconditionFailed:
            # Made with other retention: arguments cannot change, so it stays as it is.
            log.warning(
                "archive_retention_not_changed",
                queue=self.archive_queue,
                detail="the stream exists with other retention; set it with a policy "
                "(docs/policy.md) or delete the stream",
            )
            await channel.reopen()
            stream = await channel.declare_queue(self.archive_queue, passive=True)
        await stream.bind(archive)
        for source, key in sources:
            await archive.bind(source, routing_key=key)


def for_settings(settings: Settings) -> Topology:
    """The topology a process with these settings declares."""
    archive = Archive(settings.archive_max_age, settings.archive_max_bytes)
    return Topology(
        settings.namespace, settings.vendors, archive=archive if settings.archive else None
    )


async def broker_major_version(channel: AbstractChannel) -> int | None:
    """The major version of the RabbitMQ ``channel`` is connected to (None: it did not say)."""
    underlay = await channel.get_underlay_channel()
    version = underlay.connection.server_properties.get("version", b"")
    text = version.decode() if isinstance(version, bytes) else str(version)
    major = text.partition(".")[0]
    return int(major) if major.isdigit() else None


async def _no_delivery_limit(channel: AbstractChannel) -> dict[str, Any]:
    """The queue argument for "no delivery limit" on the broker ``channel`` is connected to."""
    major = await broker_major_version(channel)
    if major is not None and major >= _NO_DELIVERY_LIMIT_SINCE:
        return {"x-delivery-limit": NO_DELIVERY_LIMIT}
    return {}


async def _quorum_queue(
    channel: AbstractChannel, name: str, arguments: dict[str, Any]
) -> AbstractQueue:
    try:
        return await channel.declare_queue(
            name, durable=True, arguments={"x-queue-type": "quorum", **arguments}
        )
    except aio_pika.exceptions.ChannelPreconditionFailed as exc:
        if "x-delivery-limit" not in str(exc):
            raise
    # Declared by an older Verdict, with the broker's default delivery limit: queue arguments
    # cannot change, so it stays as it is (docs/operators.md: set the limit with a policy).
    log.warning(
        "queue_delivery_limit_not_set",
        queue=name,
        wanted=arguments.get("x-delivery-limit"),
        detail="the queue exists without it; set a delivery-limit policy (docs/operators.md)",
    )
    await channel.reopen()
    return await channel.declare_queue(name, passive=True)


async def _exchange(channel: AbstractChannel, name: str, type_: ExchangeType) -> AbstractExchange:
    return await channel.declare_exchange(name, type_, durable=True)


async def delete(channel: AbstractChannel, *topologies: Topology) -> None:
    """Remove everything :meth:`Topology.declare` made for these topologies, each name once
    (tests, and tearing down a namespace)."""
    queues = dict.fromkeys(
        name
        for topology in topologies
        for name in [*topology.queue_names(), *topology.archive_names()]
    )
    for queue in queues:
        await channel.queue_delete(queue)
    for exchange in dict.fromkeys(name for t in topologies for name in t.exchange_names()):
        await channel.exchange_delete(exchange)
