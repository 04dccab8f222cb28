"""``verdict policy show | explain | check``: the effective outcome policy, without a broker.

show prints the tables as this deployment decides by (shipped, and changed by its ``[[policy]]``
entries); explain decides one webhook body and says why; check validates a configuration file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import msgspec

from shared import settings as settings_module
from shared.settings import ConfigError, Settings
from workers import policies
from workers.vendors import EXTRACTORS, policy
from workers.vendors.base import Undecodable

OK, FAILED, USAGE = 0, 1, 2

_HELP = """\
The outcome policy: which vendor value gives which outcome (docs/policy.md). Needs no broker.

  show [--vendor V]          every vendor's effective table, one row per value; `changed` marks
                             what this deployment's [[policy]] entries set
  explain --vendor V FILE    decide one webhook body (FILE, or - for stdin): the values read,
                             what each means, the rule that decided, the outcome and reasons
  check CONFIG               validate a configuration file, [[policy]] entries included

exit status: 0 done; 1 the body is not one of the vendor's shapes (explain); 2 a usage or
configuration error (check: the file's problems, each naming its key)"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "policy",
        help="show, explain and check the outcome policy",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="policy_command", required=True, metavar="SUBCOMMAND")
    show = sub.add_parser("show", help="the effective tables")
    show.add_argument("--vendor", help="only this vendor")
    show.add_argument(
        "--markdown",
        action="store_true",
        help="as Markdown tables, one per vendor (docs/policy.md)",
    )
    explain = sub.add_parser("explain", help="decide one webhook body and say why")
    explain.add_argument("--vendor", required=True)
    explain.add_argument("file", metavar="FILE", help="the webhook body; - reads stdin")
    explain.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="NAME:VALUE",
        help="an HTTP header the vendor sent (W2's x-w2-topic); may repeat",
    )
    check = sub.add_parser("check", help="validate a configuration file")
    check.add_argument("config_file", metavar="CONFIG")


async def run(args: argparse.Namespace, config: Settings, out: TextIO = sys.stdout) -> int:
    if args.policy_command == "check":
        return _check(args.config_file, out)
    try:
        effective = policies.effective(config.policy)
    except ConfigError as exc:
        _say(f"policy: configuration error: {exc}")
        return USAGE
    vendor = args.vendor
    if vendor is not None and vendor not in effective.tables:
        _say(f"policy: unknown vendor {vendor!r}; known: {', '.join(effective.tables)}")
        return USAGE
    if args.policy_command == "show":
        if args.markdown:
            out.write(markdown(effective, vendor))
            return OK
        return _show(effective, vendor, out)
    return _explain(effective, vendor, args.file, args.header, out)


def _check(path: str, out: TextIO) -> int:
    try:
        config = settings_module.load(path)
        effective = policies.effective(config.policy)
    except ConfigError as exc:
        _say(f"policy: {path}: {exc}")
        return USAGE
    print(
        f"{path}: valid; policy {effective.digest}, {len(effective.changed)} value(s) changed "
        f"from the shipped tables",
        file=out,
    )
    return OK


def _show(effective: policies.Effective, only: str | None, out: TextIO) -> int:
    print(f"policy {effective.digest}", file=out)
    rows: list[tuple[str, ...]] = [("vendor", "event", "field", "value", "outcome", "from")]
    for vendor, table in effective.tables.items():
        if only is None or vendor == only:
            rows += _rows(vendor, table, effective.changed)
    _print_columns(rows, out)
    return OK


def markdown(effective: policies.Effective, only: str | None = None) -> str:
    """The tables as docs/policy.md shows them (a test keeps that page equal to this)."""
    lines = []
    for vendor, table in effective.tables.items():
        if only is not None and vendor != only:
            continue
        lines += [
            f"### {vendor}",
            "",
            "| event | field | value | outcome |",
            "| --- | --- | --- | --- |",
        ]
        for _, word, field, value, outcome, mark in _rows(vendor, table, effective.changed):
            changed = " (changed)" if mark == "changed" else ""
            cell = value if value.startswith("(") or value == "-" else f"`{value}`"
            lines.append(f"| {word} | {field} | {cell} | `{outcome}`{changed} |")
        lines.append("")
    return "\n".join(lines)


def _rows(
    vendor: str, table: policy.VendorPolicy, changed: frozenset[policies.Changed]
) -> Iterator[tuple[str, ...]]:
    for word, event in table.events.items():
        original = table.events.get(event.like) if event.like is not None else None
        if original is not None and msgspec.structs.replace(event, like=None) == original:
            yield vendor, word, f"(as {event.like})", "-", "-", "shipped"
            continue
        if event.fixed is not None:
            yield vendor, word, "(the event)", "-", event.fixed.value, "shipped"
        for key in event.fields:
            field = table.fields[key]
            # The table's key: where a table reads one vendor field apart in some cases (W2's
            # status beside an error cause), the key says which reading this is.
            name = key.partition("@")[0]
            for value, meaning in field.values.items():
                mark = (
                    "changed"
                    if {(vendor, word, name, value), (vendor, None, name, value)} & changed
                    else "shipped"
                )
                yield vendor, word, name, value, meaning, mark
            yield vendor, word, name, "(any other)", field.unknown, "shipped"
            if key in event.required:
                yield vendor, word, name, "(missing)", event.missing.value, "shipped"
        if event.fixed is None:
            yield vendor, word, "(no field)", "-", event.otherwise.value, "shipped"
    yield vendor, "(any other)", "-", "-", "pending", "rule 3"


def _explain(
    effective: policies.Effective, vendor: str, file: str, headers: list[str], out: TextIO
) -> int:
    body = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    sent = {}
    for header in headers:
        name, colon, value = header.partition(":")
        if not colon:
            _say(f"policy: --header {header!r}: expected NAME:VALUE")
            return USAGE
        sent[name.strip().lower()] = value.strip()
    try:
        facts = EXTRACTORS[vendor](body, sent)
    except Undecodable as exc:
        print(f"undecodable: {exc} (dead-lettered with reason undecodable)", file=out)
        return FAILED
    decision = policy.evaluate(policy.Table(effective.tables[vendor]), facts)
    print(f"vendor   {vendor}   (policy {effective.digest})", file=out)
    print(f"event    {facts.event}", file=out)
    rows: list[tuple[str, ...]] = [("field", "value", "read as", "means")]
    for counted in decision.counted:
        value = "(missing)" if counted.sent is None else repr(counted.sent)
        rows.append((counted.field, value, counted.kind.value, counted.meaning))
    if len(rows) > 1:
        _print_columns(rows, out, indent="  ")
    else:
        print("  (no field of this event was read)", file=out)
    print(f"rule     {decision.rule}", file=out)
    print(f"outcome  {decision.outcome}", file=out)
    print(f"reasons  {', '.join(reason.code for reason in decision.reasons)}", file=out)
    if facts.fetch is not None:
        # What a worker does where the vendor's API is configured (workers/fetch/).
        what = f"{facts.fetch.resource} {'/'.join(facts.fetch.ids)}"
        print(
            f"fetch    {what}: with [vendor.{vendor}.api] configured, the worker fetches it"
            " and decides its values by this table",
            file=out,
        )
    return OK


def _print_columns(rows: list[tuple[str, ...]], out: TextIO, indent: str = "") -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print(indent + line.rstrip(), file=out)


def _say(message: str) -> None:
    print(message, file=sys.stderr)
