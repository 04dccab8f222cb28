"""Helpers for tests that look at queues on the real broker."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import subprocess
import time

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage
from aiohttp import web
from aiohttp.test_utils import TestClient

Client = TestClient[web.Request, web.Application]

# The statuses of a webhook the broker holds: 202, or 200 for the vendors that ask for it
# (shared/vendor_settings.py: Jumio, Veriff).
ACCEPTED = frozenset({200, 202})


async def take(
    channel: AbstractChannel, queue_name: str, count: int = 1, timeout: float = 10.0
) -> list[AbstractIncomingMessage]:
    """Wait for ``count`` messages on a queue and acknowledge them."""
    queue = await channel.get_queue(queue_name, ensure=False)
    taken: list[AbstractIncomingMessage] = []
    deadline = time.monotonic() + timeout
    while len(taken) < count:
        message = await queue.get(fail=False, no_ack=True)
        if message is not None:
            taken.append(message)
        elif time.monotonic() > deadline:
            raise AssertionError(f"{queue_name}: got {len(taken)} of {count} messages in time")
        else:
            await asyncio.sleep(0.02)
    return taken


async def depth(channel: AbstractChannel, queue_name: str) -> int:
    """Messages ready on a queue (a passive declare; does not consume)."""
    # Straight to the AMQP channel: aio-pika's robust channel caches a queue's first declare.
    underlay = await channel.get_underlay_channel()
    declared = await underlay.queue_declare(queue_name, passive=True)
    return int(declared.message_count or 0)


HANDED_BACK = 25  # past RabbitMQ 4's default limit of 20


async def survives_hand_backs(channel: AbstractChannel, queue_name: str, times: int) -> bool:
    """Publish one message, take it and hand it back (nack, requeue) ``times`` times: whether
    the queue still delivers it then (False: dropped or dead-lettered on the way)."""
    await channel.default_exchange.publish(aio_pika.Message(b"{}"), routing_key=queue_name)
    queue = await channel.get_queue(queue_name, ensure=False)
    for _ in range(times):
        message = await queue.get(no_ack=False, fail=False, timeout=5)
        if message is None:
            return False
        await message.nack(requeue=True)
    message = await queue.get(no_ack=False, fail=False, timeout=5)
    if message is None:
        return False
    await message.ack()
    return True


def log_events(text: str) -> list[str]:
    """The ``event`` of every JSON log line in a process's output, in order."""
    return [json.loads(line)["event"] for line in text.splitlines() if line.startswith("{")]


def local_rabbitmqctl(*args: str) -> str:
    # VERDICT_TEST_RABBITMQCTL: how to reach the broker's rabbitmqctl, when it is not this
    # machine's (CI's RabbitMQ 4 container: "docker exec NAME rabbitmqctl").
    ctl = shlex.split(os.environ.get("VERDICT_TEST_RABBITMQCTL", "rabbitmqctl"))
    node = os.environ.get("VERDICT_TEST_RABBITMQ_NODE")
    command = [*ctl, *(("-n", node) if node else ()), *args]
    done = subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)
    return done.stdout
