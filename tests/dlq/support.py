"""Helpers for the dead-letter tests: ``verdict dlq`` run in this process, and its rows read."""

from __future__ import annotations

import io

import msgspec
import pytest

from shared.settings import Settings
from verdict import dlq_commands
from verdict.cli import build_parser

ACME = "acme"  # a vendor with a queue and no adapter: its webhooks are dead-lettered


class Letters(msgspec.Struct):
    """The message ids of the ``letters`` fixture's dead letters."""

    poison: str
    undecodable: list[str]
    no_adapter: list[str]

    @property
    def in_order(self) -> list[str]:
        return [self.poison, *self.undecodable, *self.no_adapter]


async def dlq(config: Settings, *argv: str) -> tuple[int, str, str]:
    """Run ``verdict dlq ARGV`` in this process: exit code, stdout, summary."""
    out, err = io.StringIO(), io.StringIO()
    args = build_parser().parse_args(["dlq", *argv])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stderr", err)
        code = await dlq_commands.run(args, config, out)
    return code, out.getvalue(), err.getvalue()


def ids_listed(listing: str) -> list[str]:
    """The message ids of ``list``'s rows (the headings skipped)."""
    return [line.split()[0] for line in listing.splitlines()[1:]]
