"""Every exchange and queue the pipeline uses: named here, declared here, nowhere else.

Declaration is idempotent; every process declares the whole topology when it connects, so
whichever starts first makes it and the others find it as it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from aio_pika.abc import AbstractChannel, AbstractExchange, ExchangeType

from shared.outcome import Outcome

# After this many deliveries (the worker crashed or failed on it each time) a quorum queue
# dead-letters the message itself: a poison message cannot block its queue.
DELIVERY_LIMIT = 5

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


class Topology:
    """Names under one namespace prefix (``VERDICT_NAMESPACE``) for one set of vendors."""

    def __init__(
        self,
        namespace: str,
        vendors: Iterable[str],
        retry_delays: Iterable[float] = RETRY_DELAYS_SECONDS,
    ) -> None:
        self.namespace = namespace
        self.vendors = tuple(vendors)
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

    def exchange_names(self) -> list[str]:
        return [self.inbound_exchange, self.outcomes_exchange, self.dead_exchange]

    async def declare(self, channel: AbstractChannel) -> None:
        inbound = await _exchange(channel, self.inbound_exchange, ExchangeType.DIRECT)
        outcomes = await _exchange(channel, self.outcomes_exchange, ExchangeType.TOPIC)
        dead = await _exchange(channel, self.dead_exchange, ExchangeType.TOPIC)

        dead_letters = await channel.declare_queue(
            self.dead_letter_queue, durable=True, arguments={"x-queue-type": "quorum"}
        )
        await dead_letters.bind(dead, routing_key="#")

        for outcome in Outcome:
            queue = await channel.declare_queue(
                self.outcome_queue(outcome), durable=True, arguments={"x-queue-type": "quorum"}
            )
            await queue.bind(outcomes, routing_key=f"{outcome.value}.#")

        for vendor in self.vendors:
            queue = await channel.declare_queue(
                self.inbound_queue(vendor),
                durable=True,
                arguments={
                    **_AT_LEAST_ONCE_DEAD_LETTERING,
                    "x-delivery-limit": DELIVERY_LIMIT,
                    "x-dead-letter-exchange": self.dead_exchange,
                },
            )
            await queue.bind(inbound, routing_key=vendor)
            for delay in self.retry_delays:
                # Expired messages are dead-lettered back to the vendor's own queue.
                await channel.declare_queue(
                    self.retry_queue(vendor, delay),
                    durable=True,
                    arguments={
                        **_AT_LEAST_ONCE_DEAD_LETTERING,
                        "x-message-ttl": round(delay * 1000),
                        "x-dead-letter-exchange": self.inbound_exchange,
                        "x-dead-letter-routing-key": vendor,
                    },
                )


async def _exchange(channel: AbstractChannel, name: str, type_: ExchangeType) -> AbstractExchange:
    return await channel.declare_exchange(name, type_, durable=True)


async def delete(channel: AbstractChannel, topology: Topology) -> None:
    """Remove everything :meth:`Topology.declare` made (tests, and tearing down a namespace)."""
    for queue in topology.queue_names():
        await channel.queue_delete(queue)
    for exchange in topology.exchange_names():
        await channel.exchange_delete(exchange)
