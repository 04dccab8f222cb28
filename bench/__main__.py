"""``python -m bench``: the whole benchmark against the real broker; a table, and JSON in
bench/results/. See docs/performance.md for what each figure means.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import report
from bench.broker import BenchBroker
from bench.load import WrkMissing, require_wrk
from bench.suite import Options, Suite, bench_settings, topology_of
from shared.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
SCENARIOS = ("http", "fixed", "overload", "worker", "fetch", "e2e", "memory", "alarm")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--amqp-url",
        default=os.environ.get("VERDICT_BENCH_AMQP_URL", "amqp://guest:guest@localhost:5672/"),
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each timed run")
    parser.add_argument("--connections", type=int, default=64, help="HTTP connections = in flight")
    parser.add_argument("--backlog", type=int, default=20000, help="messages the worker drains")
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds of the throughput runs (median)"
    )
    parser.add_argument(
        "--max-in-flight",
        type=int,
        default=None,
        help="the ingress's max_in_flight (default: its own)",
    )
    parser.add_argument(
        "--soak",
        type=float,
        default=None,
        metavar="SECONDS",
        help="run the 5 MB memory scenario this long (e.g. 300) instead of --seconds",
    )
    parser.add_argument(
        "--alarm-seconds",
        type=float,
        default=60.0,
        help="how long the alarm scenario holds the memory alarm on its own RabbitMQ node",
    )
    parser.add_argument("--only", action="append", choices=SCENARIOS, help="run only these")
    parser.add_argument(
        "--max-rate",
        type=float,
        default=1000.0,
        help="the ingress's maximum requests/s, for fixed, overload and e2e when http is not run",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="results JSON (default: bench/results/)"
    )
    return parser.parse_args(argv)


def environment() -> dict[str, Any]:
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "?"

    def first_line(*argv: str) -> str:
        try:
            done = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
        except OSError:
            return "?"
        lines = (done.stdout or done.stderr).strip().splitlines()
        return lines[0] if lines else "?"

    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "rabbitmq": first_line("rabbitmqctl", "version"),
        "wrk": first_line(require_wrk(), "--version"),
        **{
            p: version(p)
            for p in ("aiohttp", "aio-pika", "aiormq", "pamqp", "msgspec", "structlog")
        },
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out_dir = RESULTS / stamp
    out_dir.mkdir(parents=True, exist_ok=True)
    options = Options(
        amqp_url=args.amqp_url,
        seconds=args.seconds,
        connections=args.connections,
        backlog=args.backlog,
        memory_seconds=args.soak or args.seconds,
        out_dir=out_dir,
        rounds=args.rounds,
        only=frozenset(args.only or ()),
        max_rate=args.max_rate,
        alarm_seconds=args.alarm_seconds,
    )
    settings = bench_settings(options, args.max_in_flight or _default_max_in_flight())
    print(f"namespace {settings.namespace}; logs and bodies in {out_dir}", flush=True)
    started = time.time()
    async with BenchBroker.open(options.amqp_url, topology_of(settings)) as bench:
        figures = (await Suite(options, bench, settings).run_all()).figures
    return {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "seconds_total": round(time.time() - started, 1),
        "options": {
            "seconds": options.seconds,
            "connections": options.connections,
            "backlog": options.backlog,
            "rounds": options.rounds,
            "memory_seconds": options.memory_seconds,
            "alarm_seconds": options.alarm_seconds,
            "max_in_flight": settings.max_in_flight,
            "prefetch": settings.prefetch,
        },
        "environment": environment(),
        "figures": figures,
        "ratios": report.ratios(figures),
        "targets": [check.__dict__ for check in report.checks(figures)],
    }


def _default_max_in_flight() -> int:
    return Settings().max_in_flight


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        require_wrk()
    except WrkMissing as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    result = asyncio.run(run(args))
    out = args.out or RESULTS / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print()
    print(report.summary(result["figures"]))
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
