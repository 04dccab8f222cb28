"""Saying which dead letters a command chooses: a dry run prints the rows it would act on, an
unknown vendor is a usage error, and ``show`` takes the start of an id as git takes a commit's."""

from __future__ import annotations

from pathlib import Path

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel

from shared import messages
from shared.broker import Broker
from shared.settings import Settings
from shared.topology import Topology
from tests.dlq.support import ACME, Letters, dlq, ids_listed
from tests.faults.support import depth


async def test_dry_runs_print_the_rows_they_would_act_on_as_list_does(
    config: Settings,
    letters: Letters,
    channel: AbstractChannel,
    topology: Topology,
    tmp_path: Path,
) -> None:
    _, listing, _ = await dlq(config, "list")
    heading, *rows = listing.splitlines()
    row_of = dict(zip(ids_listed(listing), rows, strict=True))

    code, shown, summary = await dlq(config, "replay", "--reason", "no_adapter", "--dry-run")
    assert code == 0
    assert shown.splitlines() == [heading, *(row_of[i] for i in letters.no_adapter)]
    assert "dry run: would have replayed 2 (looked at 6, 4 not chosen); nothing changed" in summary

    code, shown, summary = await dlq(config, "purge", "--vendor", "idwise", "--dry-run")
    assert code == 0
    assert shown.splitlines() == [heading, row_of[letters.undecodable[0]]]
    assert "dry run: would have purged 1" in summary

    code, shown, summary = await dlq(config, "purge", "--reason", "nothing-has", "--dry-run")
    assert code == 0
    assert shown.splitlines() == [heading]
    assert "dry run: would have purged 0" in summary

    exported = tmp_path / "dead.jsonl"
    assert (await dlq(config, "export", "-o", str(exported)))[0] == 0
    code, shown, summary = await dlq(config, "import", str(exported), "--limit", "2", "--dry-run")
    assert code == 0
    assert shown.splitlines() == [heading, *(row_of[i] for i in letters.in_order[:2])]
    assert "dry run: would have imported 2" in summary

    # Nothing was done: no replay reached the vendor's queue, nothing was purged or added.
    assert await depth(channel, topology.inbound_queue(ACME)) == 0
    assert (await dlq(config, "list"))[1] == listing


@pytest.mark.parametrize(
    "argv",
    [
        ["list", "--vendor", "nosuch"],
        ["list", "--vendor", ACME, "--vendor", "nosuch"],
        ["replay", "--vendor", "nosuch", "--dry-run"],
        ["purge", "--vendor", "nosuch"],
        ["export", "--vendor", "nosuch"],
        ["import", "-", "--vendor", "nosuch"],
    ],
)
async def test_an_unknown_vendor_is_a_usage_error_naming_the_known_ones(
    config: Settings, argv: list[str]
) -> None:
    code, shown, summary = await dlq(config, *argv)

    assert code == 2
    assert shown == ""
    assert f"{argv[0]}: no vendor 'nosuch' is configured (--vendor)" in summary
    assert f"the vendors are {', '.join(config.vendors)}" in summary


# Message ids chosen so that some share their start; one of them is dead-lettered twice.
IDS = ["ab12-one", "ab34-two", "ab34-two", "cd56", "cd56-longer"]


@pytest.fixture
async def named(broker: Broker, topology: Topology) -> list[str]:
    dead = await broker.exchange(topology.dead_exchange)
    for message_id in IDS:
        await dead.publish(
            aio_pika.Message(
                b'{"event": "x"}',
                message_id=message_id,
                headers={
                    messages.VENDOR: ACME,
                    messages.FAILURE_KIND: "permanent",
                    messages.FAILURE_REASON: "no_adapter",
                },
            ),
            routing_key=ACME,
        )
    return IDS


async def test_show_takes_the_start_of_an_id_that_names_one(
    config: Settings, named: list[str]
) -> None:
    code, shown, summary = await dlq(config, "show", "ab1")
    assert code == 0
    assert "message_id: ab12-one\n" in shown
    assert "found 1 dead letters with id ab12-one (looked at 5)" in summary

    # One id, dead-lettered twice: both are shown.
    code, shown, summary = await dlq(config, "show", "ab3", "--body")
    assert code == 0
    assert shown.count("message_id: ab34-two\n") == 2
    assert shown.count('body:\n{"event": "x"}\n') == 2
    assert "found 2 dead letters with id ab34-two" in summary

    # An id given whole wins over the longer ones that start with it.
    code, shown, summary = await dlq(config, "show", "cd56")
    assert code == 0
    assert "message_id: cd56\n" in shown
    assert "cd56-longer" not in shown
    assert "found 1 dead letters with id cd56 " in summary


async def test_show_of_a_start_several_ids_share_lists_them_and_shows_none(
    config: Settings, named: list[str]
) -> None:
    code, shown, summary = await dlq(config, "show", "ab")

    assert code == 2
    assert ids_listed(shown) == ["ab12-one", "ab34-two", "ab34-two"]
    assert shown.splitlines()[0].split()[:2] == ["message_id", "vendor"]  # list's table
    assert "show: 2 message ids start with ab" in summary
    assert "give more of the id" in summary

    code, shown, summary = await dlq(config, "show", "cd5")
    assert code == 2
    assert ids_listed(shown) == ["cd56", "cd56-longer"]

    code, shown, summary = await dlq(config, "show", "zz")
    assert code == 1
    assert shown == ""
    assert "found 0 dead letters with id zz (looked at 5)" in summary

    # Looking left the queue as it was.
    assert ids_listed((await dlq(config, "list"))[1]) == IDS


async def test_show_takes_the_start_of_an_ingress_id(config: Settings, letters: Letters) -> None:
    code, shown, summary = await dlq(config, "show", letters.poison[:8])

    assert code == 0
    assert f"message_id: {letters.poison}\n" in shown
    assert f"found 1 dead letters with id {letters.poison}" in summary
