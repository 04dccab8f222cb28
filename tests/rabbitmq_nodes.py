"""RabbitMQ nodes of the tests' own, started on this machine beside its broker.

Each node, ``verdict-test-N@localhost``, has its own ports, directory, configuration and Erlang
cookie, so a test can cluster, kill and restart nodes without touching the machine's node
(``rabbit@localhost`` on 5672/25672): with another cookie, the test nodes and their rabbitmqctl
runs cannot even connect to it. epmd (4369) is shared, as it has to be.

Needs Linux and the RabbitMQ server's scripts on PATH, run as root or as the ``rabbitmq`` user
(the Debian scripts in /usr/sbin switch to that user, so each node's directory is given to it).
A node left running by a test process that died without closing it is killed, and its directory
removed, when the next Node is made. Everything here is synchronous; async tests call it through
``asyncio.to_thread`` or from fixtures.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Self

SERVER = "rabbitmq-server"
CTL = "rabbitmqctl"

# Node N owns ports FIRST_PORT + 16 N to + 15: AMQP, Erlang distribution, then 14 for the
# distribution listeners of rabbitmqctl runs against it (each run is a short-lived Erlang node,
# and by default they all share 35672-35682, which parallel runs and the machine's own users of
# rabbitmqctl can use up). All below Linux's ephemeral ports (32768 and up), so no port the
# kernel hands out (a bind to port 0, an outgoing connection) can take a node's port before it
# boots; and clear of 4369, 5672, 25672 and 35672-35682.
FIRST_PORT, LAST_PORT = 26000, 32767
SLOT_WIDTH = 16
SLOTS = (LAST_PORT + 1 - FIRST_PORT) // SLOT_WIDTH
# Node N's directory: DIRECTORY_PREFIX + "N-" + random, in the temporary directory.
DIRECTORY_PREFIX = "verdict-rabbitmq-node-"


class NodeError(RuntimeError):
    """A node did not do what it was asked; the message says why."""


class RabbitMQNotInstalled(NodeError):
    """The RabbitMQ server is not installed here (or its scripts are not on PATH)."""


class _Closes:
    """``with``: ``close()`` at the end, whatever happened."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        raise NotImplementedError


