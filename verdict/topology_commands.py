"""``verdict topology show | delete``: a namespace's exchanges and queues on the broker, and
removing them (after trying Verdict, or retiring a namespace).

The names come from shared/topology.py alone, for the vendors configured (VERDICT_VENDORS): the
queues of a vendor since dropped from it are seen only with that vendor named again. Rows go to
stdout, the summary to stderr. Exit 0 when done, 1 when refused or the broker failed, 2 for a
usage error.
"""

from __future__ import annotations

import argparse
import enum
import sys
from typing import TextIO

import aio_pika
import aiormq
import msgspec
from aio_pika.abc import AbstractConnection

from shared.addresses import addresses
from shared.broker import CONNECT_ERRORS, connect_failure, connect_first
from shared.settings import Name, Settings
from shared.topology import Topology

OK, FAILED, USAGE = 0, 1, 2

_DESCRIPTION = """\
A namespace's exchanges and queues on the broker: 'show' lists each, with the messages waiting
and the consumers; 'delete' removes them. Every Verdict process declares them when it connects,
so stop every process of the namespace first, or they come back."""

_EPILOG = """\
delete refuses while any queue of the namespace holds messages or has consumers (a worker, or
a service reading outcome events, still running), unless given --force; and always while a
'verdict dlq' command works on the dead letters. Queues of your own bound to <namespace>.outcomes
are not Verdict's: they stay, and lose that binding with the exchange.

examples:
  verdict topology show                     # the namespace of VERDICT_NAMESPACE
  verdict topology show verdict-dev
  verdict topology delete verdict-dev       # named in full: VERDICT_NAMESPACE is not assumed
  verdict topology delete verdict-dev --force

exit status: 0 done (or nothing there), 1 refused or the broker failed, 2 usage error"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    topology = commands.add_parser(
        "topology",
        help="show or delete a namespace's exchanges and queues",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = topology.add_subparsers(
        dest="topology_command", required=True, title="commands", metavar="COMMAND"
    )
    show = sub.add_parser("show", help="each exchange and queue: there or not, messages, consumers")
    show.add_argument("namespace", nargs="?", type=_namespace, help="default: VERDICT_NAMESPACE's")
    delete = sub.add_parser("delete", help="remove the namespace's exchanges and queues")
    delete.add_argument("namespace", type=_namespace, help="the namespace to remove")
    delete.add_argument(
        "--force",
        action="store_true",
        help="remove them even while queues hold messages (lost for good) or have consumers",
    )


class State(enum.Enum):
    PRESENT = "present"
    ABSENT = "absent"
    # An exclusive queue another connection holds: the dead-letter lock of a running 'verdict dlq'.
    HELD = "held"


class Found(msgspec.Struct, frozen=True):
    """One exchange or queue of the namespace, as the broker has it now."""

    kind: str
    name: str
    state: State
    messages: int = 0
    consumers: int = 0

    @property
    def busy(self) -> bool:
        """Holds messages, or something consumes from it."""
        return bool(self.messages or self.consumers)


async def run(args: argparse.Namespace, config: Settings, out: TextIO = sys.stdout) -> int:
    topology = Topology(args.namespace or config.namespace, config.vendors)
    urls = addresses(config.amqp_url)
    try:
        connection = await connect_first(urls, "verdict-topology")
    except CONNECT_ERRORS as exc:
        _say(f"topology: {connect_failure(urls, exc)}")
        return FAILED
    try:
        found = await inspect(connection, topology)
        if args.topology_command == "show":
            return _show(topology, found, out)
        return await _delete(connection, topology, found, args.force, out)
    except (OSError, aio_pika.exceptions.AMQPError) as exc:
        _say(f"topology: lost the broker part-way ({type(exc).__name__}); run it again")
        return FAILED
    finally:
        await connection.close()


async def inspect(connection: AbstractConnection, topology: Topology) -> list[Found]:
    """Every exchange and queue of ``topology``, in that order, then the archive stream where
    there is one (it is optional), the dead-letter lock last."""
    exchanges = [await _exchange(connection, name) for name in topology.exchange_names()]
    queues = [await _queue(connection, name) for name in topology.queue_names()]
    archive = [await _queue(connection, name) for name in topology.archive_names()]
    archive = [each for each in archive if each.state is not State.ABSENT]
    lock = await _queue(connection, topology.dead_letter_lock)
    return [*exchanges, *queues, *archive, lock]


async def _exchange(connection: AbstractConnection, name: str) -> Found:
    # A passive declare of what is not there closes the channel: one channel per look.
    async with connection.channel() as channel:
        try:
            await channel.declare_exchange(name, passive=True)
        except aio_pika.exceptions.ChannelNotFoundEntity:
            return Found("exchange", name, State.ABSENT)
    return Found("exchange", name, State.PRESENT)


async def _queue(connection: AbstractConnection, name: str) -> Found:
    async with connection.channel() as channel:
        try:
            queue = await channel.declare_queue(name, passive=True)
        except aio_pika.exceptions.ChannelNotFoundEntity:
            return Found("queue", name, State.ABSENT)
        except aiormq.exceptions.ChannelLockedResource:
            return Found("queue", name, State.HELD)
    declared = queue.declaration_result
    return Found(
        "queue",
        name,
        State.PRESENT,
        messages=int(declared.message_count or 0),
        consumers=int(declared.consumer_count or 0),
    )


def _show(topology: Topology, found: list[Found], out: TextIO) -> int:
    _table(found, out)
    _say(_summary(topology, found))
    return OK


async def _delete(
    connection: AbstractConnection,
    topology: Topology,
    found: list[Found],
    force: bool,
    out: TextIO,
) -> int:
    namespace = topology.namespace
    present = [each for each in found if each.state is State.PRESENT]
    if any(each.state is State.HELD for each in found):
        _say(
            f"topology: refusing to delete namespace {namespace}: a 'verdict dlq' command is "
            f"working on its dead letters ({topology.dead_letter_lock} is held); wait for it"
        )
        return FAILED
    if not present:
        _say(f"topology: nothing of namespace {namespace} on the broker; nothing deleted")
        return OK
    busy = [each for each in present if each.busy]
    if busy and not force:
        _table(busy, out)
        _say(
            f"topology: refusing to delete namespace {namespace}: {_waiting(busy)} (above). "
            "Stop its processes and consumers, take what you need (verdict dlq export, "
            "verdict outcomes), or give --force to delete it all the same; nothing deleted"
        )
        return FAILED
    lost = 0
    async with connection.channel() as channel:
        # The queues first, as shared/topology.delete does; then the exchanges, which hold nothing.
        for each in present:
            if each.kind == "queue":
                deleted = await channel.queue_delete(each.name)
                count = int(deleted.message_count or 0)
                lost += count
                print(f"deleted queue {each.name} ({_plural(count, 'message')})", file=out)
        for each in present:
            if each.kind == "exchange":
                await channel.exchange_delete(each.name)
                print(f"deleted exchange {each.name}", file=out)
    queues = sum(each.kind == "queue" for each in present)
    exchanges = len(present) - queues
    _say(
        f"deleted namespace {namespace}: {_plural(queues, 'queue')} "
        f"({_plural(lost, 'message')} with them), {_plural(exchanges, 'exchange')}"
    )
    return OK


def _summary(topology: Topology, found: list[Found]) -> str:
    exchanges = [each for each in found if each.kind == "exchange"]
    queues = [each for each in found if each.name in set(topology.queue_names())]
    present = [each for each in found if each.state is State.PRESENT]
    text = (
        f"namespace {topology.namespace}: {_count(exchanges)} of {len(exchanges)} exchanges and "
        f"{_count(queues)} of {len(queues)} queues there, {_waiting(present)}"
    )
    if any(each.state is State.HELD for each in found):
        text += "; a 'verdict dlq' command is working on the dead letters"
    return text


def _count(found: list[Found]) -> int:
    return sum(each.state is State.PRESENT for each in found)


def _waiting(found: list[Found]) -> str:
    messages = sum(each.messages for each in found)
    consumers = sum(each.consumers for each in found)
    holding = sum(bool(each.messages) for each in found)
    return (
        f"{_plural(messages, 'message')} waiting in {_plural(holding, 'queue')}, "
        f"{_plural(consumers, 'consumer')}"
    )


def _table(found: list[Found], out: TextIO) -> None:
    print(_row(("kind", "name", "state", "messages", "consumers")), file=out)
    for each in found:
        print(_row(_columns(each)), file=out)


def _columns(each: Found) -> tuple[str, ...]:
    counted = each.kind == "queue" and each.state is State.PRESENT
    return (
        each.kind,
        each.name,
        each.state.value,
        str(each.messages) if counted else "-",
        str(each.consumers) if counted else "-",
    )


def _row(columns: tuple[str, ...]) -> str:
    widths = (8, 48, 7, 8, 9)
    return "  ".join(
        value.ljust(width) for value, width in zip(columns, widths, strict=True)
    ).rstrip()


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def _namespace(text: str) -> str:
    try:
        return msgspec.convert(text, Name)
    except msgspec.ValidationError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a namespace: lower-case letters, digits, '-' and '_'"
        ) from None
