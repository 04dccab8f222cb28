"""``verdict run`` and ``verdict worker`` as real processes: their ports, metrics and log lines."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aio_pika.abc import AbstractChannel

from shared.settings import DEFAULT_VENDORS
from shared.vendor_settings import env_name

BODY = b'{"event": "Finished Journey", "body": {"eventId": "proc-1", "finalDecision": "Complete"}}'
Process = asyncio.subprocess.Process


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def environment(amqp_url: str, namespace: str, channel: AbstractChannel) -> dict[str, str]:
    """The process's environment; ``channel`` declares the namespace and deletes it after."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERDICT_")}
    env.update(
        VERDICT_AMQP_URL=amqp_url,
        VERDICT_NAMESPACE=namespace,
        VERDICT_HTTP_HOST="127.0.0.1",
        VERDICT_HTTP_PORT=str(_free_port()),
        VERDICT_WORKER_HTTP_PORT=str(_free_port()),
    )
    env.update({env_name(vendor, "auth"): "none" for vendor in DEFAULT_VENDORS})
    return env


@asynccontextmanager
async def verdict(command: str, env: dict[str, str]) -> AsyncIterator[tuple[Process, list[str]]]:
    """Run ``verdict <command>``; on leaving, SIGTERM it and check it exits cleanly."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "verdict", command, env=env, stderr=asyncio.subprocess.PIPE
    )
    lines: list[str] = []
    try:
        yield process, lines
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        assert process.stderr is not None
        stderr = await asyncio.wait_for(process.stderr.read(), 30)
        lines.extend(stderr.decode().splitlines())
        assert await asyncio.wait_for(process.wait(), 30) == 0, stderr.decode()


async def _poll(
    url: str, until: Callable[[int, str], bool], timeout: float = 20.0
) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url) as response:
                    status, text = response.status, await response.text()
                    if until(status, text):
                        return status, text
            except aiohttp.ClientConnectionError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{url}: not as expected in {timeout} s")
            await asyncio.sleep(0.05)


def _json_lines(lines: list[str]) -> list[dict[str, Any]]:
    # Off a terminal every line is a JSON object.
    return [json.loads(line) for line in lines if line.strip()]


async def test_run_serves_both_metrics_on_the_ingress_port_and_logs_each_id(
    environment: dict[str, str],
) -> None:
    ingress = f"http://127.0.0.1:{environment['VERDICT_HTTP_PORT']}"
    worker_port = int(environment["VERDICT_WORKER_HTTP_PORT"])
    async with verdict("run", environment) as (_, lines):
        await _poll(f"{ingress}/readyz", lambda status, _: status == 200)
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{ingress}/webhooks/idwise", data=BODY) as response,
        ):
            assert response.status == 202
            message_id = (await response.json())["message_id"]

        series = (
            'verdict_worker_messages_total{event="finished_journey",outcome="pass",vendor="idwise"}'
            " 1.0"
        )
        _, text = await _poll(f"{ingress}/metrics", lambda _, text: series in text)
        assert 'verdict_ingress_requests_total{status="202",vendor="idwise"} 1.0' in text
        # `verdict run` leaves the worker's own port alone.
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", worker_port), timeout=1).close()

    events = _json_lines(lines)
    [accepted] = [e for e in events if e["event"] == "webhook_accepted"]
    [settled] = [e for e in events if e["event"] == "message_settled"]
    assert accepted["message_id"] == settled["message_id"] == message_id
    assert settled["level"] == "info"
    assert BODY.decode() not in "\n".join(lines)


async def test_worker_serves_its_port_and_logs_at_the_configured_level(
    environment: dict[str, str],
) -> None:
    environment["VERDICT_LOG_LEVEL"] = "warning"
    worker = f"http://127.0.0.1:{environment['VERDICT_WORKER_HTTP_PORT']}"
    async with verdict("worker", environment) as (_, lines):
        await _poll(f"{worker}/readyz", lambda status, _: status == 200)
        status, _ = await _poll(f"{worker}/healthz", lambda status, _: True)
        assert status == 200
        _, text = await _poll(f"{worker}/metrics", lambda status, _: status == 200)
        assert 'verdict_broker_connected{connection="verdict-worker"} 1.0' in text
        assert "verdict_worker_messages_in_flight 0.0" in text

    # worker_started and friends are info lines: at warning level none is written.
    assert all(event["level"] != "info" for event in _json_lines(lines))
