"""A downstream consumer of Verdict's outcome events: a queue of its own, bound by pattern.

    .venv/bin/python examples/consumer.py --queue my-service.verdict \
        --bind '*.metamap.#' --bind 'fail.#'

It declares a durable quorum queue named for *your* service, binds it to the ``verdict.outcomes``
topic exchange with each pattern (routing key ``<outcome>.<vendor>.<event>``), and prints every
event once. Delivery is at least once, so it drops an event whose ``id`` it has already handled,
and it acknowledges a message only after handling it. Copy it into your service: it needs only
aio-pika, and the handler is where your code goes. See docs/consumers.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

OUTCOMES_EXCHANGE = "verdict.outcomes"

Event = dict[str, Any]


class SeenIds:
    """The ids handled most recently. In production keep them where your results are stored
    (a unique constraint on ``id``), so a duplicate is caught across restarts and replicas."""

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def first_time(self, event_id: str) -> bool:
        if event_id in self._ids:
            self._ids.move_to_end(event_id)
            return False
        self._ids[event_id] = None
        if len(self._ids) > self.capacity:
            self._ids.popitem(last=False)
        return True


async def bind(
    channel: AbstractChannel,
    queue_name: str,
    patterns: Sequence[str],
    exchange: str = OUTCOMES_EXCHANGE,
) -> AbstractQueue:
    """Your queue, bound to the outcomes exchange with each pattern (idempotent)."""
    queue = await channel.declare_queue(
        queue_name, durable=True, arguments={"x-queue-type": "quorum"}
    )
    for pattern in patterns:
        await queue.bind(exchange, routing_key=pattern)
    return queue


async def receive(
    message: AbstractIncomingMessage, seen: SeenIds, handle: Callable[[Event], None]
) -> None:
    """Handle one message, then ack it; if the handler raises, the message is redelivered."""
    async with message.process(requeue=True):
        event: Event = json.loads(message.body)
        if seen.first_time(event["id"]):
            handle(event)


def show(event: Event) -> None:
    reasons = ", ".join(reason["code"] for reason in event["reasons"]) or "-"
    print(f"{event['outcome']:<12} {event['vendor']}/{event['event']}  id={event['id']}  {reasons}")


async def consume(
    url: str, queue_name: str, patterns: Sequence[str], exchange: str, stop: asyncio.Event
) -> None:
    connection = await aio_pika.connect_robust(url)
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=50)
        queue = await bind(channel, queue_name, patterns, exchange)
        seen = SeenIds()
        tag = await queue.consume(lambda message: receive(message, seen, show))
        print(f"consuming {queue_name} bound to {exchange} with {', '.join(patterns)}")
        await stop.wait()
        await queue.cancel(tag)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="amqp://guest:guest@localhost:5672/")
    parser.add_argument("--queue", required=True, help="your own queue, e.g. my-service.verdict")
    parser.add_argument(
        "--bind", action="append", dest="patterns", help="a routing-key pattern (repeatable)"
    )
    parser.add_argument("--exchange", default=OUTCOMES_EXCHANGE)
    args = parser.parse_args(argv)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await consume(args.url, args.queue, args.patterns or ["#"], args.exchange, stop)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
