"""A real memory alarm on a RabbitMQ node of the test's own (or the run's own broker, on another
RabbitMQ version), while vendors post 1 MiB webhooks.

RabbitMQ blocks a publishing connection during a resource alarm and stops reading its socket.
The ingress must then answer 503 at once (not after its publish timeout), stay within bounded
memory, publish nothing for what it refused beyond the stated guarantee, and accept again as soon
as the alarm clears; the worker must hold what it has and resume by itself, losing nothing.

Runs only with VERDICT_TEST_FAULTS=1 (.ci/run sets it).
"""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import msgspec
import pytest
from aio_pika.abc import AbstractChannel

from shared.settings import Settings
from shared.topology import Topology
from tests.faults.conftest import AlarmNode
from tests.faults.support import (
    Ledger,
    classifiable,
    environment,
    finish,
    namespace_channel,
    rss_mib,
    started,
    wait_until,
)
from tests.support import log_events

pytestmark = pytest.mark.faults

CLIENTS = 32
ALARM_SECONDS = 8.0
PUBLISH_TIMEOUT = 5.0
# A 503 decided without publishing comes at once; this is far above "at once" and far below the
# publish timeout a 503 used to wait for.
AT_ONCE = 1.0


def big_webhook() -> bytes:
    """A W2 result with 1 MiB of inline image data, as W2 sends them."""
    body = json.loads(classifiable("w2", 1)[0])
    body["documentImage"] = "A" * (1 << 20)
    return json.dumps(body).encode()


class Answer(msgspec.Struct, frozen=True):
    sent: float
    seconds: float
    status: int
    error: str | None


class Vendors:
    """``CLIENTS`` vendors posting one webhook after another, retrying a refused one at once."""

    def __init__(self, base: str, body: bytes) -> None:
        self.base = base
        self.body = body
        self.answers: list[Answer] = []
        self.accepted: list[str] = []
        self.running = True

    async def run(self) -> None:
        async with aiohttp.ClientSession() as session:
            await asyncio.gather(*(self._post(session) for _ in range(CLIENTS)))

    async def _post(self, session: aiohttp.ClientSession) -> None:
        while self.running:
            sent = time.monotonic()
            try:
                # A file-like body: aiohttp warns that one of 1 MiB given as bytes blocks the loop.
                body = io.BytesIO(self.body)
                async with session.post(f"{self.base}/webhooks/w2", data=body) as response:
                    answer = await response.json()
                    status = response.status
            except aiohttp.ClientError:
                # The ingress closes a refused webhook's connection without reading its body:
                # the client may see that as a reset before the answer. Nothing was stored.
                await asyncio.sleep(0.05)
                continue
            self.answers.append(Answer(sent, time.monotonic() - sent, status, answer.get("error")))
            if status == 202:
                self.accepted.append(answer["message_id"])
            else:
                await asyncio.sleep(0.05)

    def between(self, start: float, end: float) -> list[Answer]:
        return [answer for answer in self.answers if start <= answer.sent < end]


@pytest.fixture
async def node_channel(alarm_node: AlarmNode, topology: Topology) -> AsyncIterator[AbstractChannel]:
    async with namespace_channel(alarm_node.url, topology) as channel:
        yield channel


