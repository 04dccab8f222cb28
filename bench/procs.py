"""Processes under test: started, watched for resident memory, stopped."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PYTHON = sys.executable
VERDICT = str(Path(PYTHON).with_name("verdict"))
_SAMPLE_SECONDS = 0.25


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss_mib(pid: int) -> float:
    """Resident set size of a process, in MiB (0 once it has gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (0 once it has gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # Fields after the command name, which is in parentheses and may hold spaces.
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def broker_pid() -> int | None:
    """The local RabbitMQ node's process (beam.smp), whose CPU the benchmark reports too."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"beam.smp" in command and b"rabbit" in command:
                return int(entry.name)
    return None


BROKER_PID = broker_pid()


@dataclass
class Memory:
    """RSS samples of one process over a run, the CPU time it used, and the broker's."""

    samples: list[tuple[float, float]] = field(default_factory=list)
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    # None when the broker does not run on this machine.
    broker_cpu_seconds: float | None = None

    @property
    def cpu_share(self) -> float:
        """Cores busy on average (1.0 = one core all the time)."""
        return self.cpu_seconds / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def peak(self) -> float:
        return max((rss for _, rss in self.samples), default=0.0)

    def fifth_medians(self) -> list[float]:
        """The median RSS of each fifth of the run: a sawtooth of bodies coming and going has
        a steady median, a leak a rising one (a fitted slope is mostly the sawtooth's noise)."""
        rss = [value for _, value in self.samples]
        size = len(rss) // 5
        if size == 0:
            return []
        return [statistics.median(rss[i * size : (i + 1) * size]) for i in range(5)]


class Process:
    def __init__(self, name: str, argv: Sequence[str], log_dir: Path, env: dict[str, str]) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        log_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                list(argv), stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env}
            )
        self.memory = Memory()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def check_alive(self) -> None:
        if self.popen.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{self.name} exited ({self.popen.returncode}):\n{tail}")

    async def wait_for_port(self, port: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self.check_alive()
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.name} did not listen on {port}") from None
                await asyncio.sleep(0.1)
            else:
                writer.close()
                await writer.wait_closed()
                return

    @contextlib.asynccontextmanager
    async def watching_memory(self) -> AsyncIterator[Memory]:
        """Sample RSS while the block runs; yields the samples of this block only."""
        memory = Memory()
        started = time.monotonic()

        async def sample() -> None:
            while True:
                rss = rss_mib(self.pid)
                memory.samples.append((time.monotonic() - started, rss))
                self.memory.samples.append((time.monotonic(), rss))
                await asyncio.sleep(_SAMPLE_SECONDS)

        cpu_before = cpu_seconds(self.pid)
        broker_before = cpu_seconds(BROKER_PID) if BROKER_PID else None
        task = asyncio.create_task(sample())
        try:
            yield memory
        finally:
            memory.cpu_seconds = cpu_seconds(self.pid) - cpu_before
            if BROKER_PID and broker_before is not None:
                memory.broker_cpu_seconds = cpu_seconds(BROKER_PID) - broker_before
            memory.wall_seconds = time.monotonic() - started
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def stop(self, timeout: float = 20.0) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def python_module(module: str, *args: object) -> list[str]:
    return [PYTHON, "-m", module, *map(str, args)]


def verdict(config: Path, command: str) -> list[str]:
    return [VERDICT, "--config", str(config), command]