class Node(_Closes):
    """One RabbitMQ node with everything under a directory of its own; ``close()`` (or leaving
    it as a context manager) kills it if it runs and removes the directory."""

    def __init__(self, cookie: str | None = None) -> None:
        missing = [name for name in (SERVER, CTL) if shutil.which(name) is None]
        if missing:
            raise RabbitMQNotInstalled(
                f"{' and '.join(missing)} not found on PATH ({os.environ.get('PATH', '')}). "
                "These tests start RabbitMQ nodes of their own and need the RabbitMQ server: "
                "`apt-get install rabbitmq-server` (Debian/Ubuntu; its scripts go to /usr/sbin, "
                "which must be on PATH)."
            )
        self._slot, self._claim = _claim_slot()
        self.name = f"verdict-test-{self._slot}@localhost"
        self.port = FIRST_PORT + SLOT_WIDTH * self._slot
        self.dist_port = self.port + 1
        self.base = Path(tempfile.mkdtemp(prefix=f"{DIRECTORY_PREFIX}{self._slot}-"))
        self.pid_file = self.base / f"{self.name}.pid"
        self.log_file = self.base / "log" / f"{self.name}.log"
        erl_args = f"-setcookie {cookie or secrets.token_hex(16)}"
        inherited = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("RABBITMQ_", "ERL_"))
        }
        self._env = inherited | {
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq.conf"),
            "RABBITMQ_CONFIG_FILES": str(self.base / "conf.d" / "*.conf"),  # none
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.base / "advanced.config"),  # none
            "RABBITMQ_CONF_ENV_FILE": str(self.base / "rabbitmq-env.conf"),
            "RABBITMQ_PID_FILE": str(self.pid_file),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": erl_args,
            "RABBITMQ_CTL_ERL_ARGS": erl_args,
            "RABBITMQ_CTL_DIST_PORT_MIN": str(self.port + 2),
            "RABBITMQ_CTL_DIST_PORT_MAX": str(self.port + SLOT_WIDTH - 1),
            # What the machine's rabbitmq-env.conf sets, and not in /var/lib/rabbitmq (the
            # scripts' working directory) for a crash dump.
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "ERL_CRASH_DUMP": str(self.base / "erl_crash.dump"),
        }
        self._marker = _marker(self._slot)
        try:
            (self.base / "mnesia").mkdir()
            (self.base / "log").mkdir()
            (self.base / "enabled_plugins").write_text("[].\n")
            # Guest may log in over loopback only, RabbitMQ's default: kept.
            (self.base / "rabbitmq.conf").write_text(f"listeners.tcp.1 = 127.0.0.1:{self.port}\n")
            # Instead of /etc/rabbitmq/rabbitmq-env.conf, which names the machine's node.
            (self.base / "rabbitmq-env.conf").write_text("")
            _give_to_rabbitmq_user(self.base)
        except BaseException:
            self.close()
            raise

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def __repr__(self) -> str:
        return f"<Node {self.name} amqp={self.port} dist={self.dist_port}>"

    def start(self, timeout: float = 90) -> None:
        """Boot the node (again, after ``stop()`` or ``kill()``: same name, ports and data) and
        return once it answers."""
        if self.pid() is not None:
            raise NodeError(f"{self.name} is already running")
        launched = time.monotonic()
        deadline = launched + timeout
        self.pid_file.unlink(missing_ok=True)  # a SIGKILL leaves it behind
        _run([SERVER, "-detached"], self._env, timeout=30)
        # -detached returns before the VM is up, and await_startup gives up at once on a node
        # not registered with epmd yet: first the pid file, written as the node registers.
        while not self.pid_file.exists():
            if time.monotonic() > deadline or (
                time.monotonic() > launched + 10 and self.pid() is None
            ):
                raise self._boot_failed("it wrote no pid file")
            time.sleep(0.05)
        while True:
            remaining = max(1, int(deadline - time.monotonic()))
            try:
                self.ctl("await_startup", "--timeout", str(remaining), timeout=remaining + 10)
                return
            except NodeError as error:
                if self.pid() is None or time.monotonic() > deadline:
                    raise self._boot_failed(str(error)) from None
            time.sleep(0.2)

    def ctl(self, *args: str, timeout: float = 60) -> str:
        """``rabbitmqctl -n NODE ARGS``; returns its output, raises NodeError with it on failure."""
        return _run([CTL, "-n", self.name, *args], self._env, timeout)

    def running_nodes(self) -> list[str]:
        """The cluster's running nodes, as this node sees them."""
        status = json.loads(self.ctl("cluster_status", "--formatter", "json"))
        return sorted(status["running_nodes"])

    def stop(self, timeout: float = 60) -> None:
        """Stop the node cleanly (``rabbitmqctl stop``) and wait for its VM to exit."""
        pid = self.pid()
        if pid is not None:
            self.ctl("stop", timeout=timeout)
            _wait_gone(pid, self._marker, timeout)

    def kill(self) -> None:
        """SIGKILL this node's VM, nothing else, and wait until it is gone. Its clients' and
        peers' connections are reset at once (within some 20 ms here)."""
        pid = self.pid()
        if pid is None:
            raise NodeError(f"{self.name} is not running")
        os.kill(pid, signal.SIGKILL)
        _wait_gone(pid, self._marker)

    def set_memory_alarm(self, on: bool) -> None:
        """Raise or clear the node's memory alarm. rabbitmqctl 3.10 reads ``absolute 1`` as a
        high watermark of 1 byte (always exceeded), and a bare number as a fraction of the
        machine's memory: 0.4 is RabbitMQ's default. Under the alarm a connection is blocked
        (connection.blocked) when it publishes, not before; idle and consuming ones never."""
        limit = ("absolute", "1") if on else ("0.4",)
        self.ctl("set_vm_memory_high_watermark", *limit)

    def pid(self) -> int | None:
        """The OS pid of the node's VM (beam.smp), None when it is not running."""
        with contextlib.suppress(OSError, ValueError):
            pid = int(self.pid_file.read_text())
            if _is_vm(pid, self._marker):
                return pid
        return _find_vm(self._marker)  # early in a boot, there is no pid file yet

    def close(self) -> None:
        """Kill the node whatever state it is in, remove its directory, free its ports."""
        _kill_vms(self._marker)
        shutil.rmtree(self.base, ignore_errors=True)
        self._claim.close()

    def _boot_failed(self, reason: str) -> NodeError:
        try:
            lines = self.log_file.read_text(errors="replace").splitlines()
        except OSError:
            lines = ["(no log)"]
        # Why it failed is in its errors; the end of the log is mostly the shutdown after.
        shown = [line for line in lines if "[error]" in line][:40] or lines[-30:]
        return NodeError(
            f"{self.name} did not start: {reason}\n--- {self.log_file} ---\n" + "\n".join(shown)
        )


class Cluster(_Closes):
    """``size`` nodes, sharing a cookie of their own; ``start()`` boots them (in parallel) and
    joins the others to the first. ``close()`` (or leaving it as a context manager) kills every
    node, whatever state it is in, and removes their directories."""

    def __init__(self, size: int = 3) -> None:
        cookie = secrets.token_hex(16)
        self.nodes: list[Node] = []
        try:
            for _ in range(size):
                self.nodes.append(Node(cookie))
        except BaseException:
            self.close()
            raise

    def start(self, timeout: float = 120) -> None:
        """Boot every node at once (about 10 s for three on 2 cores), then join the others to
        the first one at a time (about 2.5 s each)."""
        _each(self.nodes, lambda node: node.start(timeout))
        first = self.nodes[0]
        for node in self.nodes[1:]:
            node.ctl("stop_app")
            node.ctl("join_cluster", first.name)
            node.ctl("start_app")

    def close(self) -> None:
        _each(self.nodes, Node.close)


