"""The worker: consume each vendor's inbound queue, classify, publish the outcome, then ack.

An inbound message is acknowledged only after the broker confirmed what became of it (an
outcome event, a retry or a dead letter): a crash at any point leaves it to be redelivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping

import aio_pika
import structlog
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractIncomingMessage,
    AbstractQueue,
    DeliveryMode,
)
from aiormq import spec

from shared import logging, messages, metrics, outcome
from shared.broker import Broker
from shared.publisher import Publisher
from shared.settings import Settings
from workers import observe, pipeline, policies
from workers.fetch import Fetchers
from workers.settle import Permanent, Settled, Settler
from workers.vendors.base import Classifier

log = logging.get("verdict.worker")

MALFORMED_ENVELOPE = "malformed_envelope"

# Cancelling consumers and closing the channel wait for the broker; while it is unreachable a
# stopping worker must not wait for it to come back.
_CLOSE_TIMEOUT = 5.0


class Worker:
    def __init__(
        self,
        settings: Settings,
        broker: Broker,
        classifiers: Mapping[str, Classifier] | None = None,
    ) -> None:
        self.settings = settings
        self.broker = broker
        # The shipped tables with the deployment's [[policy]] changes (checked at start-up).
        self.policy = policies.effective(settings.policy)
        self.classifiers = self.policy.classifiers() if classifiers is None else classifiers
        self.completers = self.policy.completers()
        # The vendors' APIs, for results a webhook only announces (workers/fetch/).
        self.fetchers = Fetchers(settings)
        # Outcome events, retries, dead letters and acks go through the batching publisher
        # (docs/performance.md). During a resource alarm it holds them rather than fail them:
        # the prefetch window bounds what the worker holds meanwhile.
        self.publisher = Publisher(
            broker, timeout=settings.publish_timeout, wait_while_blocked=True
        )
        self.settler = Settler(broker, self.publisher)
        self._channel: AbstractChannel | None = None
        self._consuming_on: AbstractConnection | None = None
        self._consumers: list[tuple[AbstractQueue, str]] = []
        self._subscribing = asyncio.Lock()
        self._subscribed = asyncio.Event()
        self._stopping = False
        self._in_flight: set[asyncio.Task[object]] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    @property
    def consuming(self) -> bool:
        """Consuming on the broker's current connection."""
        return (
            bool(self._consumers)
            and self._channel is not None
            and not self._channel.is_closed
            and self._consuming_on is self.broker.connection
        )

    async def start(self) -> None:
        """Consume every vendor's queue once connected, and again after every reconnect."""
        await self.fetchers.open()
        self.broker.on_connected(self._consume)
        await self.broker.wait_connected()
        if self.broker.connection is not None:
            await self._consume(self.broker.connection)

    async def _consume(self, connection: AbstractConnection) -> None:
        async with self._subscribing:
            if self._stopping or self._consuming_on is connection:
                return
            # Messages delivered while the consumers are being set up wait for the last one: a
            # publish made for them during a resource alarm would get the connection blocked,
            # and RabbitMQ would then not read the rest of the setup until the alarm cleared.
            self._subscribed.clear()
            channel = await connection.channel()
            # Prefetch is per consumer, so each vendor has its own window: a flood or a stuck
            # message from one vendor does not take the others' capacity.
            await channel.set_qos(prefetch_count=self.settings.prefetch)
            consumers = []
            for vendor in self.broker.topology.vendors:
                queue = await channel.get_queue(self.broker.topology.inbound_queue(vendor))
                consumers.append((queue, await queue.consume(self._on_message)))
            self._channel, self._consumers, self._consuming_on = channel, consumers, connection
            self._subscribed.set()
        log.info(
            "worker_started",
            vendors=list(self.broker.topology.vendors),
            fetching=sorted(self.fetchers.enabled),
            policy_digest=self.policy.digest,
            policy_changes=len(self.policy.changed),
        )
        metrics.POLICY.clear()
        metrics.POLICY.labels(self.policy.digest, str(len(self.policy.changed))).set(1)

    async def stop(self, drain_timeout: float | None = None) -> None:
        """Stop taking messages, finish those in flight, leave the rest unacked to the broker."""
        self._stopping = True
        # If the channel is gone (the broker is unreachable) nothing is delivered anyway.
        if self._channel is not None and not self._channel.is_closed:
            cancels = asyncio.gather(*(queue.cancel(tag) for queue, tag in self._consumers))
            with contextlib.suppress(aio_pika.exceptions.AMQPError, RuntimeError, TimeoutError):
                await asyncio.wait_for(cancels, _CLOSE_TIMEOUT)
        self._consumers.clear()
        timeout = self.settings.drain_timeout if drain_timeout is None else drain_timeout
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning("drain_timeout", unfinished=self.in_flight)
            unfinished = list(self._in_flight)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)
        # The acks of what finished are in the publisher's next write: out before the channel
        # closes, or the broker would redeliver those messages.
        with contextlib.suppress(aio_pika.exceptions.AMQPError, RuntimeError, TimeoutError):
            await asyncio.wait_for(self.publisher.flush(), _CLOSE_TIMEOUT)
        if self._channel is not None:
            # Closing the channel hands every unacknowledged message back to the broker.
            with contextlib.suppress(aio_pika.exceptions.AMQPError, RuntimeError, TimeoutError):
                await asyncio.wait_for(self._channel.close(), _CLOSE_TIMEOUT)
        with contextlib.suppress(aio_pika.exceptions.AMQPError, RuntimeError, TimeoutError):
            await asyncio.wait_for(self.publisher.close(), _CLOSE_TIMEOUT)
        await self.fetchers.close()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._in_flight.add(task)
        self._idle.clear()
        metrics.IN_FLIGHT.inc()
        try:
            await self._subscribed.wait()
            await self._handle(message)
        finally:
            metrics.IN_FLIGHT.dec()
            self._in_flight.discard(task)
            if not self._in_flight:
                self._idle.set()

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(message_id=message.message_id):
            result: dict[str, str] = {}
            settled = await self.settler.settle(message, self._process(message, result))
            seconds = time.perf_counter() - started
            observe.record_settled(self.broker.topology.vendors, result, settled, seconds)
            # One line per message; failures stand out by level.
            emit = log.info if settled is Settled.DONE else log.warning
            emit(
                "message_settled",
                settled=settled.value,
                redelivered=message.redelivered,
                seconds=round(seconds, 6),
                **result,
            )

    async def _process(self, message: AbstractIncomingMessage, result: dict[str, str]) -> None:
        try:
            inbound = messages.read_inbound(message)
        except messages.MalformedEnvelope as exc:
            raise Permanent(MALFORMED_ENVELOPE, str(exc)) from None
        result["vendor"] = inbound.vendor
        verdict = pipeline.decide(inbound, self.classifiers)
        if isinstance(verdict, pipeline.Rejection):
            result["reason"] = verdict.reason
            raise Permanent(verdict.reason, verdict.error)
        api = self.fetchers.vendors.get(inbound.vendor)
        if verdict.fetch is not None and api is not None:
            # Transient and Permanent failures of the vendor's API settle the message.
            result["fetched"] = verdict.fetch.resource
            fetched = await api.fetch(verdict.fetch)
            verdict = pipeline.complete(inbound, self.completers[inbound.vendor], fetched)
        classified = pipeline.outcome_event(inbound, verdict, self.policy.digest)
        result.update(
            vendor_event=classified.event, outcome=classified.outcome.value, id=classified.id
        )
        await self.publisher.publish(
            self.broker.topology.outcomes_exchange,
            classified.routing_key,
            outcome.encode(classified),
            spec.Basic.Properties(
                content_type="application/json",
                message_id=classified.id,
                correlation_id=inbound.message_id,
                delivery_mode=DeliveryMode.PERSISTENT.value,
                headers={messages.VENDOR: inbound.vendor},
            ),
        )
