"""``verdict dlq`` against a real dead-letter queue: look without losing or reordering, replay,
export and import, purge; counts and exit codes."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel

from shared import messages
from shared.broker import Broker
from shared.settings import Settings
from shared.topology import Topology
from tests.conftest import BrokerUnderTest
from tests.dlq.support import ACME, Letters, dlq, ids_listed
from tests.faults.support import UNDECODABLE, depth, drain, wait_until
from workers import deadletter
from workers.deadletter import Selection
from workers.dlq import Counts, DeadLetterQueue


async def test_list_shows_every_kind_and_leaves_the_queue_as_it_was(
    config: Settings, letters: Letters, channel: AbstractChannel, topology: Topology
) -> None:
    code, listing, summary = await dlq(config, "list")
    assert code == 0
    assert ids_listed(listing) == letters.in_order
    assert "listed 6 dead letters (looked at 6, 0 not chosen)" in summary
    rows = {line.split()[0]: line.split()[1:5] for line in listing.splitlines()[1:]}
    assert rows[letters.poison] == ["metamap", "poison", "delivery_limit", "-"]
    assert rows[letters.undecodable[0]] == ["idwise", "permanent", "undecodable", "1"]
    assert rows[letters.no_adapter[0]] == [ACME, "permanent", "no_adapter", "1"]

    # Looking again, with filters and a limit in between, sees the same messages in the same order.
    assert ids_listed((await dlq(config, "list", "--vendor", ACME))[1]) == letters.no_adapter
    assert ids_listed((await dlq(config, "list", "--limit", "2"))[1]) == letters.in_order[:2]
    assert ids_listed((await dlq(config, "list"))[1]) == letters.in_order
    assert await depth(channel, topology.dead_letter_queue) == 6


async def test_filters(config: Settings, letters: Letters) -> None:
    async def listed(*argv: str) -> list[str]:
        code, listing, _ = await dlq(config, "list", *argv)
        assert code == 0
        return ids_listed(listing)

    assert await listed("--reason", "undecodable") == letters.undecodable
    assert await listed("--reason", "poison") == [letters.poison]
    assert await listed("--reason", "delivery_limit", "--reason", "no_adapter") == [
        letters.poison,
        *letters.no_adapter,
    ]
    assert await listed("--vendor", "w2", "--reason", "undecodable") == [letters.undecodable[1]]
    assert await listed("--id", letters.no_adapter[1]) == [letters.no_adapter[1]]
    assert await listed("--since", "10m") == letters.in_order
    assert await listed("--until", "10m") == []
    assert await listed("--since", "2000-01-01T00:00:00Z", "--until", "2100-01-01") == (
        letters.in_order
    )


async def test_show(config: Settings, letters: Letters) -> None:
    code, shown, summary = await dlq(config, "show", letters.poison)
    assert code == 0
    assert "kind: poison\n" in shown
    assert "reason: delivery_limit\n" in shown
    assert "header x-death:" in shown
    assert "body:" not in shown
    assert "found 1 dead letters" in summary

    code, shown, _ = await dlq(config, "show", letters.undecodable[0], "--body")
    assert code == 0
    assert f"body:\n{UNDECODABLE.decode()}\n" in shown

    code, shown, summary = await dlq(config, "show", "no-such-id")
    assert code == 1
    assert "found 0 dead letters" in summary


async def test_replay_republishes_to_the_vendor_queue_and_removes_only_what_it_replayed(
    config: Settings, letters: Letters, channel: AbstractChannel, topology: Topology
) -> None:
    code, _, summary = await dlq(config, "replay", "--reason", "no_adapter", "--dry-run")
    assert code == 0
    assert "dry run: would have replayed 2 (looked at 6, 4 not chosen); nothing changed" in summary
    assert await depth(channel, topology.inbound_queue(ACME)) == 0

    code, _, summary = await dlq(config, "replay", "--reason", "no_adapter", "--rate", "50")
    assert code == 0
    assert "replayed 2 of 2 chosen (looked at 6, 4 not chosen, 0 failed" in summary

    replayed = await drain(channel, topology.inbound_queue(ACME))
    assert [m.message_id for m in replayed] == letters.no_adapter
    for message in replayed:
        headers = message.headers
        assert headers[messages.REPLAYS] == 1
        assert headers[messages.VENDOR] == ACME
        assert messages.FIRST_FAILED_AT in headers
        for gone in (messages.FAILURE_KIND, messages.FAILURE_REASON, messages.ATTEMPTS):
            assert gone not in headers
        assert not [
            name for name in headers if name.startswith("x-") and name != "x-delivery-count"
        ]
    _, listing, _ = await dlq(config, "list")
    assert ids_listed(listing) == [letters.poison, *letters.undecodable]


async def test_replay_that_cannot_be_routed_fails_and_keeps_the_message(
    config: Settings, letters: Letters, channel: AbstractChannel, topology: Topology
) -> None:
    # A vendor taken out of the configuration since: its queue is gone, nothing to replay to.
    await channel.queue_delete(topology.inbound_queue(ACME))

    code, _, summary = await dlq(config, "replay", "--vendor", ACME)

    assert code == 1
    assert "replayed 0 of 2 chosen (looked at 6, 4 not chosen, 2 failed and left in place)" in (
        summary
    )
    _, listing, _ = await dlq(config, "list")
    assert ids_listed(listing) == letters.in_order


async def test_export_purge_import_round_trip(
    config: Settings, letters: Letters, channel: AbstractChannel, topology: Topology, tmp_path: Path
) -> None:
    exported = tmp_path / "dead.jsonl"
    code, _, summary = await dlq(config, "export", "--output", str(exported))
    assert code == 0
    assert "exported 6 of 6 chosen" in summary
    records = [deadletter.decode(line) for line in exported.read_bytes().splitlines()]
    assert [r.letter.message_id for r in records] == letters.in_order
    assert records[1].letter.reason == "undecodable"
    assert "x-death" in records[0].headers

    assert (await dlq(config, "purge"))[0] == 2  # no filter and no --all
    code, _, summary = await dlq(config, "purge", "--vendor", "idwise", "--dry-run")
    assert "dry run: would have purged 1" in summary
    code, _, summary = await dlq(config, "purge", "--all")
    assert code == 0
    assert "purged 6 of 6 chosen" in summary
    assert await depth(channel, topology.dead_letter_queue) == 0

    code, _, summary = await dlq(config, "import", str(exported), "--reason", "poison", "--dry-run")
    assert "dry run: would have imported 1 (looked at 6, 5 not chosen)" in summary
    code, _, summary = await dlq(config, "import", str(exported))
    assert code == 0
    assert "imported 6 of 6 chosen" in summary

    back = await drain(channel, topology.dead_letter_queue)
    assert [m.message_id for m in back] == letters.in_order
    assert [m.body for m in back] == [__import__("base64").b64decode(r.body) for r in records]
    poison = back[0]
    # What the broker's x-death said is kept in our own headers; x-death itself is not written.
    assert "x-death" not in poison.headers
    assert poison.headers[messages.FAILURE_KIND] == "poison"
    assert poison.headers[messages.FAILURE_REASON] == "delivery_limit"
    assert deadletter.read(poison, poison.routing_key).kind == "poison"
    assert back[1].headers == {k: v for k, v in records[1].headers.items()}


async def test_import_of_a_bad_file_fails(
    config: Settings, letters: Letters, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"not": "a record"}\n')
    code, _, summary = await dlq(config, "import", str(bad))
    assert code == 1
    assert "line 1" in summary


async def test_many_dead_letters_keep_their_order_through_looks_and_a_partial_replay(
    config: Settings, broker: Broker, channel: AbstractChannel, topology: Topology
) -> None:
    # More than 32: RabbitMQ 3.10 hands back a larger batch of unacknowledged messages out of
    # order, which the one-at-a-time scan must not depend on.
    dead = await broker.exchange(topology.dead_exchange)
    ids = [f"m{index:03}" for index in range(120)]
    for index, message_id in enumerate(ids):
        vendor = ACME if index % 3 == 0 else "idwise"
        await dead.publish(
            aio_pika.Message(
                b"{}",
                message_id=message_id,
                headers={
                    messages.VENDOR: vendor,
                    messages.FAILURE_KIND: "permanent",
                    messages.FAILURE_REASON: "no_adapter" if vendor == ACME else "undecodable",
                },
            ),
            routing_key=vendor,
        )

    for argv in (["--limit", "5"], ["--vendor", ACME], []):
        assert (await dlq(config, "list", *argv))[0] == 0
    assert ids_listed((await dlq(config, "list"))[1]) == ids

    code, _, _ = await dlq(config, "replay", "--reason", "no_adapter", "--limit", "10")
    assert code == 0
    replayed = set(ids[0:30:3])
    assert ids_listed((await dlq(config, "list"))[1]) == [i for i in ids if i not in replayed]
    assert {m.message_id for m in await drain(channel, topology.inbound_queue(ACME))} == replayed


@pytest.fixture
def delivery_limit_one(rabbitmq: BrokerUnderTest, topology: Topology) -> Iterator[None]:
    """A delivery limit of 1 on this test's dead-letter queue, by policy (RabbitMQ 4.x gives
    every quorum queue a limit of 20 by default)."""
    name = f"{topology.namespace}-delivery-limit"
    pattern = f"^{re.escape(topology.dead_letter_queue)}$"
    rabbitmq.rabbitmqctl(
        "set_policy", name, pattern, '{"delivery-limit": 1}', "--apply-to", "queues"
    )
    try:
        yield
    finally:
        rabbitmq.rabbitmqctl("clear_policy", name)


async def test_a_thousand_looks_under_a_delivery_limit_lose_nothing(
    config: Settings,
    letters: Letters,
    channel: AbstractChannel,
    topology: Topology,
    delivery_limit_one: None,
) -> None:
    # The control: under this policy, a dead letter handed back with a nack twice is dropped
    # (the dead-letter queue has nowhere to send it), as the old way of looking did.
    control = f"{topology.namespace}-control"
    await channel.default_exchange.publish(
        aio_pika.Message(b"{}", message_id=control), routing_key=topology.dead_letter_queue
    )
    queue = await channel.get_queue(topology.dead_letter_queue, ensure=False)
    for _ in range(2):
        while (message := await queue.get(no_ack=False, timeout=5)).message_id != control:
            # One of the letters: back it goes, the way a look hands it back (by copy).
            await channel.default_exchange.publish(
                aio_pika.Message(
                    message.body, message_id=message.message_id, headers=message.headers
                ),
                routing_key=topology.dead_letter_queue,
            )
            await message.ack()
        await message.nack(requeue=True)

    async def control_dropped() -> bool:
        return await depth(channel, topology.dead_letter_queue) == 6

    await wait_until(control_dropped, what="the delivery limit to drop the control message")

    connection = await aio_pika.connect(config.amqp_url)
    try:
        dead_letters = DeadLetterQueue(connection, topology)
        for look in range(1000):
            counts = Counts()
            if look % 3 == 2:
                counts = await dead_letters.export(Selection(), io.BytesIO())
            else:
                selection = Selection(
                    ids=frozenset({letters.in_order[look % 6]}) if look % 3 else frozenset()
                )
                async with contextlib.aclosing(dead_letters.scan(selection, counts)) as held:
                    async for _ in held:
                        pass
            assert counts.scanned == 6
            assert counts.chosen == (1 if look % 3 == 1 else 6)
    finally:
        await connection.close()

    assert ids_listed((await dlq(config, "list"))[1]) == letters.in_order
    for message in await drain(channel, topology.dead_letter_queue):
        assert message.headers.get("x-delivery-count", 0) in (0, 1)


async def test_one_command_at_a_time(config: Settings, letters: Letters) -> None:
    connection = await aio_pika.connect(config.amqp_url)
    try:
        first = DeadLetterQueue(connection, Topology(config.namespace, config.vendors))
        counts = Counts()
        async with contextlib.aclosing(first.scan(Selection(), counts)) as held:
            await anext(held)  # holding the lock, part-way through its turn
            code, _, summary = await dlq(config, "list")
            assert code == 1
            assert "another 'verdict dlq' command is working on the dead-letter queue" in summary
            async for _ in held:
                pass
        assert counts.scanned == 6
    finally:
        await connection.close()
    assert ids_listed((await dlq(config, "list"))[1]) == letters.in_order
