"""Re-apply the current outcome policy to archived webhooks (``verdict reclassify``).

The archive stream (shared/topology.py) holds every webhook the ingress accepted and every
outcome event the workers published, in the order the broker took them. A reclassification
reads it twice from ``since``, up to a marker it writes at the stream's end first (so a busy
pipeline cannot keep it reading for ever):

1. the outcome events, keeping for each webhook (its ingress message id) the latest decision:
   the original, or the correction a reclassification published since;
2. the webhooks received in [since, until), each decided again by the effective policy and
   compared with that decision. A different outcome is a change: counted, and unless it is a dry
   run, published as a correction (a new id, ``supersedes`` naming the event it corrects), routed
   as any outcome event.

Memory holds one small entry per webhook in the range (ids and outcomes, never a body).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aio_pika
import msgspec
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage

from shared import messages, outcome
from shared.outcome import OutcomeEvent
from shared.topology import Topology
from workers import pipeline
from workers.dlq import Pacer
from workers.vendors.base import Classifier
from workers.vendors.policy import RESULT_FETCHED

# The marker's header: a read stops at the marker it wrote.
MARKER = messages.HEADER_PREFIX + "archive-marker"
_PREFETCH = 500
_IDLE_TIMEOUT = 60.0
# Reading starts a little before the marker at the latest: a stream finds a time only to the
# chunk (and second), and a read that started after its marker would wait for ever.
_MARGIN = timedelta(seconds=5)


class ArchiveMissing(Exception):
    """There is no archive stream: ``VERDICT_ARCHIVE`` was never on for this namespace."""


class ArchiveStalled(Exception):
    """The stream stopped delivering before the marker: the broker is in trouble."""


@dataclass(frozen=True)
class Decided:
    """What a webhook's latest outcome event said."""

    id: str
    outcome: str
    # Decided by a result fetched from the vendor's API (workers/fetch/).
    fetched: bool = False


# (vendor, event, from outcome, to outcome)
Change = tuple[str, str, str, str]


@dataclass
class Report:
    webhooks: int = 0
    unchanged: int = 0
    changes: Counter[Change] = field(default_factory=Counter)
    # Webhooks with no outcome event on record: dead-lettered, or archived before their outcome.
    no_outcome: int = 0
    # Webhooks the current policy (or adapter) can no longer classify: left as they are.
    now_rejected: int = 0
    # Webhooks decided by a result fetched from the vendor: the archive holds the webhook, not
    # that result, and reclassifying asks no vendor again. Left as they are.
    fetched: int = 0
    published: int = 0

    @property
    def changed(self) -> int:
        return sum(self.changes.values())


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime
    vendor: str | None = None

    def holds(self, inbound: messages.Inbound) -> bool:
        return self.since <= inbound.received_at < self.until and (
            self.vendor is None or inbound.vendor == self.vendor
        )


