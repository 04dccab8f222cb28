"""HTTP load from wrk (a separate, cheap process) with bench/lua/load.lua, parsed into a result."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

LUA_SCRIPT = Path(__file__).parent / "lua" / "load.lua"
_MARKER = "BENCH_JSON "


class WrkMissing(RuntimeError):
    """wrk is not installed; the message says how to install it."""


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise WrkMissing(
            "wrk is not installed. On Debian or Ubuntu: apt-get install wrk "
            "(wrk2 is not packaged; the fixed-rate mode is in bench/lua/load.lua)."
        )
    return path


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    latency_ms: dict[str, float]
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    # Fixed rate only: sends more than a millisecond behind the schedule (the server held
    # every connection busy).
    late: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def non_2xx(self) -> int:
        """Answers outside 2xx/3xx (wrk's own count, available even without status counting)."""
        return self.errors.get("status", 0)

    def ok_rps(self) -> float:
        """Answers in 2xx per second: the confirmed webhooks, for the ingress."""
        return (self.requests - self.non_2xx - self.errors.get("timeout", 0)) / self.seconds

    def count(self, low: int, high: int) -> int:
        return sum(n for status, n in self.statuses.items() if low <= status <= high)


async def run_wrk(
    base_url: str,
    manifest: Path,
    *,
    connections: int,
    seconds: float,
    rate: float | None = None,
    count_statuses: bool = False,
    threads: int = 1,
    timeout_s: int = 10,
) -> LoadResult:
    """Run wrk against ``base_url`` with the requests listed in ``manifest``."""
    env = dict(os.environ, BENCH_MANIFEST=str(manifest))
    if rate is not None:
        env["BENCH_RATE"] = f"{rate / threads:.3f}"
    if count_statuses:
        env["BENCH_STATUS"] = "1"
    process = await asyncio.create_subprocess_exec(
        require_wrk(),
        f"-t{threads}",
        f"-c{max(connections, threads)}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={timeout_s}s",
        "-s",
        str(LUA_SCRIPT),
        base_url,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    text = stdout.decode()
    line = next((ln for ln in text.splitlines() if ln.startswith(_MARKER)), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({process.returncode}): {stderr.decode()[-500:]}{text}")
    data = json.loads(line[len(_MARKER) :])
    latency = {k: round(v / 1000, 3) for k, v in data["latency_us"].items()}
    return LoadResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        latency_ms=latency,
        statuses={int(k): v for k, v in data["status"].items()},
        errors=data["errors"],
        late=data["late"],
    )
