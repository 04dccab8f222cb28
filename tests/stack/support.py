"""Driving a compose stack from the tests: the ``docker compose`` commands, its addresses, and
webhooks posted to it the way a vendor posts them (retrying each refused one)."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import msgspec

from tests.support import ACCEPTED


class Stack(msgspec.Struct, frozen=True):
    docker: str
    compose_file: Path
    project: str
    env: Mapping[str, str]

    def compose(
        self, *args: str, timeout: float = 120, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        command = [self.docker, "compose", "-f", str(self.compose_file), "-p", self.project, *args]
        done = subprocess.run(
            command,
            env=dict(self.env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"{' '.join(command[1:])} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
            )
        return done

    @property
    def amqp_url(self) -> str:
        # The pipeline's own limited user and vhost (deploy/rabbitmq/definitions.json).
        return f"amqp://verdict:verdict@127.0.0.1:{self.env['VERDICT_AMQP_HOST_PORT']}/verdict"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.env['VERDICT_HTTP_HOST_PORT']}"

    def services(self) -> list[dict[str, Any]]:
        """``docker compose ps``: one object per container (Service, State, Health, ...)."""
        text = self.compose("ps", "--all", "--format", "json").stdout
        # Compose v2 prints one JSON object per line (older releases: one array).
        text = text.strip()
        if text.startswith("["):
            services: list[dict[str, Any]] = json.loads(text)
            return services
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def inspect(self, service: str) -> dict[str, Any]:
        container = self.compose("ps", "--quiet", service).stdout.strip()
        done = subprocess.run(
            [self.docker, "inspect", container], capture_output=True, text=True, check=True
        )
        [details] = json.loads(done.stdout)
        return dict(details)


class Refusals:
    """How often the stack refused a webhook (503) or did not answer at all."""

    def __init__(self) -> None:
        self.count = 0


async def post_until_accepted(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    refusals: Refusals | None = None,
    deadline: float = 120,
) -> str:
    """Post as a vendor does: again after each refusal (503, or no answer while the stack
    restarts) until a 202; the ingress's message id."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + deadline
    while True:
        try:
            async with session.post(url, data=body, headers=dict(headers)) as response:
                if response.status in ACCEPTED:
                    answer: dict[str, str] = await response.json()
                    return answer["message_id"]
                assert response.status == 503, (response.status, await response.text())
        except (aiohttp.ClientConnectionError, TimeoutError):
            pass
        if refusals is not None:
            refusals.count += 1
        assert loop.time() < give_up, f"{url}: not accepted within {deadline}s"
        await asyncio.sleep(0.2)


class Stream:
    """Webhooks posted one after another by a few vendors' clients, each until accepted, from
    start to :meth:`stop`: what was accepted, and how often refused."""

    def __init__(self, session: aiohttp.ClientSession, url: str, bodies: Iterator[bytes]) -> None:
        self.session = session
        self.url = url
        self.bodies = bodies
        self.accepted: list[str] = []
        self.refusals = Refusals()
        self._stopping = False
        self._clients: list[asyncio.Task[None]] = []

    def start(self, clients: int = 4) -> None:
        self._clients = [asyncio.create_task(self._post()) for _ in range(clients)]

    async def stop(self) -> list[str]:
        self._stopping = True
        await asyncio.gather(*self._clients)
        return self.accepted

    async def until_accepted(self, count: int, timeout: float = 120) -> None:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + timeout
        wanted = len(self.accepted) + count
        while len(self.accepted) < wanted:
            assert loop.time() < give_up, f"{len(self.accepted)} of {wanted} accepted in time"
            await asyncio.sleep(0.05)

    async def _post(self) -> None:
        headers = {"Content-Type": "application/json"}
        while not self._stopping:
            body = next(self.bodies)
            self.accepted.append(
                await post_until_accepted(
                    self.session, self.url, body, headers, refusals=self.refusals
                )
            )
