"""``verdict dlq list | show | replay | export | import | purge``: the operator's commands.

What each does is in docs/operations.md. Rows go to stdout; the summary, in counts, to stderr
(so ``export`` to stdout stays pure JSON lines). Exit 0 when everything chosen was done, 1 when
something failed or ``show`` found nothing, 2 for a usage error (a vendor not configured, a
``show`` prefix that several message ids start with).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, TextIO

import aio_pika
import msgspec
from aio_pika.abc import AbstractIncomingMessage

from shared.addresses import addresses
from shared.broker import CONNECT_ERRORS, connect_failure, connect_first
from shared.settings import Settings
from shared.topology import Topology
from workers import deadletter
from workers.deadletter import DeadLetter, Selection
from workers.dlq import Busy, Counts, DeadLetterQueue

OK, FAILED, USAGE = 0, 1, 2


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dlq = commands.add_parser(
        "dlq",
        help="inspect, replay, export, import and purge dead letters",
        description="Dead letters: see docs/operations.md. Filters combine with AND; a filter "
        "given several times (--vendor a --vendor b) matches any of its values.",
    )
    sub = dlq.add_subparsers(dest="dlq_command", required=True, metavar="COMMAND")

    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--vendor", action="append", default=[], help="only this vendor")
    filters.add_argument(
        "--reason", action="append", default=[], help="only this reason or kind (e.g. no_adapter)"
    )
    filters.add_argument("--id", action="append", default=[], help="only this message id")
    filters.add_argument("--since", type=_time, help="dead-lettered at or after: ISO time or 2h")
    filters.add_argument("--until", type=_time, help="dead-lettered before: ISO time or 30m")
    filters.add_argument("--limit", type=_positive_int, help="act on at most this many")
    paced = argparse.ArgumentParser(add_help=False)
    paced.add_argument("--dry-run", action="store_true", help="say what would be done, do nothing")
    paced.add_argument("--rate", type=positive_float, help="at most this many per second")

    sub.add_parser("list", parents=[filters], help="one line per dead letter, oldest first")
    show = sub.add_parser("show", help="everything about the dead letters with this message id")
    show.add_argument("message_id", help="the id, or enough of its start to name one id")
    show.add_argument("--body", action="store_true", help="print the body too (may be personal)")
    sub.add_parser(
        "replay", parents=[filters, paced], help="republish to the vendor's inbound queue"
    )
    export = sub.add_parser(
        "export", parents=[filters], help="write JSON lines; the queue keeps them"
    )
    export.add_argument("--output", "-o", help="file to write (default: stdout)")
    import_ = sub.add_parser("import", parents=[filters, paced], help="put exported lines back")
    import_.add_argument("file", help="a file written by export ('-' for stdin)")
    purge = sub.add_parser("purge", parents=[filters], help="delete dead letters for good")
    purge.add_argument("--dry-run", action="store_true", help="say what would be done, do nothing")
    purge.add_argument("--all", action="store_true", help="needed to purge with no filter")


async def run(args: argparse.Namespace, config: Settings, out: TextIO = sys.stdout) -> int:
    selection = Selection(
        vendors=frozenset(args.vendor if "vendor" in args else ()),
        reasons=frozenset(args.reason if "reason" in args else ()),
        ids=frozenset(args.id if "id" in args else ()),
        since=getattr(args, "since", None),
        until=getattr(args, "until", None),
    )
    if args.dlq_command == "purge" and selection.everything and not args.all:
        _say("purge: refusing to purge every dead letter without --all (or give a filter)")
        return USAGE
    unknown = sorted(selection.vendors - set(config.vendors))
    if unknown:
        # A typo would otherwise choose nothing, and say only that nothing was chosen.
        _say(
            f"{args.dlq_command}: no vendor {', '.join(map(repr, unknown))} is configured "
            f"(--vendor); the vendors are {', '.join(config.vendors)}. A vendor since removed: "
            "name it in VERDICT_VENDORS again for this command"
        )
        return USAGE
    topology = Topology(config.namespace, config.vendors)
    urls = addresses(config.amqp_url)
    try:
        connection = await connect_first(urls, "verdict-dlq")
    except CONNECT_ERRORS as exc:
        _say(f"dlq: {connect_failure(urls, exc)}")
        return FAILED
    try:
        dlq = DeadLetterQueue(connection, topology, publish_timeout=config.publish_timeout)
        return await _dispatch(args, dlq, selection, out)
    except Busy as exc:
        _say(f"dlq: {exc}")
        return FAILED
    except aio_pika.exceptions.ChannelNotFoundEntity as exc:
        _say(f"dlq: {exc.args[0] if exc.args else exc} (is VERDICT_NAMESPACE right?)")
        return FAILED
    except (OSError, aio_pika.exceptions.AMQPError) as exc:
        # Whatever was not yet removed is still in the queue: the broker returns it.
        _say(f"dlq: lost the broker part-way ({type(exc).__name__}); nothing chosen was lost")
        return FAILED
    finally:
        await connection.close()


async def _dispatch(
    args: argparse.Namespace, dlq: DeadLetterQueue, selection: Selection, out: TextIO
) -> int:
    command = args.dlq_command
    if command == "list":
        return await _list(dlq, selection, args.limit, out)
    if command == "show":
        return await _show(dlq, args.message_id, args.body, out)
    if command == "replay":
        counts = await dlq.replay(
            selection,
            limit=args.limit,
            rate=args.rate,
            dry_run=args.dry_run,
            on_chosen=_table(out) if args.dry_run else None,
        )
        return _summary("replayed", counts, dry_run=args.dry_run)
    if command == "purge":
        counts = await dlq.purge(
            selection,
            limit=args.limit,
            dry_run=args.dry_run,
            on_chosen=_table(out) if args.dry_run else None,
        )
        return _summary("purged", counts, dry_run=args.dry_run)
    if command == "export":
        if args.output is None:
            counts = await dlq.export(selection, sys.stdout.buffer, limit=args.limit)
        else:
            # A one-shot command: nothing else runs on this loop while the file is written.
            with Path(args.output).open("wb") as file:  # noqa: ASYNC230
                counts = await dlq.export(selection, file, limit=args.limit)
        return _summary("exported", counts)
    return await _import(dlq, selection, args, out)


async def _list(dlq: DeadLetterQueue, selection: Selection, limit: int | None, out: TextIO) -> int:
    counts = Counts()
    held = await dlq.depth()  # first: says so plainly if there is no such queue
    print_row = _table(out)
    async with contextlib.aclosing(dlq.scan(selection, counts, limit)) as chosen:
        async for letter in chosen:
            print_row(letter.letter)
    _say(
        f"listed {counts.chosen} dead letters (looked at {counts.scanned}, "
        f"{counts.left} not chosen); the queue held {held}"
    )
    return OK


async def _show(dlq: DeadLetterQueue, wanted: str, body: bool, out: TextIO) -> int:
    """The dead letters with the id ``wanted``, or with the one id that starts with it."""
    counts = Counts()
    found = _Found(wanted, body)
    chosen = dlq.scan(Selection(id_prefix=wanted), counts)
    async with contextlib.aclosing(chosen):
        async for letter in chosen:
            found.add(letter.message, letter.letter)
    if len(found.ids) > 1 and not found.exact:
        print(_row(_HEADINGS), file=out)
        for row in found.rows:
            print(row, file=out)
        _say(
            f"show: {len(found.ids)} message ids start with {wanted} (their dead letters are "
            f"listed; looked at {counts.scanned}): give more of the id"
        )
        return USAGE
    shown = found.exact or found.first
    for text in shown:
        print(text, file=out)
    message_id = wanted if found.exact or not found.ids else found.ids[0]
    _say(f"found {len(shown)} dead letters with id {message_id} (looked at {counts.scanned})")
    return OK if shown else FAILED


class _Found:
    """What ``show`` found for an id or the start of one. An id given whole wins over the
    longer ones it starts; else the start must be of one id only. Only the letters of the id
    given and of the first id found are kept written out (they are printed with their headers,
    and maybe bodies); of the others, a row each, to list them."""

    def __init__(self, wanted: str, body: bool) -> None:
        self.wanted = wanted
        self.body = body
        self.exact: list[str] = []
        self.first: list[str] = []
        self.ids: list[str] = []  # each distinct id that starts with the one wanted, in order
        self.rows: list[str] = []

    def add(self, message: AbstractIncomingMessage, letter: DeadLetter) -> None:
        message_id = letter.message_id or ""
        if message_id not in self.ids:
            self.ids.append(message_id)
        self.rows.append(_row(_columns(letter)))
        if message_id == self.wanted:
            self.exact.append(_letter_text(message, letter, self.body))
        elif message_id == self.ids[0]:
            self.first.append(_letter_text(message, letter, self.body))


def _letter_text(message: AbstractIncomingMessage, letter: DeadLetter, body: bool) -> str:
    lines = [f"{field}: {_value(getattr(letter, field))}" for field in DeadLetter.__struct_fields__]
    lines.append(f"routing_key: {message.routing_key}")
    lines.append(f"content_type: {message.content_type}")
    for name, value in sorted((message.headers or {}).items()):
        shown = msgspec.json.encode(msgspec.to_builtins(value)).decode()
        lines.append(f"header {name}: {shown}")
    if body:
        lines.append("body:")
        lines.append(message.body.decode("utf-8", "replace"))
    return "\n".join(lines) + "\n"


async def _import(
    dlq: DeadLetterQueue, selection: Selection, args: argparse.Namespace, out: TextIO
) -> int:
    try:
        records = list(_read_records(args.file))
    except (OSError, ValueError) as exc:
        _say(f"import: cannot read {args.file}: {exc}")
        return FAILED
    counts = await dlq.import_(
        records,
        selection,
        limit=args.limit,
        rate=args.rate,
        dry_run=args.dry_run,
        on_chosen=_table(out) if args.dry_run else None,
    )
    return _summary("imported", counts, dry_run=args.dry_run)


def _read_records(name: str) -> Iterator[deadletter.Record]:
    stream: IO[bytes] = sys.stdin.buffer if name == "-" else Path(name).open("rb")  # noqa: SIM115
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                yield deadletter.decode(line)
            except msgspec.DecodeError as exc:
                raise ValueError(f"line {number}: {exc}") from None


def _summary(verb: str, counts: Counts, *, dry_run: bool = False) -> int:
    if dry_run:
        _say(
            f"dry run: would have {verb} {counts.chosen} (looked at {counts.scanned}, "
            f"{counts.left} not chosen); nothing changed"
        )
        return OK
    _say(
        f"{verb} {counts.done} of {counts.chosen} chosen (looked at {counts.scanned}, "
        f"{counts.left} not chosen, {counts.failed} failed and left in place)"
    )
    return FAILED if counts.failed else OK


_HEADINGS = ("message_id", "vendor", "kind", "reason", "attempts", "replays", "failed_at", "bytes")


def _table(out: TextIO) -> Callable[[DeadLetter], None]:
    """Print the headings of ``list``'s table now, and a row for each dead letter given."""
    print(_row(_HEADINGS), file=out)
    return lambda letter: print(_row(_columns(letter)), file=out)


def _columns(letter: DeadLetter) -> tuple[str, ...]:
    return (
        letter.message_id or "-",
        letter.vendor,
        letter.kind,
        letter.reason,
        _value(letter.attempts),
        str(letter.replays),
        _value(letter.last_failed_at),
        str(letter.size),
    )


def _row(columns: tuple[str, ...]) -> str:
    widths = (32, 10, 9, 20, 8, 7, 32, 8)
    return "  ".join(
        value.ljust(width) for value, width in zip(columns, widths, strict=True)
    ).rstrip()


def _value(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def _time(text: str) -> datetime:
    try:
        return deadletter.parse_time(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number above 0")
    return int(text)


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number above 0")
    return value
