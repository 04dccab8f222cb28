"""``verdict outcomes [--follow]``: the outcome events waiting on the outcome queues, and live.

Looking takes nothing away: the waiting events are taken without acknowledging them and handed
back at once (a consumer attached to the queue gets them afterwards, marked redelivered). With
``--follow``, a queue of the command's own (exclusive: gone when it stops) is bound to the
outcomes exchange and every new event is printed as it is routed. Outcome events carry no
personal data (shared/outcome.py), so printing them is safe.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import uuid
from collections.abc import Iterable
from typing import TextIO

import aio_pika
import msgspec
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

from shared import outcome
from shared.addresses import addresses
from shared.broker import CONNECT_ERRORS, connect_failure, connect_first
from shared.outcome import Outcome, OutcomeEvent
from shared.settings import Settings
from shared.topology import Topology

OK, FAILED, USAGE = 0, 1, 2


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "outcomes",
        help="show the outcome events waiting on the outcome queues, or follow them live",
        description="Print the outcome events waiting on verdict.outcome.<outcome> (oldest "
        "first; they stay on their queues), then, with --follow, every new one as it is routed, "
        "until Ctrl-C. One line per event; --json for the events themselves.",
    )
    parser.add_argument(
        "--outcome",
        action="append",
        choices=[each.value for each in Outcome],
        default=[],
        help="only this outcome (repeatable; default: all five)",
    )
    parser.add_argument(
        "--vendor", action="append", default=[], help="only this vendor (repeatable)"
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=20,
        help="show at most this many waiting events per queue (default 20; 0: none)",
    )
    parser.add_argument("--follow", "-f", action="store_true", help="then print new events live")
    parser.add_argument("--json", action="store_true", help="print each event as its JSON")


async def run(args: argparse.Namespace, config: Settings, out: TextIO = sys.stdout) -> int:
    unknown = sorted(set(args.vendor) - set(config.vendors))
    if unknown:
        _say(f"outcomes: unknown vendor {unknown[0]!r}; known: {', '.join(config.vendors)}")
        return USAGE
    if args.limit < 0:
        _say("outcomes: --limit must be 0 or more")
        return USAGE
    topology = Topology(config.namespace, config.vendors)
    watch = _Watch(
        topology,
        outcomes=[Outcome(each) for each in args.outcome] or list(Outcome),
        vendors=frozenset(args.vendor),
        json=args.json,
        out=out,
    )
    urls = addresses(config.amqp_url)
    try:
        connection = await connect_first(urls, "verdict-outcomes")
    except CONNECT_ERRORS as exc:
        _say(f"outcomes: {connect_failure(urls, exc)}")
        return FAILED
    try:
        channel = await connection.channel()
        # Following: at most this many events on their way to the terminal at once.
        await channel.set_qos(prefetch_count=100)
        # Bound before looking at what waits, so nothing routed in between is missed.
        live = await watch.bind(channel) if args.follow else None
        await watch.show_waiting(channel, args.limit)
        if live is not None:
            _say("following; Ctrl-C to stop")
            await watch.follow(live)
        return OK
    except aio_pika.exceptions.ChannelNotFoundEntity as exc:
        _say(f"outcomes: {exc.args[0] if exc.args else exc} (is VERDICT_NAMESPACE right?)")
        return FAILED
    except (OSError, aio_pika.exceptions.AMQPError) as exc:
        _say(f"outcomes: lost the broker ({type(exc).__name__})")
        return FAILED
    finally:
        await connection.close()


class _Watch:
    def __init__(
        self,
        topology: Topology,
        *,
        outcomes: Iterable[Outcome],
        vendors: frozenset[str],
        json: bool,
        out: TextIO,
    ) -> None:
        self.topology = topology
        self.outcomes = tuple(outcomes)
        self.vendors = vendors
        self.json = json
        self.out = out
        # Events printed from the queues: the live queue, bound first, may get the same ones.
        # Not the id alone: a vendor's retry, or the same webhook decided again under a changed
        # policy, has the same id and is another event on the queues.
        self.shown: set[tuple[str, str, str]] = set()

    async def bind(self, channel: AbstractChannel) -> AbstractQueue:
        queue = await channel.declare_queue(
            f"{self.topology.namespace}.watch.{uuid.uuid4().hex[:12]}",
            exclusive=True,
            auto_delete=True,
        )
        for each in self.outcomes:
            for vendor in sorted(self.vendors) or ["*"]:
                await queue.bind(self.topology.outcomes_exchange, f"{each.value}.{vendor}.#")
        return queue

    async def show_waiting(self, channel: AbstractChannel, limit: int) -> None:
        if not self.json:
            print(_row(_HEADINGS), file=self.out)
        for each in self.outcomes:
            name = self.topology.outcome_queue(each)
            queue = await channel.get_queue(name, ensure=False)
            # Straight to the broker: how many wait (aio-pika caches a queue's first declare).
            underlay = await channel.get_underlay_channel()
            waiting = (await underlay.queue_declare(name, passive=True)).message_count or 0
            taken: list[AbstractIncomingMessage] = []
            try:
                while len(taken) < min(limit, waiting):
                    message = await queue.get(no_ack=False, fail=False)
                    if message is None:
                        break
                    taken.append(message)
                    self._print(message.body, remember=True)
            finally:
                # All handed back in one go, untouched.
                if taken:
                    await taken[-1].nack(multiple=True, requeue=True)
            if waiting > len(taken):
                _say(f"{name}: {waiting} waiting; looked at the first {len(taken)} (--limit)")

    async def follow(self, queue: AbstractQueue) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)

        async def on_message(message: AbstractIncomingMessage) -> None:
            self._print(message.body, remember=False)
            await message.ack()

        await queue.consume(on_message)
        await stop.wait()

    def _print(self, body: bytes, *, remember: bool) -> None:
        try:
            event = outcome.decode(body)
        except msgspec.DecodeError:
            print(f"(not an outcome event: {len(body)} bytes)", file=self.out, flush=True)
            return
        if self.vendors and event.vendor not in self.vendors:
            return
        key = (event.id, event.outcome.value, event.ingress_message_id)
        if key in self.shown:
            return
        if remember:
            self.shown.add(key)
        text = body.decode() if self.json else _row(_columns(event))
        print(text, file=self.out, flush=True)


_HEADINGS = ("received_at", "outcome", "vendor", "event", "id", "reasons")


def _columns(event: OutcomeEvent) -> tuple[str, ...]:
    return (
        event.received_at.isoformat(timespec="seconds"),
        event.outcome.value,
        event.vendor,
        event.event,
        event.id,
        ",".join(reason.code for reason in event.reasons) or "-",
    )


def _row(columns: tuple[str, ...]) -> str:
    widths = (25, 12, 8, 24, 36, 0)
    return "  ".join(
        value.ljust(width) for value, width in zip(columns, widths, strict=True)
    ).rstrip()


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
