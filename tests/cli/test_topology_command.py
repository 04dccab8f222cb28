"""``verdict topology show | delete``, as real processes against the real broker: what a namespace
has there, with its messages; deleting it, refused while a queue holds messages, has consumers or
``verdict dlq`` holds its lock, unless told --force (not past the lock); saying what went."""

from __future__ import annotations

from pathlib import Path

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from shared.settings import Settings
from shared.topology import Topology
from tests.faults.support import environment, finish, spawn, wait_until
from tests.support import depth


def topology_command(config: Settings, tmp_path: Path, *args: str) -> tuple[int, list[str]]:
    """Run ``verdict topology ARGS``: its exit status and the lines it printed."""
    log = tmp_path / "topology.log"
    log.unlink(missing_ok=True)
    status = finish(spawn(environment(config), log, "topology", *args), sig=None, timeout=30)
    return status, log.read_text().splitlines()


def rows(lines: list[str]) -> dict[str, list[str]]:
    """The table's rows by name: kind, state, messages, consumers."""
    table = {}
    for line in lines:
        columns = line.split()
        if len(columns) == 5 and columns[0] in ("exchange", "queue"):
            kind, name, *rest = columns
            table[name] = [kind, *rest]
    return table


async def put(channel: AbstractChannel, queue: str, count: int = 1) -> None:
    for _ in range(count):
        await channel.default_exchange.publish(aio_pika.Message(b"{}"), routing_key=queue)

    async def there() -> bool:
        return await depth(channel, queue) == count

    await wait_until(there, what=f"{count} messages on {queue}")


async def absent(amqp_url: str, topology: Topology) -> list[str]:
    """Those of the namespace's exchanges and queues the broker no longer has."""
    gone = []
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        for name in topology.exchange_names():
            async with connection.channel() as channel:
                try:
                    await channel.declare_exchange(name, passive=True)
                except aio_pika.exceptions.ChannelNotFoundEntity:
                    gone.append(name)
        for name in topology.queue_names():
            async with connection.channel() as channel:
                try:
                    await channel.declare_queue(name, passive=True)
                except aio_pika.exceptions.ChannelNotFoundEntity:
                    gone.append(name)
    return gone


async def test_show_lists_every_exchange_and_queue_with_its_messages(
    config: Settings, channel: AbstractChannel, topology: Topology, tmp_path: Path
) -> None:
    await put(channel, topology.dead_letter_queue, 2)

    status, lines = topology_command(config, tmp_path, "show")

    assert status == 0
    table = rows(lines)
    assert len(topology.queue_names()) == 51  # 9 vendors: 9 inbound, 5 outcome, 1 dead, 36 retry
    for name in topology.exchange_names():
        assert table[name] == ["exchange", "present", "-", "-"]
    for name in topology.queue_names():
        waiting = "2" if name == topology.dead_letter_queue else "0"
        assert table[name] == ["queue", "present", waiting, "0"]
    assert table[topology.dead_letter_lock] == ["queue", "absent", "-", "-"]
    assert (
        f"namespace {config.namespace}: 4 of 4 exchanges and 51 of 51 queues there, "
        "2 messages waiting in 1 queue, 0 consumers"
    ) in lines


async def test_delete_refuses_while_a_queue_holds_messages_and_deletes_nothing(
    config: Settings, channel: AbstractChannel, topology: Topology, tmp_path: Path
) -> None:
    await put(channel, topology.dead_letter_queue)

    status, lines = topology_command(config, tmp_path, "delete", config.namespace)

    assert status == 1
    assert rows(lines) == {topology.dead_letter_queue: ["queue", "present", "1", "0"]}
    refusal = next(line for line in lines if line.startswith("topology: refusing"))
    assert "1 message waiting in 1 queue" in refusal
    assert "--force" in refusal
    assert await absent(config.amqp_url, topology) == []
    assert await depth(channel, topology.dead_letter_queue) == 1


