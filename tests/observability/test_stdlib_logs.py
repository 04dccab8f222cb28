"""The libraries' own log records (aiormq, aio-pika, aiohttp, asyncio log through the standard
library) come out as the same JSON lines as Verdict's, with ``logger`` and ``level``, and with
no URL's password; aiohttp's 400s for requests it cannot parse stay one short line."""

from __future__ import annotations

import asyncio
import io
import json
import logging as std
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiohttp import web
from aiohttp.test_utils import TestServer

from shared import logging
from shared.settings import DEFAULT_VENDORS
from shared.vendor_settings import env_name
from tests.faults.support import free_port

PASSWORD = "pw-never-in-a-log-7f3a"


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of ``text`` as a JSON object (fails on the first that is not one)."""
    parsed = []
    for line in text.splitlines():
        value = json.loads(line)
        assert isinstance(value, dict), line
        parsed.append(value)
    return parsed


class Captured:
    """stderr as ``logging.configure`` sees it, for this test only."""

    def __init__(self) -> None:
        self.raw = io.BytesIO()
        self.stream = io.TextIOWrapper(self.raw, encoding="utf-8", write_through=True)

    def lines(self) -> list[dict[str, Any]]:
        self.stream.flush()
        return json_lines(self.raw.getvalue().decode())


@pytest.fixture
def stderr(monkeypatch: pytest.MonkeyPatch) -> Iterator[Captured]:
    """``logging.configure(json=True)`` writing to a captured stderr; everything it set on the
    standard library and structlog is put back afterwards."""
    captured = Captured()
    root = std.getLogger()
    level, handlers, config = root.level, list(root.handlers), structlog.get_config()
    monkeypatch.setattr("sys.stderr", captured.stream)
    logging.configure(json=True)
    try:
        yield captured
    finally:
        std.captureWarnings(False)
        for handler in root.handlers:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
        structlog.configure(**config)


def test_a_library_record_is_a_json_line_with_its_logger_and_level_and_no_password(
    stderr: Captured,
) -> None:
    robust = std.getLogger("aio_pika.robust_connection")
    # What aio-pika says (its own mask) and what a library might say (none at all).
    robust.warning(
        'Connection attempt to "%s" failed: %s. Reconnecting after %r seconds.',
        "amqp://guest:******@127.0.0.1:5672/",
        "ConnectionRefusedError",
        5,
    )
    try:
        raise ConnectionError(f"cannot reach amqps://verdict:{PASSWORD}@rabbit:5671/verdict")
    except ConnectionError:
        std.getLogger("asyncio").exception("Task exception was never retrieved")
    robust.info("Connection to %s closed. Reconnecting", "amqp://...")  # below WARNING: not kept
    logging.get("verdict.test").warning("ours", count=1)

    lines = stderr.lines()

    assert [(line["logger"], line["level"]) for line in lines[:2]] == [
        ("aio_pika.robust_connection", "warning"),
        ("asyncio", "error"),
    ]
    assert lines[0]["event"] == (
        'Connection attempt to "amqp://guest:***@127.0.0.1:5672/" failed: '
        "ConnectionRefusedError. Reconnecting after 5 seconds."
    )
    assert "amqps://verdict:***@rabbit:5671/verdict" in lines[1]["exception"]
    assert PASSWORD not in json.dumps(lines)
    assert all("timestamp" in line for line in lines)
    assert lines[2]["event"] == "ours"
    assert len(lines) == 3


async def test_a_request_aiohttp_cannot_parse_is_one_short_warning_line(stderr: Captured) -> None:
    async with TestServer(web.Application(), host="127.0.0.1") as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        # A method aiohttp knows (what is not HTTP at all it logs at debug level only), and a
        # header it cannot parse.
        writer.write(b"POST / HTTP/1.1\r\nHost: verdict\r\nContent-Length: ten\r\n\r\n")
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 10)
        writer.close()
    assert status.split()[1] == b"400"

    lines = stderr.lines()

    assert len(lines) == 1, lines
    line = lines[0]
    assert line["logger"] == "aiohttp.server"
    assert line["level"] == "warning"
    assert line["event"].startswith("bad HTTP request answered 400: ")
    assert "exception" not in line  # no traceback


def test_a_worker_without_a_broker_writes_only_json_lines(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERDICT_")}
    env.update(
        # Nobody listens there: every attempt is refused, and aiormq logs each one.
        VERDICT_AMQP_URL=f"amqp://verdict:{PASSWORD}@127.0.0.1:{free_port()}/",
        VERDICT_WORKER_HTTP_PORT=str(free_port()),
        VERDICT_HTTP_HOST="127.0.0.1",
    )
    env.update({env_name(vendor, "auth"): "none" for vendor in DEFAULT_VENDORS})
    log = tmp_path / "worker.err"
    with log.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "verdict", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + 20
        while log.read_text().count('"logger":"aiormq.connection"') < 2:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"no aiormq line: {log.read_text()}"
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        status = process.wait(10)
    said = log.read_text()
    assert status == 0, said

    lines = json_lines(said)

    library = [line for line in lines if "logger" in line]
    assert library, said
    assert {line["logger"] for line in library} == {"aiormq.connection"}
    assert all(line["level"] == "error" for line in library)
    assert "broker_unreachable" in {line["event"] for line in lines}
    assert lines[-1]["event"] == "worker_stopped"
    assert PASSWORD not in said
