"""The ingress as it runs in production (``verdict ingress`` in its own process, real broker):
what it keeps in memory for bodies it refuses, and what it writes to its log."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aio_pika.abc import AbstractChannel

from shared.settings import Settings

MiB = 1024 * 1024
W2_KEY = "w2-key-kept-out-of-logs-4f1c"


@dataclass
class Ingress:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def memory(self, field: str) -> int:
        """VmRSS (now) or VmHWM (the peak so far) of the process, in bytes."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise AssertionError(f"no {field} in /proc/{self.process.pid}/status")

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        return self.log.read_text()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def ingress_process(
    config: Settings, channel: AbstractChannel, tmp_path: Path
) -> Iterator[Ingress]:
    port = _free_port()
    settings = tmp_path / "verdict.toml"
    settings.write_text(
        f"""
amqp_url = "{config.amqp_url}"
namespace = "{config.namespace}"
http_host = "127.0.0.1"
http_port = {port}
read_timeout = 1.0

[vendor.w2]
auth = ["header"]
max_body_bytes = {MiB}
header = {{ name = "X-W2-Key", values = ["{W2_KEY}"] }}

[vendor.incode]
auth = ["none"]
[vendor.idwise]
auth = ["none"]
[vendor.metamap]
auth = ["none"]
[vendor.onfido]
auth = ["none"]
[vendor.veriff]
auth = ["none"]
[vendor.sumsub]
auth = ["none"]
[vendor.persona]
auth = ["none"]
[vendor.jumio]
auth = ["none"]
"""
    )
    log = tmp_path / "ingress.log"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VERDICT_")}
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "verdict", "--config", str(settings), "ingress"],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=environ,
        )
    ingress = Ingress(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_ready(ingress)
        yield ingress
    finally:
        ingress.stop()


def _wait_ready(ingress: Ingress) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if ingress.process.poll() is not None:
            raise AssertionError(f"the ingress exited: {ingress.log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", int(ingress.url.rsplit(":", 1)[1]))) as s:
                s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the ingress did not become ready: {ingress.log.read_text()}")


async def _many_chunks(total: int) -> AsyncIterator[bytes]:
    chunk = b"x" * MiB
    for _ in range(total // MiB):
        yield chunk


async def test_refused_bodies_do_not_grow_memory(ingress_process: Ingress) -> None:
    url = ingress_process.url + "/webhooks/w2"
    authenticated = {"X-W2-Key": W2_KEY}
    huge = 200 * MiB
    async with aiohttp.ClientSession() as session:
        # Warm up: one accepted and one refused webhook, so that what is measured is the bodies.
        async with session.post(url, data=b"{}", headers=authenticated) as response:
            assert response.status == 202
        warm_up = io.BytesIO(b"x" * (2 * MiB))
        async with session.post(url, data=warm_up, headers=authenticated) as response:
            assert response.status == 413
        before = ingress_process.memory("VmRSS")

        # Chunked, no length: refused while streaming, once past the vendor's 1 MiB.
        async with session.post(url, data=_many_chunks(huge), headers=authenticated) as response:
            assert response.status == 413
            assert (await response.json())["error"] == "body_too_large"
        # A declared length over the limit: refused before a byte of the body is read.
        declared = {**authenticated, "Content-Length": str(huge)}
        async with session.post(url, data=_many_chunks(huge), headers=declared) as response:
            assert response.status == 413
        # No credentials: refused before the body is read.
        async with session.post(url, data=_many_chunks(huge)) as response:
            assert response.status == 401

    # Slow: a large body promised, a little sent, then nothing.
    host, port = ingress_process.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        f"POST /webhooks/w2 HTTP/1.1\r\nHost: x\r\nX-W2-Key: {W2_KEY}\r\n"
        f"Content-Length: {MiB}\r\n\r\n".encode()
        + b"x" * 65536
    )
    await writer.drain()
    assert (await asyncio.wait_for(reader.readline(), timeout=60)).startswith(b"HTTP/1.1 408 ")
    writer.close()

    grown = ingress_process.memory("VmHWM") - before
    assert grown < 32 * MiB, f"peak memory grew by {grown / MiB:.1f} MiB for a 200 MiB body"


def _w2_body_with_personal_data() -> tuple[bytes, list[str]]:
    image = base64.b64encode(bytes(range(256)) * 64).decode()
    personal = {
        "first_name": "Zbigniew",
        "last_name": "Brzeczyszczykiewicz",
        "birthday": "1987-03-14",
        "document_number": "XK4471982",
        "address": "Zwirki i Wigury 17",
    }
    body = {
        "id": "case-result-71",
        "caseId": "case-71",
        "identificationprocess": {"result": "SUCCESS", "id": "ident-71"},
        "userdata": {key: {"value": value} for key, value in personal.items()},
        "listCapturedDocs": [{"type": "PASSPORT", "image": image}],
    }
    return json.dumps(body).encode(), [*personal.values(), image[:40], image[-40:]]


async def test_logs_carry_no_body_secret_or_personal_data(ingress_process: Ingress) -> None:
    body, personal = _w2_body_with_personal_data()
    url = ingress_process.url + "/webhooks/w2"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body, headers={"X-W2-Key": W2_KEY}) as response:
            assert response.status == 202
            message_id = (await response.json())["message_id"]
        wrong = {"X-W2-Key": "a-wrong-key-also-kept-out", "Authorization": "Bearer some-token"}
        async with session.post(url, data=body, headers=wrong) as response:
            assert response.status == 401

    log = ingress_process.stop()
    for leak in [*personal, W2_KEY, "a-wrong-key-also-kept-out", "some-token", "case-71"]:
        assert leak not in log, leak
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    [accepted] = [line for line in lines if line["event"] == "webhook_accepted"]
    assert accepted["vendor"] == "w2"
    assert accepted["message_id"] == message_id
    assert accepted["size"] == len(body)
    assert accepted["auth"] == "passed"
    assert accepted["peer"] == "127.0.0.1"
    [refused] = [line for line in lines if line["event"] == "webhook_refused"]
    assert (refused["vendor"], refused["status"], refused["auth"]) == ("w2", 401, "failed")
