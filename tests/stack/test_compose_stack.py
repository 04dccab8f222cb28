"""deploy/compose.yaml, up for real: every vendor's examples come out on their outcome queues;
the containers are healthy, unprivileged and read-only; a worker stopped mid-stream and a broker
restarted lose nothing; ``verdict dlq`` and ``verdict outcomes`` work through compose."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import aio_pika
import aiohttp
import msgspec
from aio_pika.abc import AbstractChannel

from examples.post_examples import FIXTURES, headers_for
from shared import messages, outcome
from shared.outcome import OutcomeEvent
from shared.topology import Topology
from tests.faults.support import classifiable, inbound_for, wait_until
from tests.stack.support import Stack, Stream, post_until_accepted
from tests.support import depth
from workers import pipeline

TOPOLOGY = Topology("verdict", ())
PIPELINE = ("ingress", "worker")


async def _routed(
    stack: Stack, queue_name: str, message_ids: set[str], timeout: float = 120
) -> dict[str, str]:
    """Wait until the stack has routed every one of ``message_ids`` (ingress ids); each one's
    routing key (``<outcome>.<vendor>.<event>``, or ``dead.<reason>`` for a dead letter). Reads
    ``queue_name`` on a connection of its own, opened again if the broker goes away."""
    routed: dict[str, str] = {}
    loop = asyncio.get_running_loop()
    give_up = loop.time() + timeout
    while not message_ids <= routed.keys():
        missing = len(message_ids - routed.keys())
        assert loop.time() < give_up, f"{missing} of {len(message_ids)} never routed"
        try:
            async with await aio_pika.connect(stack.amqp_url) as connection:
                channel = await connection.channel()
                queue = await channel.get_queue(queue_name, ensure=False)
                while not message_ids <= routed.keys() and loop.time() < give_up:
                    message = await queue.get(no_ack=True, fail=False)
                    if message is None:
                        await asyncio.sleep(0.1)
                    elif message.exchange == TOPOLOGY.dead_exchange:
                        routed[message.message_id or ""] = f"dead.{message.routing_key}"
                    else:
                        event = outcome.decode(message.body)
                        routed[event.ingress_message_id] = message.routing_key or ""
        except (OSError, aio_pika.exceptions.AMQPError):
            await asyncio.sleep(1)  # the broker is restarting
    return routed


def _fixtures() -> list[tuple[str, Path]]:
    return sorted((path.parent.name, path) for path in FIXTURES.glob("*/*.json"))


def _expected(vendor: str, path: Path, headers: dict[str, str]) -> str:
    inbound = msgspec.structs.replace(
        inbound_for(vendor, path.read_bytes()),
        http_headers=messages.forwardable_headers(headers.items()),
    )
    decided = pipeline.classify(inbound)
    assert isinstance(decided, OutcomeEvent), (path, decided)
    return decided.routing_key


def test_every_container_is_healthy_and_the_pipeline_runs_unprivileged(stack: Stack) -> None:
    states = {service["Service"]: service for service in stack.services()}
    assert set(states) == {"rabbitmq", *PIPELINE}
    for name, state in states.items():
        assert (state["State"], state["Health"]) == ("running", "healthy"), name
    for name in PIPELINE:
        details = stack.inspect(name)
        assert details["Config"]["User"] == "10001:10001", name
        assert details["HostConfig"]["ReadonlyRootfs"] is True, name
        assert stack.compose("exec", "-T", name, "id", "-u").stdout.strip() == "10001"
        write = stack.compose("exec", "-T", name, "touch", "/opt/verdict/x", check=False)
        assert write.returncode != 0
        assert "Read-only file system" in write.stderr
    # Published on the loopback address only.
    for binding in stack.inspect("rabbitmq")["HostConfig"]["PortBindings"].values():
        assert [each["HostIp"] for each in binding] == ["127.0.0.1"]


async def test_every_vendor_example_lands_on_its_outcome_queue(
    stack: Stack, stack_channel: AbstractChannel, seen: str
) -> None:
    before = {
        queue: await depth(stack_channel, queue)
        for queue in (TOPOLOGY.outcome_queue(each) for each in outcome.Outcome)
    }
    expected: dict[str, str] = {}
    async with aiohttp.ClientSession() as session:
        for vendor, path in _fixtures():
            headers = headers_for(vendor, path.stem)
            message_id = await post_until_accepted(
                session, f"{stack.http}/webhooks/{vendor}", path.read_bytes(), headers
            )
            expected[message_id] = _expected(vendor, path, headers)
    assert len(expected) >= 200  # every fixture of every vendor

    assert await _routed(stack, seen, set(expected)) == expected
    arrived = Counter(key.split(".")[0] for key in expected.values())
    for each in outcome.Outcome:
        queue = TOPOLOGY.outcome_queue(each)
        assert await depth(stack_channel, queue) - before[queue] == arrived[each.value], queue


async def test_a_worker_stopped_mid_stream_loses_nothing(stack: Stack, seen: str) -> None:
    async with aiohttp.ClientSession() as session:
        stream = Stream(session, f"{stack.http}/webhooks/idwise", _distinct_idwise())
        stream.start()
        await stream.until_accepted(50)
        await asyncio.to_thread(stack.compose, "stop", "worker")
        await stream.until_accepted(50)  # waiting for a worker
        await asyncio.to_thread(stack.compose, "start", "worker")
        await stream.until_accepted(50)
        accepted = await stream.stop()
    assert len(set(accepted)) == len(accepted) >= 150
    assert set(accepted) <= (await _routed(stack, seen, set(accepted))).keys()


async def test_a_restarted_broker_is_rejoined_and_nothing_is_lost(stack: Stack, seen: str) -> None:
    async with aiohttp.ClientSession() as session:
        stream = Stream(session, f"{stack.http}/webhooks/idwise", _distinct_idwise())
        stream.start()
        await stream.until_accepted(50)
        await asyncio.to_thread(stack.compose, "restart", "rabbitmq")
        # Accepted again: the ingress reconnected by itself.
        await stream.until_accepted(50)
        accepted = await stream.stop()
    assert stream.refusals.count > 0  # the restart happened mid-stream
    assert len(set(accepted)) == len(accepted) >= 100
    # ... and so did the worker: everything accepted, before and after, comes out.
    assert set(accepted) <= (await _routed(stack, seen, set(accepted))).keys()

    def healthy() -> bool:
        return all(service["Health"] == "healthy" for service in stack.services())

    async def all_healthy() -> bool:
        return await asyncio.to_thread(healthy)

    await wait_until(all_healthy, what="every container healthy again", timeout=120)


async def test_dlq_and_outcomes_through_compose(stack: Stack, seen: str) -> None:
    async with aiohttp.ClientSession() as session:
        undecodable = await post_until_accepted(
            session,
            f"{stack.http}/webhooks/metamap",
            b'{"not": "a metamap webhook"',
            {"Content-Type": "application/json"},
        )
    await _routed(stack, seen, {undecodable})
    listed = stack.compose("run", "--rm", "-T", "--no-deps", "worker", "dlq", "list")
    assert undecodable in listed.stdout
    shown = stack.compose("run", "--rm", "-T", "--no-deps", "worker", "dlq", "show", undecodable)
    assert "reason: undecodable" in shown.stdout

    waiting = stack.compose("exec", "-T", "ingress", "verdict", "outcomes", "--json")
    events = [json.loads(line) for line in waiting.stdout.splitlines()]
    assert events
    assert all(event["schema_version"] == outcome.SCHEMA_VERSION for event in events)


def _distinct_idwise() -> Iterator[bytes]:
    """IDWise webhooks that are distinct events (an eventId of their own), classifiable."""
    [template] = classifiable("idwise", 1)
    body = json.loads(template)
    for number in itertools.count():
        body.setdefault("body", {})["eventId"] = f"stack-{uuid.uuid4().hex[:8]}-{number}"
        yield json.dumps(body).encode()