def _each(nodes: Sequence[Node], action: Callable[[Node], None]) -> None:
    """``action`` on every node at once; raises the first failure once all have finished."""
    if not nodes:
        return
    with ThreadPoolExecutor(len(nodes)) as pool:
        futures = [pool.submit(action, node) for node in nodes]
    for future in futures:
        future.result()


def _run(command: list[str], env: dict[str, str], timeout: float) -> str:
    # A session of its own, so that a timeout kills the whole command: the Debian scripts run
    # the real one under su, which a kill of su alone would leave running.
    with subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    ) as process:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise NodeError(f"`{' '.join(command)}` did not finish in {timeout:g}s") from None
    if process.returncode != 0:
        raise NodeError(
            f"`{' '.join(command)}` exited with {process.returncode}: {(err or out).strip()}"
        )
    return out


def _claim_slot() -> tuple[int, socket.socket]:
    """A node number no other process holds, whose ports are all free. Held by binding an
    abstract Unix socket named after it: the kernel frees it when its holder exits, however it
    exits, and nothing is left on disk."""
    _clear_leftovers()
    for slot in range(SLOTS):
        claim = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            claim.bind(_claim_address(slot))
        except OSError:
            claim.close()
            continue
        first = FIRST_PORT + SLOT_WIDTH * slot
        if all(_port_free(port) for port in range(first, first + SLOT_WIDTH)):
            return slot, claim
        claim.close()  # a node of a run that did not clean up, or another program
    raise NodeError(f"no free ports for a RabbitMQ node in {FIRST_PORT}-{LAST_PORT}")


def _claim_address(slot: int) -> str:
    return f"\0{DIRECTORY_PREFIX}{slot}"


def _clear_leftovers() -> None:
    """Kill the VM and remove the directory of every node whose process died without closing
    it (a test run killed on a timeout, say): those whose number no live process claims."""
    for leftover in Path(tempfile.gettempdir()).glob(f"{DIRECTORY_PREFIX}*-*"):
        slot = leftover.name.removeprefix(DIRECTORY_PREFIX).split("-")[0]
        if not slot.isdigit():
            continue
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as claim:
            try:
                claim.bind(_claim_address(int(slot)))
            except OSError:
                continue  # a live node
            _kill_vms(_marker(int(slot)))
            shutil.rmtree(leftover, ignore_errors=True)


def _marker(slot: int) -> bytes:
    """In the environment of node ``slot``'s VM, and of no other process but rabbitmqctl's VMs
    run against it (which _is_vm tells apart by their command line)."""
    return f"RABBITMQ_NODENAME=verdict-test-{slot}@localhost".encode()


def _is_vm(pid: int, marker: bytes) -> bool:
    proc = Path("/proc", str(pid))
    try:
        stat = (proc / "stat").read_text()
        environ = (proc / "environ").read_bytes().split(b"\0")
        command = (proc / "cmdline").read_bytes()
    except OSError:  # gone, or not this user's to read
        return False
    # "PID (beam.smp) STATE ...": a zombie is dead, only not reaped yet.
    name, state = stat[stat.find("(") + 1 : stat.rfind(")")], stat[stat.rfind(")") + 2 :][:1]
    return (
        name == "beam.smp"
        and state != "Z"
        and marker in environ
        and b"\0rabbit\0boot\0" in command  # the server's VM, not a rabbitmqctl run's
    )


def _find_vm(marker: bytes) -> int | None:
    return next(
        (
            int(entry.name)
            for entry in Path("/proc").iterdir()
            if entry.name.isdigit() and _is_vm(int(entry.name), marker)
        ),
        None,
    )


def _kill_vms(marker: bytes) -> None:
    while (pid := _find_vm(marker)) is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _wait_gone(pid, marker)


def _wait_gone(pid: int, marker: bytes, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while _is_vm(pid, marker):
        if time.monotonic() > deadline:
            raise NodeError(f"VM {pid} still runs {timeout:g}s after it was stopped")
        time.sleep(0.05)


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        # As the nodes bind: old connections waiting out TIME_WAIT on a port do not keep a node
        # from listening on it, so they do not make it look taken.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _give_to_rabbitmq_user(base: Path) -> None:
    """As root, the Debian scripts run RabbitMQ as the ``rabbitmq`` user."""
    if os.geteuid() != 0:
        return
    try:
        user = pwd.getpwnam("rabbitmq")
    except KeyError:
        return  # not the Debian package: RabbitMQ runs as whoever starts it
    for path in [base, *base.rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid)
