"""The reference points, each run as a process of its own like the ingress and the worker.

    python -m bench.references b0 PORT                       aiohttp: read the body, answer 202
    python -m bench.references naive PORT URL NAMESPACE [TIMEOUT]    aiohttp + one aio-pika publish
    python -m bench.references naive-uvloop PORT URL NAMESPACE    the same on uvloop
    python -m bench.references b1 URL NAMESPACE MANIFEST IN_FLIGHT SECONDS    raw publish loop
    python -m bench.references b3 URL NAMESPACE PREFETCH     raw consume → republish → ack

They are written the way a user of aio-pika and aiohttp would write them, with the library's
public API and defaults; the queues are the pipeline's own (quorum) under the benchmark's
namespace. b1 prints one JSON line with its count; the others run until SIGTERM.

The naive ingress waits for its publish's confirm as long as it takes; given a TIMEOUT (seconds,
as the alarm scenario gives it Verdict's publish timeout) it passes it to aio-pika's publish and
answers a publish not confirmed in time with a 503, as such a service would once it met a
stalled broker.

The ceilings (b0, b1, b3) run on uvloop, the event loop ``verdict`` itself runs on, so that the
project is not compared with a slower loop than its own. The naive ingress runs on asyncio's
default loop, as written in an afternoon; ``naive-uvloop`` is the same code on uvloop, to show
how much of the difference is the loop and how much the design.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from pathlib import Path

import aio_pika
import uvloop
from aio_pika.abc import AbstractIncomingMessage, DeliveryMode
from aiohttp import web

from bench.broker import DESTINATION_EXCHANGE, DESTINATION_KEY
from shared.settings import DEFAULT_VENDORS
from shared.topology import Topology

MAX_BODY = 20 * 1024 * 1024 + 1


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()


async def _serve(app: web.Application, port: int) -> None:
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await _until_signalled()
    await runner.cleanup()


async def b0(port: int) -> None:
    async def accept(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"message_id": "b0"}, status=202)

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post("/webhooks/{vendor}", accept)
    await _serve(app, port)


async def naive(port: int, url: str, namespace: str, timeout: float | None = None) -> None:
    connection = await aio_pika.connect_robust(url)
    channel = await connection.channel(publisher_confirms=True)
    exchange = await channel.get_exchange(f"{namespace}.inbound")

    async def accept(request: web.Request) -> web.Response:
        body = await request.read()
        message = aio_pika.Message(body, delivery_mode=DeliveryMode.PERSISTENT)
        try:
            await exchange.publish(
                message, routing_key=request.match_info["vendor"], timeout=timeout
            )
        except TimeoutError:
            return web.json_response({"error": "publish_timeout"}, status=503)
        return web.json_response({"message_id": message.message_id}, status=202)

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post("/webhooks/{vendor}", accept)
    await _serve(app, port)
    await connection.close()


def _read_manifest(manifest: Path) -> list[tuple[str, bytes]]:
    """(vendor, body) for each line of a wrk manifest."""
    bodies = []
    for line in manifest.read_text().splitlines():
        path, file = line.split("\t")
        bodies.append((path.rsplit("/", 1)[1], Path(file).read_bytes()))
    return bodies


async def b1(url: str, namespace: str, manifest: Path, in_flight: int, seconds: float) -> None:
    """Publish the manifest's bodies (to their vendor) with ``in_flight`` publishes at once."""
    bodies = _read_manifest(manifest)
    connection = await aio_pika.connect_robust(url)
    channel = await connection.channel(publisher_confirms=True)
    exchange = await channel.get_exchange(f"{namespace}.inbound")
    published = 0
    deadline = time.perf_counter() + seconds

    async def publisher(start: int) -> None:
        nonlocal published
        index = start
        while time.perf_counter() < deadline:
            vendor, body = bodies[index % len(bodies)]
            index += 1
            message = aio_pika.Message(body, delivery_mode=DeliveryMode.PERSISTENT)
            await exchange.publish(message, routing_key=vendor)
            published += 1

    started, cpu_before = time.perf_counter(), time.process_time()
    await asyncio.gather(*(publisher(n * 7) for n in range(in_flight)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_before
    await connection.close()
    print(json.dumps({"published": published, "seconds": elapsed, "cpu_seconds": cpu}), flush=True)


async def b3(url: str, namespace: str, prefetch: int) -> None:
    """Republish each message where the worker would send its result (the prefill says where:
    bench/broker.py), without decoding or classifying it."""
    topology = Topology(namespace, DEFAULT_VENDORS)
    connection = await aio_pika.connect_robust(url)
    publish_channel = await connection.channel(publisher_confirms=True)
    exchanges = {
        name: await publish_channel.get_exchange(name)
        for name in (topology.outcomes_exchange, topology.dead_exchange)
    }
    consume_channel = await connection.channel()
    await consume_channel.set_qos(prefetch_count=prefetch)

    async def handle(message: AbstractIncomingMessage) -> None:
        exchange = exchanges[str(message.headers[DESTINATION_EXCHANGE])]
        republished = aio_pika.Message(message.body, delivery_mode=DeliveryMode.PERSISTENT)
        await exchange.publish(republished, routing_key=str(message.headers[DESTINATION_KEY]))
        await message.ack()

    for vendor in topology.vendors:
        queue = await consume_channel.get_queue(topology.inbound_queue(vendor))
        await queue.consume(handle)
    await _until_signalled()
    await connection.close()


def main(argv: list[str]) -> None:
    kind, *args = argv
    if kind == "b0":
        uvloop.run(b0(int(args[0])))
    elif kind == "naive":
        asyncio.run(naive(int(args[0]), args[1], args[2], *map(float, args[3:4])))
    elif kind == "naive-uvloop":
        uvloop.run(naive(int(args[0]), args[1], args[2], *map(float, args[3:4])))
    elif kind == "b1":
        uvloop.run(b1(args[0], args[1], Path(args[2]), int(args[3]), float(args[4])))
    elif kind == "b3":
        uvloop.run(b3(args[0], args[1], int(args[2])))
    else:
        raise SystemExit(f"unknown reference point {kind!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
