"""Real ``verdict`` processes: a port they cannot have stops them at once, saying which address
and which setting to change; the first SIGTERM stops them in every state: ready, the broker
unreachable, the broker silent; and a process whose teardown hangs still ends."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path

import aiohttp
import pytest

from shared.settings import Settings
from tests.faults.support import environment, finish, free_port, spawn, started, wait_until

SERVICES = ("run", "ingress", "worker")
PORT_VARIABLE = {
    "run": "VERDICT_HTTP_PORT",
    "ingress": "VERDICT_HTTP_PORT",
    "worker": "VERDICT_WORKER_HTTP_PORT",
}
# Seconds within which a process must have ended: "at once", and "on the first SIGTERM".
AT_ONCE = 10
STOPPED = 5
# TEST-NET-1 (RFC 5737): an address no host here has.
NOT_THIS_HOSTS = "192.0.2.1"


@contextlib.contextmanager
def held_port() -> Iterator[int]:
    """A port on 127.0.0.1 a socket of the test listens on and never answers: TCP connections to
    it complete (the kernel's backlog), then nothing is said."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def closed_broker() -> str:
    """A broker address nobody listens on: every connection is refused."""
    return f"amqp://guest:guest@127.0.0.1:{free_port()}/"


def output(log: Path) -> str:
    return log.read_text(errors="replace")


@pytest.mark.parametrize("broker", ["reachable", "unreachable"])
@pytest.mark.parametrize("command", SERVICES)
def test_a_port_in_use_stops_the_service_at_once_naming_it_and_its_setting(
    config: Settings, tmp_path: Path, command: str, broker: str
) -> None:
    log = tmp_path / f"{command}.log"
    with held_port() as port:
        env = environment(config, **{PORT_VARIABLE[command]: str(port)})
        if broker == "unreachable":
            env["VERDICT_AMQP_URL"] = closed_broker()
        process = spawn(env, log, command)
        status = finish(process, sig=None, timeout=AT_ONCE)
    said = output(log)
    assert status == 1, said
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in said
    assert PORT_VARIABLE[command] in said
    assert "VERDICT_HTTP_HOST" in said
    assert "Traceback" not in said


@pytest.mark.parametrize("command", SERVICES)
def test_an_address_this_host_does_not_have_stops_the_service_at_once(
    config: Settings, tmp_path: Path, command: str
) -> None:
    log = tmp_path / f"{command}.log"
    env = environment(config, VERDICT_HTTP_HOST=NOT_THIS_HOSTS)
    status = finish(spawn(env, log, command), sig=None, timeout=AT_ONCE)
    said = output(log)
    assert status == 1, said
    port = env[PORT_VARIABLE[command]]
    assert f"cannot listen on {NOT_THIS_HOSTS}:{port}" in said
    assert f"{NOT_THIS_HOSTS} is not an address of this host: set VERDICT_HTTP_HOST" in said
    assert "Traceback" not in said


@pytest.mark.parametrize("command", SERVICES)
async def test_a_ready_service_stops_on_the_first_sigterm(
    config: Settings, tmp_path: Path, command: str
) -> None:
    log = tmp_path / f"{command}.log"
    process = await started(environment(config), log, command)
    assert finish(process, signal.SIGTERM, timeout=STOPPED) == 0, output(log)
    assert "stopping" in output(log)


async def until_listening(
    process: subprocess.Popen[bytes], env: Mapping[str, str], command: str, log: Path
) -> None:
    """Until the service answers /healthz: it has its port, and handles signals."""
    port = env["VERDICT_WORKER_HTTP_PORT" if command == "worker" else "VERDICT_HTTP_PORT"]
    async with aiohttp.ClientSession() as session:

        async def healthy() -> bool:
            assert process.poll() is None, f"verdict {command} exited: {output(log)}"
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    return response.status == 200
            except aiohttp.ClientError:
                return False

        await wait_until(healthy, what=f"verdict {command} to listen")


@pytest.mark.parametrize("command", SERVICES)
async def test_a_service_stops_on_the_first_sigterm_while_the_broker_refuses_connections(
    config: Settings, tmp_path: Path, command: str
) -> None:
    log = tmp_path / f"{command}.log"
    env = environment(config, VERDICT_AMQP_URL=closed_broker())
    process = spawn(env, log, command)
    try:
        await until_listening(process, env, command, log)

        async def retrying() -> bool:
            return "broker_retrying" in output(log)

        await wait_until(retrying, what="the first failed connection")
    finally:
        status = finish(process, signal.SIGTERM, timeout=STOPPED)
    assert status == 0, output(log)


@pytest.mark.parametrize("command", SERVICES)
async def test_a_service_stops_on_the_first_sigterm_while_the_broker_says_nothing(
    config: Settings, tmp_path: Path, command: str
) -> None:
    log = tmp_path / f"{command}.log"
    with held_port() as silent:
        env = environment(config, VERDICT_AMQP_URL=f"amqp://guest:guest@127.0.0.1:{silent}/")
        process = spawn(env, log, command)
        try:
            # Connected over TCP, waiting for the broker's first word (up to 10 s).
            await until_listening(process, env, command, log)
        finally:
            status = finish(process, signal.SIGTERM, timeout=STOPPED)
    assert status == 0, output(log)


# A service that leaves behind a task which ignores being cancelled, as an aiormq cleanup waiting
# on a silent peer does; then fails to start, or is signalled and never finishes stopping.
STUBBORN = """
import asyncio, sys
from shared import logging
from shared.settings import Settings
from verdict import stopping
from verdict.listening import CannotListen

logging.configure()
stopping._TEARDOWN_SECONDS = 1.0
stopping._STOP_MARGIN_SECONDS = 1.0

async def stubborn() -> None:
    while True:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            pass

async def service(config, stop) -> None:
    asyncio.get_running_loop().create_task(stubborn())
    if sys.argv[1] == "fail":
        raise CannotListen("the port is taken")
    print("ready", flush=True)
    await stop.wait()
    await asyncio.Event().wait()  # never finishes stopping

sys.exit(stopping.run_until_signalled(service, Settings(drain_timeout=0.5)))
"""


def test_a_process_whose_failed_start_leaves_a_task_that_hangs_still_ends(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(STUBBORN), "fail"],
        capture_output=True,
        text=True,
        timeout=AT_ONCE,
        check=False,
    )
    assert done.returncode == 1
    assert "verdict: the port is taken" in done.stderr
    assert "exit_forced" in done.stderr


def test_a_process_that_hangs_while_stopping_still_ends_after_the_first_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(STUBBORN), "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == b"ready\n"
    status = finish(process, signal.SIGTERM, timeout=STOPPED)
    _, stderr = process.communicate()
    assert status == 1
    assert b"exit_forced" in stderr
