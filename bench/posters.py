"""Vendors that keep posting one large webhook after another, for the alarm scenario.

    python -m bench.posters URL PATH BODY_FILE CLIENTS PAUSE OUT_JSON

``CLIENTS`` loops each post ``BODY_FILE`` to ``URL`` + ``PATH``, the next as soon as one is
answered 202, or ``PAUSE`` seconds after one was refused (any other answer, or a connection
error): ``Retry-After`` is ignored, so the pressure stays on. On SIGTERM no new webhook is sent;
the ones under way are answered (or time out), then every answer is written to ``OUT_JSON`` as
``[sent, seconds, status, error]`` (``sent`` on the machine's monotonic clock, the one the
benchmark reads; ``status`` 0 and ``error`` the exception's name for a connection error, and
``error`` the JSON answer's ``error`` code otherwise) and the process exits.

A process of its own, on uvloop: the clients' CPU is not the benchmark's, and their clock
readings are not delayed by its sampling.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from pathlib import Path

import aiohttp
import uvloop

# A webhook not answered in this long counts as refused (status 0, "TimeoutError").
REQUEST_TIMEOUT = 60.0

Answer = tuple[float, float, int, str | None]


async def post_until_stopped(
    url: str, body: bytes, clients: int, pause: float, stop: asyncio.Event
) -> list[Answer]:
    answers: list[Answer] = []
    headers = {"Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)

    async def vendor(session: aiohttp.ClientSession) -> None:
        while not stop.is_set():
            sent = time.monotonic()
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    status = response.status
                    text = await response.read()
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                answers.append((sent, time.monotonic() - sent, 0, type(exc).__name__))
                await asyncio.sleep(pause)
                continue
            answers.append((sent, time.monotonic() - sent, status, _error_code(text)))
            if status != 202:
                await asyncio.sleep(pause)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(vendor(session) for _ in range(clients)))
    return answers


def _error_code(text: bytes) -> str | None:
    try:
        answer = json.loads(text)
    except ValueError:
        return None
    code = answer.get("error") if isinstance(answer, dict) else None
    return str(code) if code is not None else None


async def until_signalled(url: str, body: bytes, clients: int, pause: float) -> list[Answer]:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return await post_until_stopped(url, body, clients, pause, stop)


def main(argv: list[str]) -> None:
    base, path, body_file, clients, pause, out = argv
    body = Path(body_file).read_bytes()
    answers = uvloop.run(until_signalled(base + path, body, int(clients), float(pause)))
    Path(out).write_text(json.dumps(answers))


if __name__ == "__main__":
    main(sys.argv[1:])