@dataclass(frozen=True)
class Reclassification:
    """One run of ``verdict reclassify``: what to read, how to decide, whether to publish."""

    topology: Topology
    window: Window
    classifiers: Mapping[str, Classifier]
    policy_digest: str
    dry_run: bool
    rate: float | None = None
    progress: Callable[[Report], None] = lambda _: None

    async def run(self, connection: AbstractConnection) -> Report:
        channel = await connection.channel(publisher_confirms=True)
        try:
            marked_at = datetime.now(UTC)
            marker = await _mark_end(channel, self.topology)
            start = min(self.window.since, marked_at - _MARGIN)
            decided = await self._decided(connection, start, marker)
            return await self._compare(connection, channel, start, marker, decided)
        finally:
            with contextlib.suppress(Exception):
                await channel.close()

    async def _decided(
        self, connection: AbstractConnection, start: datetime, marker: str
    ) -> dict[str, Decided]:
        """Pass 1: each webhook's latest outcome event (a correction replaces the original)."""
        decided: dict[str, Decided] = {}
        async for message in _read(connection, self.topology, start, marker):
            if message.exchange == self.topology.outcomes_exchange:
                event = _outcome_event(message)
                if event is not None and event.received_at >= self.window.since:
                    fetched = any(reason.code == RESULT_FETCHED for reason in event.reasons)
                    decided[event.ingress_message_id] = Decided(
                        event.id, event.outcome.value, fetched
                    )
        return decided

    async def _compare(
        self,
        connection: AbstractConnection,
        channel: AbstractChannel,
        start: datetime,
        marker: str,
        decided: Mapping[str, Decided],
    ) -> Report:
        """Pass 2: each webhook in the window decided again, and compared."""
        report = Report()
        seen: set[str] = set()
        pacer = Pacer(self.rate)
        outcomes = await channel.get_exchange(self.topology.outcomes_exchange, ensure=False)
        async for message in _read(connection, self.topology, start, marker):
            if message.exchange != self.topology.inbound_exchange:
                continue
            try:
                inbound = messages.read_inbound(message)
            except messages.MalformedEnvelope:
                continue
            # A retried or replayed webhook comes through the inbound exchange again: once each.
            if not self.window.holds(inbound) or inbound.message_id in seen:
                continue
            seen.add(inbound.message_id)
            report.webhooks += 1
            now = pipeline.classify(inbound, self.classifiers, self.policy_digest)
            before = decided.get(inbound.message_id)
            if isinstance(now, pipeline.Rejection):
                report.now_rejected += 1
            elif before is None:
                report.no_outcome += 1
            elif before.fetched:
                report.fetched += 1
            elif before.outcome == now.outcome.value:
                report.unchanged += 1
            else:
                report.changes[(now.vendor, now.event, before.outcome, now.outcome.value)] += 1
                if not self.dry_run:
                    await pacer.wait()
                    await _publish_correction(outcomes, now, before, self.policy_digest)
                    report.published += 1
            self.progress(report)
        return report


async def _mark_end(channel: AbstractChannel, topology: Topology) -> str:
    """Write a marker at the stream's end (confirmed), and return its id."""
    marker = uuid.uuid4().hex
    try:
        await channel.declare_queue(topology.archive_queue, passive=True)
    except aio_pika.exceptions.ChannelNotFoundEntity:
        raise ArchiveMissing(topology.archive_queue) from None
    await channel.default_exchange.publish(
        aio_pika.Message(b"", headers={MARKER: marker}), routing_key=topology.archive_queue
    )
    return marker


async def _read(
    connection: AbstractConnection, topology: Topology, since: datetime, marker: str
) -> AsyncIterator[AbstractIncomingMessage]:
    """The archive's messages from ``since`` (the chunk that holds it: a little earlier is
    possible, callers filter) up to the marker."""
    reader = await connection.channel()
    try:
        # A stream consumer needs a prefetch; acks only move its credit on. It must never nack
        # (RabbitMQ closes the connection): so not aio-pika's iterator, whose close nacks what it
        # still holds, but a plain consumer, and the channel closed under it at the end.
        await reader.set_qos(prefetch_count=_PREFETCH)
        stream = await reader.declare_queue(topology.archive_queue, passive=True)
        delivered: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        await stream.consume(delivered.put, arguments={"x-stream-offset": since})
        while True:
            try:
                message = await asyncio.wait_for(delivered.get(), _IDLE_TIMEOUT)
            except TimeoutError:
                raise ArchiveStalled(
                    f"the archive delivered nothing for {_IDLE_TIMEOUT:g} s before the end of "
                    "this read"
                ) from None
            await message.ack()
            if (message.headers or {}).get(MARKER) == marker:
                return
            yield message
    finally:
        with contextlib.suppress(Exception):
            await reader.close()


def _outcome_event(message: AbstractIncomingMessage) -> OutcomeEvent | None:
    try:
        return outcome.decode(message.body)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None


async def _publish_correction(
    outcomes: aio_pika.abc.AbstractExchange,
    now: OutcomeEvent,
    before: Decided,
    policy_digest: str,
) -> None:
    correction = msgspec.structs.replace(
        now, id=outcome.correction_id(before.id, policy_digest), supersedes=before.id
    )
    await outcomes.publish(
        aio_pika.Message(
            outcome.encode(correction),
            content_type="application/json",
            message_id=correction.id,
            correlation_id=correction.ingress_message_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            headers={messages.VENDOR: correction.vendor},
        ),
        routing_key=correction.routing_key,
        mandatory=False,
    )
