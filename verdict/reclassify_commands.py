"""``verdict reclassify``: apply the current outcome policy to the archived webhooks.

Reads the archive stream (``VERDICT_ARCHIVE``; workers/reclassify.py says how), prints how many
outcomes would change, from what to what, per vendor and event, and unless ``--dry-run``
publishes a correction for each (a new id, ``supersedes`` naming the event it corrects).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from typing import TextIO

from shared.addresses import addresses
from shared.broker import CONNECT_ERRORS, connect_failure, connect_first
from shared.settings import ConfigError, Settings
from shared.topology import for_settings
from verdict.dlq_commands import positive_float
from workers import policies
from workers.reclassify import ArchiveMissing, ArchiveStalled, Reclassification, Report, Window

OK, FAILED, USAGE = 0, 1, 2

_HELP = """\
Decide the archived webhooks received in [--since, --until) again, by the effective outcome
policy (the shipped tables with this configuration's [[policy]] entries), and compare each with
the outcome event on record for it. Prints the changes per vendor and event; unless --dry-run,
publishes a correction for each: a new id, `supersedes` naming the event it corrects, routed as
any outcome event. Needs the archive (VERDICT_ARCHIVE=true, since the time you ask about).

exit status: 0 done; 1 no archive, or the broker failed; 2 a usage or configuration error"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "reclassify",
        help="apply the current outcome policy to archived webhooks",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--since", required=True, type=_moment, help="ISO 8601 time (UTC if no zone)"
    )
    parser.add_argument("--until", type=_moment, help="ISO 8601 time; default: now")
    parser.add_argument("--vendor", help="only this vendor")
    parser.add_argument("--dry-run", action="store_true", help="count the changes; publish nothing")
    parser.add_argument(
        "--rate", type=positive_float, help="at most this many corrections per second"
    )


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time (e.g. 2026-12-07T09:00 or 2026-12-07T09:00+01:00)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def run(args: argparse.Namespace, config: Settings, out: TextIO = sys.stdout) -> int:
    if args.vendor is not None and args.vendor not in config.vendors:
        _say(f"reclassify: unknown vendor {args.vendor!r}; known: {', '.join(config.vendors)}")
        return USAGE
    window = Window(args.since, args.until or datetime.now(UTC), args.vendor)
    if window.until <= window.since:
        _say("reclassify: --until must be after --since")
        return USAGE
    try:
        effective = policies.effective(config.policy)
    except ConfigError as exc:
        _say(f"reclassify: configuration error: {exc}")
        return USAGE
    urls = addresses(config.amqp_url)
    try:
        connection = await connect_first(urls, "verdict-reclassify")
    except CONNECT_ERRORS as exc:
        _say(f"reclassify: {connect_failure(urls, exc)}")
        return FAILED
    run = Reclassification(
        topology=for_settings(config),
        window=window,
        classifiers=effective.classifiers(),
        policy_digest=effective.digest,
        dry_run=args.dry_run,
        rate=args.rate,
        progress=_Progress() if sys.stderr.isatty() else lambda _: None,
    )
    try:
        report = await run.run(connection)
    except ArchiveMissing as missing:
        _say(
            f"reclassify: there is no archive ({missing}): switch it on with VERDICT_ARCHIVE=true "
            "for the ingress and the workers; it holds the webhooks accepted from then on"
        )
        return FAILED
    except ArchiveStalled as stalled:
        _say(f"reclassify: {stalled}; run it again once the broker is healthy")
        return FAILED
    except CONNECT_ERRORS as exc:
        _say(
            f"reclassify: lost the broker ({type(exc).__name__}); run it again: the corrections "
            "published so far are on record in the archive and are not published twice"
        )
        return FAILED
    finally:
        await connection.close()
    if sys.stderr.isatty():
        print(file=sys.stderr)
    _print(report, window, effective.digest, args.dry_run, out)
    return OK


def _print(report: Report, window: Window, digest: str, dry_run: bool, out: TextIO) -> None:
    which = f" ({window.vendor})" if window.vendor else ""
    print(
        f"read {report.webhooks} webhook(s){which} received from {window.since.isoformat()} to "
        f"{window.until.isoformat()}; policy {digest}",
        file=out,
    )
    if report.changes:
        rows = [("vendor", "event", "from", "to", "count")]
        for (vendor, event, before, after), count in sorted(report.changes.items()):
            rows.append((vendor, event, before, after, str(count)))
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        for row in rows:
            print(
                "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip(), file=out
            )
    verb = "would change (dry run: nothing published)" if dry_run else "changed"
    print(f"{report.changed} outcome(s) {verb}; {report.unchanged} unchanged", file=out)
    if not dry_run:
        print(f"published {report.published} correction(s)", file=out)
    if report.no_outcome:
        print(
            f"{report.no_outcome} without an outcome event on record (dead-lettered, or "
            "archived before their outcome): not compared",
            file=out,
        )
    if report.now_rejected:
        print(
            f"{report.now_rejected} that cannot be classified now (verdict dlq shows why such "
            "webhooks are dead-lettered): left as they are",
            file=out,
        )
    if report.fetched:
        print(
            f"{report.fetched} decided by a result fetched from the vendor's API, which "
            "reclassify does not ask again: left as they are",
            file=out,
        )


class _Progress:
    """One line on a terminal, rewritten at most five times a second."""

    def __init__(self) -> None:
        self._last = 0.0

    def __call__(self, report: Report) -> None:
        now = time.monotonic()
        if now - self._last >= 0.2:
            self._last = now
            print(
                f"\rreclassify: {report.webhooks} webhook(s) read, {report.changed} change(s)",
                end="",
                file=sys.stderr,
                flush=True,
            )


def _say(message: str) -> None:
    print(message, file=sys.stderr)
