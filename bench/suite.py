"""The benchmark's scenarios, run in order against one broker namespace of the benchmark's own.

Each scenario starts the process under test (a reference point, ``verdict ingress`` or
``verdict worker``) fresh, drives it, samples its resident memory, stops it and empties the
queues, so one scenario's backlog never slows the next.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from bench import alarm, bodies
from bench.broker import BenchBroker, OutcomeLatency, Settled, drain_rate
from bench.load import LoadResult, run_wrk
from bench.procs import Memory, Process, free_port, python_module, verdict
from shared.settings import DEFAULT_VENDORS, Settings
from shared.topology import Topology
from shared.vendor_api_settings import Api
from tests.fakes import vendor_apis
from tests.fakes.vendor_apis import FakeVendorApis
from tests.rabbitmq_nodes import Node, NodeError

WARM_UP_SECONDS = 2.0
# The fetch scenario: a fake Jumio answering each request this late, and the backlog drained.
FETCH_LATENCY = 0.05
FETCH_BACKLOG = 4000


@dataclass(frozen=True)
class Options:
    amqp_url: str
    seconds: float
    connections: int
    backlog: int
    memory_seconds: float
    out_dir: Path
    rounds: int = 3
    only: frozenset[str] = frozenset()
    # The ingress's maximum rate when the http scenario does not run to measure it.
    max_rate: float = 1000.0
    # How long the alarm scenario holds the memory alarm.
    alarm_seconds: float = 60.0


@dataclass
class Run:
    """What one scenario measured, by name; the report reads these."""

    figures: dict[str, dict[str, Any]] = field(default_factory=dict)

    rounds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, name: str, **values: Any) -> None:
        self.figures[name] = values
        print(f"  {name}: {json.dumps(values)}", flush=True)

    def add_round(self, name: str, key: str, **values: Any) -> None:
        """One round of a repeated measurement: the figures keep the round with the median
        ``key`` (the lower one of an even count), and every round's ``key``."""
        rounds = self.rounds.setdefault(name, [])
        rounds.append(values)
        median = sorted(rounds, key=lambda r: float(r[key]))[(len(rounds) - 1) // 2]
        self.figures[name] = {**median, f"rounds_{key}": [r[key] for r in rounds]}
        print(f"  {name} round {len(rounds)}: {json.dumps(values)}", flush=True)


def http_figures(result: LoadResult, process: Process, memory: Memory) -> dict[str, Any]:
    return {
        "rps": round(result.ok_rps(), 1),
        "p50_ms": result.latency_ms["p50"],
        "p99_ms": result.latency_ms["p99"],
        "non_2xx": result.non_2xx,
        "timeouts": result.errors.get("timeout", 0),
        "statuses": result.statuses,
        "late": result.late,
        "offered_rps": round(result.rps, 1),
        "rss_peak_mib": round(memory.peak, 1),
        "cpu_share": round(memory.cpu_share, 2),
        "cpu_us_per_request": _per(memory.cpu_seconds, result.requests),
        "broker_cpu_us_per_request": _per(memory.broker_cpu_seconds, result.requests),
        "process": process.name,
    }


def _per(cpu_seconds: float | None, count: int) -> float | None:
    """CPU microseconds per request or message: steadier than rates on a shared machine."""
    return round(cpu_seconds / count * 1e6, 1) if count and cpu_seconds is not None else None


class Suite:
    def __init__(self, options: Options, bench: BenchBroker, settings: Settings) -> None:
        self.options = options
        self.bench = bench
        self.settings = settings
        self.run = Run()
        self.logs = options.out_dir / "logs"
        work = options.out_dir / "bodies"
        self.manifests = {
            "2kb": bodies.write_manifest(work, "2kb", bodies.small_set()),
            "mix": bodies.write_manifest(work, "mix", bodies.mix_set()),
            "fixtures": bodies.write_manifest(work, "fixtures", bodies.fixtures()),
            "5mb": bodies.write_manifest(work, "5mb", bodies.memory_set()),
        }
        self.config = self._write_config(settings, "verdict-bench.toml")

    @property
    def namespace(self) -> str:
        return self.bench.topology.namespace

    def wanted(self, scenario: str) -> bool:
        return not self.options.only or scenario in self.options.only

    # --- processes -----------------------------------------------------------------------

    def _write_config(self, s: Settings, name: str, *extra: str) -> Path:
        """An explicit dev configuration: the benchmark's namespace and ports, ``none`` auth."""
        lines = [
            f'amqp_url = "{s.amqp_url}"',
            f'namespace = "{s.namespace}"',
            'http_host = "127.0.0.1"',
            f"http_port = {s.http_port}",
            f"worker_http_port = {s.worker_http_port}",
            f"max_in_flight = {s.max_in_flight}",
            'log_level = "info"',
            *extra,
        ]
        if "vendor" in Settings.__struct_fields__:
            # Authentication is not what is measured here: every vendor accepts unsigned posts.
            for vendor in s.vendors:
                lines += ["", f"[vendor.{vendor}]", 'auth = ["none"]']
        path = self.options.out_dir / name
        path.write_text("\n".join(lines) + "\n")
        return path

    async def _start(self, name: str, argv: list[str], port: int | None) -> Process:
        process = Process(name, argv, self.logs, env={})
        if port is not None:
            await process.wait_for_port(port)
        return process

    async def start_ingress(self) -> Process:
        process = await self._start(
            "ingress", verdict(self.config, "ingress"), self.settings.http_port
        )
        # The port opens before the broker connection: wait until it answers /readyz.
        await _wait_ready(self.settings.http_port, process)
        return process

    async def start_worker(self) -> Process:
        return await self._start("worker", verdict(self.config, "worker"), None)

    async def start_b0(self) -> tuple[Process, int]:
        port = free_port()
        return await self._start("b0", python_module("bench.references", "b0", port), port), port

    async def start_naive(self) -> tuple[Process, int]:
        return await self._naive("naive")

    async def start_naive_uvloop(self) -> tuple[Process, int]:
        return await self._naive("naive-uvloop")

    async def _naive(self, kind: str) -> tuple[Process, int]:
        port = free_port()
        argv = python_module("bench.references", kind, port, self.options.amqp_url, self.namespace)
        return await self._start(kind.replace("-", "_"), argv, port), port

    # --- scenarios -----------------------------------------------------------------------

    async def http_throughput(self, body_set: str) -> None:
        """Closed loop, the same connections for B0, N and the ingress; B1 at the same in-flight.

        Rounds interleave the four, so that load from elsewhere on the machine falls on all.
        """
        manifest = self.manifests[body_set]
        connections = self.options.connections
        for _ in range(self.options.rounds):
            for name, start in (
                ("b0", self.start_b0),
                ("naive", self.start_naive),
                ("naive_uvloop", self.start_naive_uvloop),
                ("ingress", self._ingress_with_port),
            ):
                process, port = await start()
                try:
                    url = f"http://127.0.0.1:{port}"
                    await run_wrk(url, manifest, connections=connections, seconds=WARM_UP_SECONDS)
                    async with process.watching_memory() as memory:
                        result = await run_wrk(
                            url, manifest, connections=connections, seconds=self.options.seconds
                        )
                    process.check_alive()
                finally:
                    process.stop()
                figures = http_figures(result, process, memory)
                self.run.add_round(f"{body_set}.{name}", "rps", **figures)
                await self.bench.purge_all()
            await self.b1(body_set)

    async def _ingress_with_port(self) -> tuple[Process, int]:
        return await self.start_ingress(), self.settings.http_port

    async def b1(self, body_set: str) -> None:
        argv = python_module(
            "bench.references",
            "b1",
            self.options.amqp_url,
            self.namespace,
            self.manifests[body_set],
            self.options.connections,
            self.options.seconds,
        )
        process = await self._start("b1", argv, None)
        async with process.watching_memory() as memory:
            await asyncio.to_thread(process.popen.wait)
        output = process.log_path.read_text().strip().splitlines()[-1]
        data = json.loads(output)
        self.run.add_round(
            f"{body_set}.b1",
            "rps",
            rps=round(data["published"] / data["seconds"], 1),
            in_flight=self.options.connections,
            rss_peak_mib=round(memory.peak, 1),
            # b1 measures its own CPU time: it has exited before the sampler could.
            cpu_share=round(data["cpu_seconds"] / data["seconds"], 2),
            cpu_us_per_request=_per(data["cpu_seconds"], data["published"]),
            broker_cpu_us_per_request=_per(memory.broker_cpu_seconds, data["published"]),
        )
        await self.bench.purge_all()

    async def fixed_rate(self, rate: float) -> None:
        """The ingress at a fixed rate (half its maximum): latency, and every answer counted."""
        process = await self.start_ingress()
        try:
            url = f"http://127.0.0.1:{self.settings.http_port}"
            manifest = self.manifests["2kb"]
            await run_wrk(
                url,
                manifest,
                connections=self.options.connections,
                seconds=WARM_UP_SECONDS,
                rate=rate,
            )
            async with process.watching_memory() as memory:
                result = await run_wrk(
                    url,
                    manifest,
                    connections=self.options.connections,
                    seconds=self.options.seconds,
                    rate=rate,
                    count_statuses=True,
                )
        finally:
            process.stop()
        figures = http_figures(result, process, memory)
        self.run.add("fixed_rate.ingress", target_rps=round(rate, 1), **figures)
        await self.bench.purge_all()

    async def overload(self, rate: float) -> None:
        """Offered twice the maximum on many connections: the excess must get 503 at once."""
        process = await self.start_ingress()
        try:
            url = f"http://127.0.0.1:{self.settings.http_port}"
            connections = max(4 * self.settings.max_in_flight, 4 * self.options.connections)
            async with process.watching_memory() as memory:
                result = await run_wrk(
                    url,
                    self.manifests["2kb"],
                    connections=connections,
                    seconds=self.options.seconds,
                    rate=rate,
                    count_statuses=True,
                )
        finally:
            process.stop()
        figures = http_figures(result, process, memory)
        self.run.add(
            "overload.ingress", target_rps=round(rate, 1), connections=connections, **figures
        )
        await self.bench.purge_all()

    async def worker_drain(self) -> None:
        """The worker, then B3, each draining the same pre-filled backlog of vendor fixtures."""
        fixtures = bodies.fixtures()
        total = self.options.backlog
        starters: tuple[tuple[str, Callable[[], Awaitable[Process]]], ...] = (
            ("worker", self.start_worker),
            ("b3", self._start_b3),
        )
        for name, start in [starter for _ in range(self.options.rounds) for starter in starters]:
            rate, seconds, memory = await self._drain(start, fixtures, total, timeout=300)
            self.run.add_round(
                f"drain.{name}",
                "msgs_per_s",
                msgs_per_s=round(rate, 1),
                messages=total,
                seconds=round(seconds, 2),
                prefetch=self.settings.prefetch,
                rss_peak_mib=round(memory.peak, 1),
                cpu_share=round(memory.cpu_share, 2),
                cpu_us_per_message=_per(memory.cpu_seconds, total),
                broker_cpu_us_per_message=_per(memory.broker_cpu_seconds, total),
            )
        await self.bench.purge_all()

    async def _drain(
        self,
        start: Callable[[], Awaitable[Process]],
        backlog: list[bodies.Body],
        total: int,
        timeout: float,
    ) -> tuple[float, float, Memory]:
        """One round: ``total`` messages of ``backlog`` pre-filled, then drained by the process
        ``start`` starts; the rate, the seconds and the process's memory and CPU."""
        await self.bench.purge_all()
        await self.bench.prefill(backlog, total)
        settled = Settled(self.bench)
        await settled.start()
        process = await start()
        try:
            async with process.watching_memory() as memory:
                rate, seconds = await drain_rate(settled, total, timeout=timeout)
            process.check_alive()
        finally:
            process.stop()
            await settled.stop()
        return rate, seconds, memory

    async def worker_fetch(self) -> None:
        """The worker draining Jumio PROCESSED callbacks, each completed by a fetch from a fake
        Jumio (tests/fakes/) that answers in 50 ms; the reference in the same run is the same
        backlog with fetching off. Fetched one after another, 50 ms each would cap the worker
        at 20 a second: the rate above that is the fetches it overlaps (at most
        ``[vendor.jumio.api] concurrency``, default 8, so 160 a second)."""
        total = min(self.options.backlog, FETCH_BACKLOG)
        callbacks = bodies.jumio_processed(total)
        async with FakeVendorApis(latency=FETCH_LATENCY, record=False) as fake:
            for execution, _ in callbacks:
                fake.add_jumio_execution(bodies.JUMIO_ACCOUNT, execution, decision="PASSED")
            fetching = self._write_config(
                self.settings,
                "verdict-bench-fetch.toml",
                "",
                "[vendor.jumio.api]",
                f'base_url = "{fake.base_url("jumio")}"',
                f'client_id = "{vendor_apis.JUMIO_CLIENT_ID}"',
                f'secrets = ["{vendor_apis.JUMIO_CLIENT_SECRET}"]',
            )
            configs = (("fetch", fetching), ("no_fetch", self.config))
            backlog = [body for _, body in callbacks]
            for name, config in [pair for _ in range(self.options.rounds) for pair in configs]:
                start = functools.partial(
                    self._start, f"worker-{name}", verdict(config, "worker"), None
                )
                rate, seconds, memory = await self._drain(start, backlog, total, timeout=600)
                self.run.add_round(
                    f"drain_fetch.{name}",
                    "msgs_per_s",
                    msgs_per_s=round(rate, 1),
                    messages=total,
                    seconds=round(seconds, 2),
                    vendor_latency_ms=FETCH_LATENCY * 1000,
                    serial_bound_per_s=round(1 / FETCH_LATENCY, 1),
                    concurrency=Api().concurrency,
                    rss_peak_mib=round(memory.peak, 1),
                    cpu_us_per_message=_per(memory.cpu_seconds, total),
                )
        await self.bench.purge_all()

    async def _start_b3(self) -> Process:
        argv = python_module(
            "bench.references", "b3", self.options.amqp_url, self.namespace, self.settings.prefetch
        )
        return await self._start("b3", argv, None)

    async def end_to_end(self, rate: float) -> None:
        """Ingress and worker at a fixed rate: webhook received → outcome event consumed."""
        consumer = OutcomeLatency(self.bench)
        await consumer.start()
        ingress = await self.start_ingress()
        worker = await self.start_worker()
        try:
            url = f"http://127.0.0.1:{self.settings.http_port}"
            manifest = self.manifests["fixtures"]
            connections = self.options.connections
            await run_wrk(
                url, manifest, connections=connections, seconds=WARM_UP_SECONDS, rate=rate
            )
            await asyncio.sleep(1.0)
            consumer.recording = True
            async with (
                ingress.watching_memory() as ingress_memory,
                worker.watching_memory() as worker_memory,
            ):
                result = await run_wrk(
                    url, manifest, connections=connections, seconds=self.options.seconds, rate=rate
                )
                await _until_quiet(consumer)
            consumer.recording = False
        finally:
            worker.stop()
            ingress.stop()
            await consumer.stop()
        latencies = sorted(consumer.latencies_ms)
        self.run.add(
            "e2e",
            target_rps=round(rate, 1),
            http_rps=round(result.ok_rps(), 1),
            http_p99_ms=result.latency_ms["p99"],
            outcomes=consumer.outcomes,
            settled=consumer.count,
            p50_ms=round(_percentile(latencies, 50), 2),
            p99_ms=round(_percentile(latencies, 99), 2),
            max_ms=round(latencies[-1], 2) if latencies else None,
            non_2xx=result.non_2xx,
            ingress_rss_peak_mib=round(ingress_memory.peak, 1),
            worker_rss_peak_mib=round(worker_memory.peak, 1),
        )
        await self.bench.purge_all()

    async def memory(self) -> None:
        """5 MB bodies at full concurrency (as many connections as the ingress takes at once)."""
        process = await self.start_ingress()
        connections = self.settings.max_in_flight
        purging = asyncio.create_task(_keep_purging(self.bench))
        try:
            async with process.watching_memory() as memory:
                result = await run_wrk(
                    f"http://127.0.0.1:{self.settings.http_port}",
                    self.manifests["5mb"],
                    connections=connections,
                    seconds=self.options.memory_seconds,
                    timeout_s=30,
                )
            process.check_alive()
        finally:
            purging.cancel()
            process.stop()
        body_mib = bodies.mean_size(bodies.memory_set()) / 2**20
        self.run.add(
            "memory.ingress",
            seconds=self.options.memory_seconds,
            connections=connections,
            rps=round(result.ok_rps(), 1),
            non_2xx=result.non_2xx,
            body_mib=round(body_mib, 2),
            bound_mib=round(150 + 2 * connections * body_mib, 1),
            rss_peak_mib=round(memory.peak, 1),
            rss_fifth_medians_mib=[round(rss, 1) for rss in memory.fifth_medians()],
            rss_samples=[
                round(rss, 1) for _, rss in memory.samples[:: max(1, len(memory.samples) // 60)]
            ],
        )
        await self.bench.purge_all()

    async def memory_alarm(self) -> None:
        """A memory alarm on a node of the benchmark's own, for the ingress and for N in turn,
        while 64 vendors post 1 MiB webhooks (bench/alarm.py)."""
        try:
            node = Node()
        except NodeError as exc:
            print(f"  alarm: not run: {exc}", flush=True)
            return
        with node:
            print(f"  alarm: starting {node.name} on port {node.port}", flush=True)
            try:
                await asyncio.to_thread(node.start)
            except NodeError as exc:
                print(f"  alarm: not run: {exc}", flush=True)
                return
            settings = msgspec.structs.replace(
                self.settings, amqp_url=node.url, http_port=free_port()
            )
            config = self._write_config(
                settings, "verdict-alarm.toml", f"publish_timeout = {alarm.PUBLISH_TIMEOUT}"
            )
            body = alarm.write_body(self.options.out_dir / "bodies")
            async with BenchBroker.open(node.url, self.bench.topology) as bench:
                for name in ("ingress", "naive"):
                    await bench.purge_all()
                    if name == "ingress":
                        process = await self._start(
                            "alarm_ingress", verdict(config, "ingress"), settings.http_port
                        )
                        port = settings.http_port
                        await _wait_ready(port, process)
                    else:
                        port = free_port()
                        argv = python_module(
                            "bench.references",
                            "naive",
                            port,
                            node.url,
                            self.namespace,
                            alarm.PUBLISH_TIMEOUT,
                        )
                        process = await self._start("alarm_naive", argv, port)
                    try:
                        answers, samples, marks = await alarm.drive(
                            process,
                            port=port,
                            node=node,
                            body_file=body,
                            logs=self.logs,
                            alarm_seconds=self.options.alarm_seconds,
                        )
                    finally:
                        process.stop()
                    stored = await alarm.stored(bench)
                    self.run.add(
                        f"alarm.{name}",
                        **alarm.summarise(answers, samples, marks, stored),
                        process=process.name,
                    )
                    await bench.purge_all()
            await asyncio.to_thread(node.stop)

    async def run_all(self) -> Run:
        if self.wanted("http"):
            await self.http_throughput("2kb")
            await self.http_throughput("mix")
        max_rate = self.run.figures.get("2kb.ingress", {}).get("rps") or self.options.max_rate
        if self.wanted("fixed"):
            await self.fixed_rate(max_rate / 2)
        if self.wanted("overload"):
            await self.overload(max_rate * 2)
        if self.wanted("worker"):
            await self.worker_drain()
        if self.wanted("fetch"):
            await self.worker_fetch()
        if self.wanted("e2e"):
            worker_rate = self.run.figures.get("drain.worker", {}).get("msgs_per_s") or max_rate
            await self.end_to_end(min(max_rate, worker_rate) / 2)
        if self.wanted("memory"):
            await self.memory()
        if self.wanted("alarm"):
            await self.memory_alarm()
        return self.run


def bench_settings(options: Options, max_in_flight: int) -> Settings:
    return Settings(
        amqp_url=options.amqp_url,
        namespace=f"bench-{uuid.uuid4().hex[:10]}",
        vendors=DEFAULT_VENDORS,
        http_port=free_port(),
        worker_http_port=free_port(),
        max_in_flight=max_in_flight,
    )


def topology_of(settings: Settings) -> Topology:
    return Topology(settings.namespace, settings.vendors)


async def _wait_ready(port: int, process: Process, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        process.check_alive()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /readyz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        status = await reader.readline()
        writer.close()
        await writer.wait_closed()
        if b" 200 " in status:
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the ingress did not become ready")
        await asyncio.sleep(0.1)


async def _until_quiet(consumer: OutcomeLatency, quiet_seconds: float = 1.5) -> None:
    """Wait until nothing has arrived for ``quiet_seconds`` (the pipeline has drained)."""
    seen = -1
    while consumer.count != seen:
        seen = consumer.count
        await asyncio.sleep(quiet_seconds)


async def _keep_purging(bench: BenchBroker) -> None:
    """Keep the broker's disk from filling with 5 MB bodies during the memory run.

    On a channel of its own: cancelling a purge under way closes the channel it was sent on.
    """
    channel = await bench.connection.channel()
    while True:
        await asyncio.sleep(1.0)
        for vendor in bench.topology.vendors:
            queue = await channel.get_queue(bench.topology.inbound_queue(vendor), ensure=False)
            await queue.purge()


def _percentile(sorted_values: list[float], percent: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, round(percent / 100 * (len(sorted_values) - 1)))
    return sorted_values[index]
