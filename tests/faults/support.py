"""Helpers for the fault and dead-letter tests: real webhooks, real workers, real broker control."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import aio_pika
import aiohttp
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from shared import messages, outcome
from shared.broker import Broker
from shared.outcome import Outcome, OutcomeEvent
from shared.settings import Settings
from shared.topology import DELIVERY_LIMIT, Topology, delete
from tests.support import ACCEPTED
from workers import deadletter, pipeline
from workers.vendors import CLASSIFIERS
from workers.vendors.base import Classifier
from workers.worker import Worker

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VERDICT = str(Path(sys.executable).with_name("verdict"))
UNDECODABLE = b'{"this is": "no vendor\'s shape"'

FAULTS_ENABLED = os.environ.get("VERDICT_TEST_FAULTS") == "1"
FAULTS_SKIPPED = (
    "injects broker faults (stops the test broker with rabbitmqctl, starts RabbitMQ nodes of its "
    "own, kills them, raises memory alarms): run with VERDICT_TEST_FAULTS=1 (.ci/run sets it), "
    "and VERDICT_TEST_RABBITMQ_NODE=<node> when the broker of VERDICT_TEST_AMQP_URL is not "
    "rabbitmqctl's default node"
)


def classifiable(vendor: str, count: int) -> list[bytes]:
    """``count`` bodies of ``vendor``'s fixtures that classify to an outcome event without extra
    headers (repeating them when there are fewer)."""
    bodies = [
        path.read_bytes()
        for path in sorted((FIXTURES / vendor).glob("*.json"))
        if isinstance(pipeline.classify(inbound_for(vendor, path.read_bytes())), OutcomeEvent)
    ]
    assert bodies, f"{vendor}: no classifiable fixture"
    return list(itertools.islice(itertools.cycle(bodies), count))


def inbound_for(vendor: str, body: bytes) -> messages.Inbound:
    return messages.Inbound(
        message_id="x",
        vendor=vendor,
        body=body,
        content_type="application/json",
        received_at=datetime.now(UTC),
        http_headers={},
    )


def mixed_webhooks(per_vendor: int, undecodable_every: int = 5) -> list[tuple[str, bytes]]:
    """Webhooks of every vendor, interleaved; every ``undecodable_every``-th one is garbage."""
    bodies = {vendor: classifiable(vendor, per_vendor) for vendor in CLASSIFIERS}
    webhooks: list[tuple[str, bytes]] = []
    for index in range(per_vendor):
        for vendor in CLASSIFIERS:
            garbage = len(webhooks) % undecodable_every == undecodable_every - 1
            webhooks.append((vendor, UNDECODABLE if garbage else bodies[vendor][index]))
    return webhooks


async def publish_inbound(broker: Broker, vendor: str, body: bytes) -> str:
    """What the ingress does for a webhook: publish to the inbound exchange, confirmed."""
    message = messages.inbound_message(
        vendor=vendor, body=body, content_type="application/json", http_headers={}
    )
    exchange = await broker.exchange(broker.topology.inbound_exchange)
    await exchange.publish(message, routing_key=vendor, timeout=10)
    assert message.message_id is not None
    return message.message_id


async def drain(channel: AbstractChannel, queue_name: str) -> list[AbstractIncomingMessage]:
    """Take (and acknowledge) every message now ready on a queue."""
    queue = await channel.get_queue(queue_name, ensure=False)
    taken: list[AbstractIncomingMessage] = []
    while (message := await queue.get(fail=False, no_ack=True)) is not None:
        taken.append(message)
    return taken


async def depth(channel: AbstractChannel, queue_name: str) -> int:
    """Messages ready on a queue, asked afresh each time (a robust channel caches a passive
    declare of a queue it declared robustly, with its first count)."""
    underlay = await channel.get_underlay_channel()
    declared = await underlay.queue_declare(queue_name, passive=True)
    return int(declared.message_count or 0)


@contextlib.asynccontextmanager
async def namespace_channel(
    url: str, topology: Topology, *, declare: bool = True
) -> AsyncIterator[AbstractChannel]:
    """A channel on the broker at ``url``, with ``topology`` declared unless told not to; deletes
    it afterwards, with the production retry queues the ``verdict`` processes a test starts
    declare too."""
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        if declare:
            await topology.declare(channel)
        yield channel
        await delete(channel, topology, Topology(topology.namespace, topology.vendors))
    finally:
        await connection.close()


class Ledger:
    """Every outcome event and dead letter seen so far, by the ingress message id."""

    def __init__(self, channel: AbstractChannel, topology: Topology) -> None:
        self.channel = channel
        self.topology = topology
        self.outcomes: dict[str, list[OutcomeEvent]] = {}
        self.dead: dict[str, list[deadletter.DeadLetter]] = {}

    async def collect(self) -> None:
        for kind in Outcome:
            for message in await drain(self.channel, self.topology.outcome_queue(kind)):
                event = outcome.decode(message.body)
                self.outcomes.setdefault(event.ingress_message_id, []).append(event)
        for message in await drain(self.channel, self.topology.dead_letter_queue):
            letter = deadletter.read(message, message.routing_key)
            self.dead.setdefault(str(letter.message_id), []).append(letter)

    def missing(self, accepted: Iterable[str]) -> set[str]:
        return {id_ for id_ in accepted if id_ not in self.outcomes and id_ not in self.dead}

    async def wait_for(self, accepted: Iterable[str], timeout: float = 60) -> None:
        """Until every accepted id has an outcome event or a dead letter."""
        wanted = set(accepted)
        deadline = time.monotonic() + timeout
        while True:
            try:
                await self.collect()
            except (aio_pika.exceptions.AMQPError, ConnectionError, RuntimeError):
                # This test's own connection is still reconnecting after a broker restart.
                await asyncio.sleep(0.5)
                continue
            missing = self.missing(wanted)
            if not missing:
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{len(missing)} of {len(wanted)} accepted webhooks have no outcome event or "
                    f"dead letter yet; messages waiting: {await self.waiting()}"
                )
            await asyncio.sleep(0.1)

    async def waiting(self) -> dict[str, int]:
        """Messages ready in each queue of the namespace that holds any (where the missing ones
        are, when a test fails): the queues the ``verdict`` processes declare."""
        production = Topology(self.topology.namespace, self.topology.vendors)
        found = {}
        for name in production.queue_names():
            if count := await depth(self.channel, name):
                found[name] = count
        return found


async def wait_until(
    check: Callable[[], Awaitable[bool]], timeout: float = 30, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def running_worker(
    config: Settings, broker: Broker, classifiers: Mapping[str, Classifier] = CLASSIFIERS
) -> AsyncIterator[Worker]:
    worker = Worker(config, broker, classifiers)
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop()


async def make_broker_poison(channel: AbstractChannel, topology: Topology, vendor: str) -> str:
    """A message the broker itself dead-letters: delivered and returned until the limit is hit,
    as when a worker dies on it every time. Returns its message id."""
    message = messages.inbound_message(
        vendor=vendor, body=b'{"crash": true}', content_type="application/json", http_headers={}
    )
    exchange = await channel.get_exchange(topology.inbound_exchange, ensure=False)
    await exchange.publish(message, routing_key=vendor)  # the test channel confirms too
    queue = await channel.get_queue(topology.inbound_queue(vendor))
    for _ in range(DELIVERY_LIMIT + 1):
        delivered = await queue.get(timeout=5)
        await delivered.nack(requeue=True)
    assert message.message_id is not None
    return message.message_id


# --- processes ------------------------------------------------------------------------------


def rss_mib(pid: int) -> float:
    """A process's resident memory now, in MiB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def environment(config: Settings, **extra: str) -> dict[str, str]:
    """The environment for a ``verdict`` subprocess with the test's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERDICT_")}
    env.update(
        VERDICT_AMQP_URL=config.amqp_url,
        VERDICT_NAMESPACE=config.namespace,
        VERDICT_VENDORS=",".join(config.vendors),
        VERDICT_HTTP_HOST="127.0.0.1",
        VERDICT_HTTP_PORT=str(free_port()),
        VERDICT_WORKER_HTTP_PORT=str(free_port()),
        VERDICT_DRAIN_TIMEOUT="10",
        VERDICT_LOG_LEVEL="info",
    )
    for vendor in config.vendors:
        # These tests are about delivery; authentication is tests/ingress's, so chosen off.
        env[f"VERDICT_{vendor.upper()}_AUTH"] = "none"
    env.update(extra)
    return env


def spawn(env: Mapping[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    """Start ``verdict ARGS``; its output goes to ``log`` (read it when a test fails)."""
    with log.open("ab") as output:
        return subprocess.Popen(
            [VERDICT, *args], env=dict(env), stdout=output, stderr=subprocess.STDOUT
        )


def finish(
    process: subprocess.Popen[bytes], sig: int | None = signal.SIGTERM, timeout: float = 30
) -> int:
    """Signal a process (unless ``sig`` is None: it was signalled already) and wait for it; kill
    it if it does not end in time (and fail the test)."""
    if sig is not None and process.poll() is None:
        process.send_signal(sig)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"{process.args!r} did not exit within {timeout}s") from None


async def started(env: Mapping[str, str], log: Path, command: str) -> subprocess.Popen[bytes]:
    """``verdict worker|ingress|run``, once its /readyz says it is ready (signals are handled
    from then on)."""
    port = env["VERDICT_WORKER_HTTP_PORT" if command == "worker" else "VERDICT_HTTP_PORT"]
    process = spawn(env, log, command)
    url = f"http://127.0.0.1:{port}/readyz"
    async with aiohttp.ClientSession() as session:

        async def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"verdict {command} exited; its output is in {log}")
            try:
                async with session.get(url) as response:
                    return bool(response.status == 200)
            except aiohttp.ClientError:
                return False

        try:
            await wait_until(ready, what=f"verdict {command} to be ready")
        except BaseException:
            process.kill()
            process.wait()
            raise
    return process


class Poster:
    """A vendor posting webhooks one after another until stopped, retrying each refused one
    until it is accepted; keeps what the ingress answered."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base
        self.accepted: list[str] = []
        self.refused = 0
        self.running = True

    async def run(self) -> None:
        for vendor, body in itertools.cycle(mixed_webhooks(per_vendor=10)):
            accepted = False
            while not accepted:  # the vendor retries the same webhook
                if not self.running:
                    return
                accepted = await self._post(vendor, body)
                if not accepted:
                    await asyncio.sleep(0.05)

    async def _post(self, vendor: str, body: bytes) -> bool:
        try:
            async with self.session.post(f"{self.base}/webhooks/{vendor}", data=body) as response:
                if response.status in ACCEPTED:
                    self.accepted.append((await response.json())["message_id"])
                    return True
                assert response.status == 503, response.status
                assert response.headers["Retry-After"] == "5"
        except aiohttp.ClientConnectionError:
            pass  # a refusal that closed the connection before the body was sent: not stored
        self.refused += 1
        return False

    async def until_accepted(self, count: int) -> None:
        target = len(self.accepted) + count

        async def enough() -> bool:
            return len(self.accepted) >= target

        await wait_until(enough, timeout=60, what=f"{count} more webhooks accepted")


class BrokerControl:
    """Stops and starts the RabbitMQ the tests use: ``rabbitmqctl stop_app`` / ``start_app``,
    on this machine's node (``VERDICT_TEST_RABBITMQ_NODE``) or inside testcontainers' one."""

    def __init__(self, rabbitmqctl: Callable[..., object]) -> None:
        self._ctl = rabbitmqctl

    def stop(self) -> None:
        self._ctl("stop_app")

    def start(self) -> None:
        self._ctl("start_app")
        self._ctl("await_startup")
