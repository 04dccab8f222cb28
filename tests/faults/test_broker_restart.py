"""RabbitMQ stops and starts while webhooks are being posted: no 202 is lost, nothing restarts.

Runs only with VERDICT_TEST_FAULTS=1 (.ci/run sets it): it stops the broker the tests use.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from aio_pika.abc import AbstractChannel

from shared.settings import Settings
from shared.topology import Topology
from tests.faults.support import (
    BrokerControl,
    Ledger,
    Poster,
    environment,
    finish,
    started,
    wait_until,
)
from tests.support import log_events

pytestmark = pytest.mark.faults


async def readiness(session: aiohttp.ClientSession, base: str) -> int:
    async with session.get(f"{base}/readyz") as response:
        return response.status


async def test_broker_restart_while_posting_loses_no_accepted_webhook(
    config: Settings,
    channel: AbstractChannel,
    topology: Topology,
    tmp_path: Path,
    broker_control: BrokerControl,
) -> None:
    env = environment(config)
    base = f"http://127.0.0.1:{env['VERDICT_HTTP_PORT']}"
    run = await started(env, tmp_path / "run.log", "run")
    # A worker of its own, to be stopped while the broker is down.
    worker = await started(env, tmp_path / "worker.log", "worker")
    worker_base = f"http://127.0.0.1:{env['VERDICT_WORKER_HTTP_PORT']}"
    try:
        async with aiohttp.ClientSession() as session:
            poster = Poster(session, base)
            posting = asyncio.create_task(poster.run())
            await poster.until_accepted(30)

            await asyncio.to_thread(broker_control.stop)
            refused_before = poster.refused

            async def refusing() -> bool:
                return poster.refused > refused_before + 5

            await wait_until(refusing, what="503s while the broker is down")
            assert await readiness(session, base) == 503
            assert await readiness(session, worker_base) == 503
            # A worker stopped now does not wait for the broker to come back.
            assert finish(worker, timeout=10) == 0

            await asyncio.to_thread(broker_control.start)

            async def ready() -> bool:
                return await readiness(session, base) == 200

            await wait_until(ready, timeout=60, what="the ingress to reconnect")
            await poster.until_accepted(30)
            poster.running = False
            await posting

        # The worker reconnected by itself too: every accepted webhook comes out.
        await Ledger(channel, topology).wait_for(poster.accepted, timeout=90)
    finally:
        finish(worker)
        assert finish(run) == 0
    log = (tmp_path / "run.log").read_text()
    events = log_events(log)
    assert "broker_connection_lost" in events
    assert "broker_reconnected" in events