async def test_memory_alarm(
    alarm_node: AlarmNode,
    config: Settings,
    topology: Topology,
    node_channel: AbstractChannel,
    tmp_path: Path,
) -> None:
    settings = msgspec.structs.replace(config, amqp_url=alarm_node.url)
    env = environment(settings, VERDICT_PUBLISH_TIMEOUT=str(PUBLISH_TIMEOUT))
    base = f"http://127.0.0.1:{env['VERDICT_HTTP_PORT']}"
    worker_base = f"http://127.0.0.1:{env['VERDICT_WORKER_HTTP_PORT']}"
    # The worker starts once the alarm is on, with a backlog to work through: RabbitMQ blocks a
    # connection only when it publishes.
    ingress = await started(env, tmp_path / "ingress.log", "ingress")
    worker: subprocess.Popen[bytes] | None = None
    vendors = Vendors(base, big_webhook())
    posting = asyncio.create_task(vendors.run())
    alarm_cleared = False
    try:

        async def accepting() -> bool:
            if posting.done():
                posting.result()  # the vendors stopped: say why
            return len(vendors.accepted) >= 2 * CLIENTS

        await wait_until(accepting, what="webhooks accepted before the alarm")
        rss_before = rss_mib(ingress.pid)

        await asyncio.to_thread(alarm_node.set_memory_alarm, True)
        alarm_start = time.monotonic()
        worker = await started(env, tmp_path / "worker.log", "worker")
        samples: list[float] = []
        async with aiohttp.ClientSession() as session:
            while time.monotonic() - alarm_start < ALARM_SECONDS:
                samples.append(rss_mib(ingress.pid))
                await asyncio.sleep(0.2)
            async with session.get(f"{base}/readyz") as response:
                ready_during_alarm = response.status
            async with session.get(f"{base}/metrics") as response:
                metrics_during_alarm = await response.text()
            async with session.get(f"{worker_base}/metrics") as response:
                worker_metrics = await response.text()
        worker_rss = rss_mib(worker.pid)

        clearing = time.monotonic()  # RabbitMQ unblocks before rabbitmqctl returns
        await asyncio.to_thread(alarm_node.set_memory_alarm, False)
        alarm_cleared = True
        alarm_end = time.monotonic()

        def accepted_after_the_alarm() -> list[float]:
            # When each 202 came, of those that came once rabbitmqctl had returned (one that
            # came between RabbitMQ unblocking and then is not counted here).
            return [
                a.sent + a.seconds for a in vendors.answers
                if a.status == 202 and a.sent + a.seconds > alarm_end
            ]  # fmt: skip

        async def accepting_again() -> bool:
            return bool(accepted_after_the_alarm())

        await wait_until(accepting_again, timeout=15, what="a 202 after the alarm cleared")
        first_accepted_after = min(accepted_after_the_alarm())
        vendors.running = False
        await posting
        # Every webhook answered 202 comes out: the worker held its messages and went on.
        ledger = Ledger(node_channel, topology)
        await ledger.wait_for(vendors.accepted, timeout=120)
    finally:
        vendors.running = False
        if not alarm_cleared:
            await asyncio.to_thread(alarm_node.set_memory_alarm, False)
        await asyncio.gather(posting, return_exceptions=True)
        assert finish(ingress) == 0
        if worker is not None:
            assert finish(worker) == 0

    # Refused at once, with Retry-After's code for a blocked broker, and not ready meanwhile.
    during = vendors.between(alarm_start + PUBLISH_TIMEOUT + 1, clearing)
    assert during, "no webhook was answered during the alarm"
    assert {(a.status, a.error) for a in during} == {(503, "broker_blocked")}, [
        (round(a.sent - alarm_start, 2), a.status, a.error, round(a.seconds, 2))
        for a in during
        if a.status != 503
    ]
    assert max(a.seconds for a in during) < AT_ONCE
    assert ready_during_alarm == 503
    assert 'verdict_broker_blocked{connection="verdict-ingress"} 1.0' in metrics_during_alarm

    # Memory stayed bounded: the bodies in flight, not a backlog of refused webhooks.
    held = CLIENTS * len(vendors.body) / (1 << 20)
    assert max(samples) < rss_before + 3 * held, (rss_before, samples)
    assert samples[-1] <= samples[len(samples) // 2] + held / 2, samples  # not climbing
    assert worker_rss < 400, worker_rss
    # It holds its prefetch window of the backlog, unsettled, until the alarm clears.
    assert 'verdict_broker_blocked{connection="verdict-worker"} 1.0' in worker_metrics
    assert "verdict_worker_messages_in_flight 32.0" in worker_metrics

    # Only a publish already handed to the socket when the alarm began can still be stored for a
    # refused webhook (docs/operations.md): those are the ones refused after the publish timeout.
    refused = [a for a in vendors.answers if a.status != 202]
    timed_out = [a for a in refused if a.error == "broker_unavailable"]
    stored = set(ledger.outcomes) | set(ledger.dead)
    stored_for_refused = len(stored) - len(set(vendors.accepted))
    assert 0 <= stored_for_refused <= len(timed_out), (stored_for_refused, len(timed_out))
    assert len(timed_out) <= CLIENTS

    # Accepting again as soon as RabbitMQ unblocked the connection.
    assert first_accepted_after - alarm_end < 5

    # One log line per transition, and refusals counted into one line a second.
    events = log_events((tmp_path / "ingress.log").read_text())
    assert events.count("broker_blocked") == 1
    assert events.count("broker_unblocked") == 1
    assert events.count("webhooks_not_stored") <= ALARM_SECONDS + PUBLISH_TIMEOUT + 2
    assert events.count("webhook_not_confirmed") == len(timed_out)
    worker_log = (tmp_path / "worker.log").read_text()
    worker_events = log_events(worker_log)
    assert "broker_blocked" in worker_events
    assert "broker_unblocked" in worker_events
    # The worker held its messages through the alarm: nothing retried, requeued or lost.
    settled = [
        json.loads(line)["settled"] for line in worker_log.splitlines()
        if '"message_settled"' in line
    ]  # fmt: skip
    assert set(settled) <= {"done", "dead_lettered"}, set(settled)
