"""Real ``verdict`` processes: killed mid-batch, stopped by signals, replaying dead letters."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import aiohttp
import msgspec
import pytest
from aio_pika.abc import AbstractChannel

from shared.broker import Broker
from shared.outcome import Outcome
from shared.settings import Settings
from shared.topology import Topology
from tests.faults.support import (
    Ledger,
    classifiable,
    depth,
    environment,
    finish,
    mixed_webhooks,
    publish_inbound,
    running_worker,
    spawn,
    started,
    wait_until,
)
from tests.support import ACCEPTED, log_events
from workers.vendors import CLASSIFIERS


async def publish_all(broker: Broker, webhooks: list[tuple[str, bytes]]) -> list[str]:
    ids: list[str] = []
    for start in range(0, len(webhooks), 200):
        batch = webhooks[start : start + 200]
        ids += await asyncio.gather(*(publish_inbound(broker, v, b) for v, b in batch))
    return ids


async def outcomes_so_far(channel: AbstractChannel, topology: Topology) -> int:
    return sum([await depth(channel, topology.outcome_queue(kind)) for kind in Outcome])


async def inbound_left(channel: AbstractChannel, topology: Topology) -> int:
    return sum([await depth(channel, topology.inbound_queue(v)) for v in topology.vendors])


async def test_worker_killed_mid_batch_loses_nothing(
    config: Settings, broker: Broker, channel: AbstractChannel, topology: Topology, tmp_path: Path
) -> None:
    accepted = await publish_all(broker, mixed_webhooks(per_vendor=300))
    env = environment(config, VERDICT_PREFETCH="4")

    first = spawn(env, tmp_path / "first.log", "worker")
    try:

        async def working() -> bool:
            return await outcomes_so_far(channel, topology) > 0

        await wait_until(working, what="the first worker's first outcome")
    finally:
        first.kill()
        first.wait()
    # The kill came mid-batch: the broker took back what the worker held unacknowledged.
    assert await inbound_left(channel, topology) > 0

    second = await started(env, tmp_path / "second.log", "worker")
    try:
        await Ledger(channel, topology).wait_for(accepted, timeout=90)
    finally:
        assert finish(second) == 0


async def test_worker_stops_on_sigterm_and_leaves_the_rest_to_the_broker(
    config: Settings, broker: Broker, channel: AbstractChannel, topology: Topology, tmp_path: Path
) -> None:
    accepted = await publish_all(broker, mixed_webhooks(per_vendor=300))
    env = environment(config, VERDICT_PREFETCH="4")
    worker = await started(env, tmp_path / "worker.log", "worker")
    try:

        async def working() -> bool:
            return await outcomes_so_far(channel, topology) > 0

        await wait_until(working, what="the worker's first outcome")
    finally:
        assert finish(worker, signal.SIGTERM) == 0
    log = (tmp_path / "worker.log").read_text()
    assert "worker_stopped" in log_events(log)
    assert "drain_timeout" not in log
    assert await inbound_left(channel, topology) > 0

    async with running_worker(config, broker):
        await Ledger(channel, topology).wait_for(accepted, timeout=90)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
async def test_run_stops_on_a_signal_after_answering_and_nothing_is_lost(
    config: Settings, channel: AbstractChannel, topology: Topology, tmp_path: Path, sig: int
) -> None:
    env = environment(config)
    base = f"http://127.0.0.1:{env['VERDICT_HTTP_PORT']}"
    run = await started(env, tmp_path / "run.log", "run")
    accepted: list[str] = []
    try:
        async with aiohttp.ClientSession() as session:
            for vendor, body in mixed_webhooks(per_vendor=10):
                async with session.post(f"{base}/webhooks/{vendor}", data=body) as response:
                    assert response.status in ACCEPTED
                    accepted.append((await response.json())["message_id"])
    finally:
        assert finish(run, sig) == 0
    assert "ingress_stopped" in log_events((tmp_path / "run.log").read_text())

    second = await started(env, tmp_path / "worker.log", "worker")
    try:
        await Ledger(channel, topology).wait_for(accepted)
    finally:
        assert finish(second) == 0


async def test_ingress_answers_the_request_in_flight_before_it_exits(
    config: Settings, channel: AbstractChannel, topology: Topology, tmp_path: Path
) -> None:
    env = environment(config)
    port = int(env["VERDICT_HTTP_PORT"])
    ingress = await started(env, tmp_path / "ingress.log", "ingress")
    try:
        [body] = classifiable("idwise", 1)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        head = (
            f"POST /webhooks/idwise HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        writer.write(head.encode() + body[:10])
        await writer.drain()
        await asyncio.sleep(0.2)  # the request is being read
        ingress.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.5)  # the ingress is stopping, the request still in flight
        writer.write(body[10:])
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 15)
        writer.close()
        await writer.wait_closed()
    finally:
        assert finish(ingress, sig=None) == 0
    status_line = answer.split(b"\r\n", 1)[0]
    assert status_line == b"HTTP/1.1 202 Accepted"
    message_id = msgspec.json.decode(answer.split(b"\r\n\r\n", 1)[1])["message_id"]
    queue = await channel.get_queue(topology.inbound_queue("idwise"))
    message = await queue.get(timeout=5)
    assert message.message_id == message_id


ACME = "acme"
# A vendor the worker had no adapter for, until one was added. Its webhooks look like IDWise's.
WITH_ACME = {**CLASSIFIERS, ACME: CLASSIFIERS["idwise"]}


async def dead_letters_without_adapter(
    config: Settings, broker: Broker, channel: AbstractChannel, topology: Topology, count: int
) -> list[str]:
    ids = [await publish_inbound(broker, ACME, b) for b in classifiable("idwise", count)]
    async with running_worker(config, broker):  # the real registry: no adapter for acme

        async def all_dead() -> bool:
            return await depth(channel, topology.dead_letter_queue) == count

        await wait_until(all_dead, what="the dead letters")
    return ids


@pytest.fixture
def config(config: Settings) -> Settings:
    return msgspec.structs.replace(config, vendors=(*config.vendors, ACME))


async def test_dead_letters_of_a_missing_adapter_come_out_once_it_exists(
    config: Settings, broker: Broker, channel: AbstractChannel, topology: Topology, tmp_path: Path
) -> None:
    ids = await dead_letters_without_adapter(config, broker, channel, topology, 12)
    env = environment(config)

    replay = spawn(env, tmp_path / "replay.log", "dlq", "replay", "--reason", "no_adapter")
    assert replay.wait(60) == 0
    assert "replayed 12 of 12 chosen" in (tmp_path / "replay.log").read_text()

    async with running_worker(config, broker, WITH_ACME):
        ledger = Ledger(channel, topology)
        await ledger.wait_for(ids)
    assert all(ledger.outcomes[i][0].vendor == ACME for i in ids)
    assert not ledger.dead


async def test_a_replay_killed_half_way_loses_nothing(
    config: Settings, broker: Broker, channel: AbstractChannel, topology: Topology, tmp_path: Path
) -> None:
    ids = await dead_letters_without_adapter(config, broker, channel, topology, 40)
    env = environment(config)

    replay = spawn(env, tmp_path / "replay.log", "dlq", "replay", "--rate", "40")
    try:

        async def half_way() -> bool:
            return await depth(channel, topology.inbound_queue(ACME)) >= 10

        await wait_until(half_way, what="part of the replay")
    finally:
        replay.kill()
        replay.wait()
    assert await depth(channel, topology.dead_letter_queue) > 0  # it was stopped part-way

    # Run it again to the end: every message is replayed at least once.
    again = spawn(env, tmp_path / "again.log", "dlq", "replay")
    assert again.wait(60) == 0
    assert await depth(channel, topology.dead_letter_queue) == 0
    async with running_worker(config, broker, WITH_ACME):
        await Ledger(channel, topology).wait_for(ids)