async def test_delete_refuses_while_a_queue_has_a_consumer(
    config: Settings, channel: AbstractChannel, topology: Topology, tmp_path: Path
) -> None:
    queue = await channel.get_queue(topology.inbound_queue("w2"))

    async def handle(message: AbstractIncomingMessage) -> None:
        await message.ack()

    tag = await queue.consume(handle)
    try:
        status, lines = topology_command(config, tmp_path, "delete", config.namespace)
    finally:
        await queue.cancel(tag)

    assert status == 1
    assert rows(lines) == {topology.inbound_queue("w2"): ["queue", "present", "0", "1"]}
    assert await absent(config.amqp_url, topology) == []


async def test_delete_removes_every_exchange_and_queue_and_says_which(
    config: Settings, channel: AbstractChannel, topology: Topology, tmp_path: Path
) -> None:
    status, lines = topology_command(config, tmp_path, "delete", config.namespace)

    assert status == 0
    deleted = [line for line in lines if line.startswith("deleted ")]
    assert deleted[:-1] == [
        *(f"deleted queue {name} (0 messages)" for name in topology.queue_names()),
        *(f"deleted exchange {name}" for name in topology.exchange_names()),
    ]
    assert deleted[-1] == (
        f"deleted namespace {config.namespace}: 51 queues (0 messages with them), 4 exchanges"
    )
    assert sorted(await absent(config.amqp_url, topology)) == sorted(
        [*topology.exchange_names(), *topology.queue_names()]
    )

    status, lines = topology_command(config, tmp_path, "delete", config.namespace)
    assert status == 0
    assert f"topology: nothing of namespace {config.namespace} on the broker; nothing deleted" in (
        lines
    )


async def test_delete_with_force_removes_queues_holding_messages_and_counts_them(
    config: Settings, channel: AbstractChannel, topology: Topology, tmp_path: Path
) -> None:
    await put(channel, topology.inbound_queue("metamap"), 3)

    status, lines = topology_command(config, tmp_path, "delete", config.namespace, "--force")

    assert status == 0
    assert f"deleted queue {topology.inbound_queue('metamap')} (3 messages)" in lines
    assert any("51 queues (3 messages with them), 4 exchanges" in line for line in lines)
    assert len(await absent(config.amqp_url, topology)) == 55  # 4 exchanges, 51 queues


async def test_delete_refuses_even_with_force_while_verdict_dlq_holds_its_lock(
    config: Settings, channel: AbstractChannel, topology: Topology, tmp_path: Path, amqp_url: str
) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        held = await connection.channel()
        await held.declare_queue(topology.dead_letter_lock, exclusive=True)

        status, lines = topology_command(config, tmp_path, "show")
        assert status == 0
        assert rows(lines)[topology.dead_letter_lock] == ["queue", "held", "-", "-"]

        status, lines = topology_command(config, tmp_path, "delete", config.namespace, "--force")
        assert status == 1
        assert any("a 'verdict dlq' command is working on its dead letters" in x for x in lines)
    assert await absent(config.amqp_url, topology) == []


@pytest.mark.parametrize("args", [("delete",), ("delete", "Not A Namespace"), ("remove",)])
def test_usage_errors(config: Settings, tmp_path: Path, args: tuple[str, ...]) -> None:
    status, _ = topology_command(config, tmp_path, *args)
    assert status == 2


def test_an_unreachable_broker_is_said_with_its_address_and_no_password(
    config: Settings, tmp_path: Path
) -> None:
    log = tmp_path / "topology.log"
    env = environment(config, VERDICT_AMQP_URL="amqp://guest:s3cret@127.0.0.1:1/")
    assert finish(spawn(env, log, "topology", "show"), sig=None, timeout=30) == 1
    said = log.read_text()
    assert "topology: cannot reach the broker at amqp://guest:***@127.0.0.1:1/" in said
    assert "s3cret" not in said
