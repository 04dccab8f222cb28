"""``verdict run | ingress | worker``: each runs until SIGTERM or SIGINT, then drains and exits.

``verdict dlq ...``: the operator's dead-letter commands (verdict/dlq_commands.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence

import uvloop
from aiohttp import web

from ingress.app import ADMISSION, create_app
from ingress.endpoint import endpoints
from shared import logging, settings
from shared.broker import Broker
from shared.topology import Topology
from verdict import dlq_commands, outcomes_commands
from workers import http as worker_http
from workers.worker import Worker

log = logging.get("verdict")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="verdict", description=__doc__)
    parser.add_argument("--config", help="TOML settings file (or VERDICT_CONFIG)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="ingress and worker in one process")
    commands.add_parser("ingress", help="the HTTP ingress only")
    commands.add_parser("worker", help="the worker only")
    dlq_commands.add_parser(commands)
    outcomes_commands.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    try:
        config = settings.load(args.config)
        if args.command in ("run", "ingress"):
            endpoints(config)  # a vendor whose authentication is not configured stops start-up
    except settings.ConfigError as exc:
        print(f"verdict: configuration error: {exc}", file=sys.stderr)
        return 2
    logging.configure(config.log_level)
    if args.command == "dlq":
        return asyncio.run(dlq_commands.run(args, config))
    if args.command == "outcomes":
        return asyncio.run(outcomes_commands.run(args, config))
    services: dict[str, Callable[[settings.Settings, asyncio.Event], Awaitable[None]]] = {
        "run": run_all,
        "ingress": run_ingress,
        "worker": run_worker,
    }
    # uvloop: the same asyncio, with a cheaper event loop and socket I/O (docs/performance.md).
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(_until_signalled(services[args.command], config))
    return 0


async def _until_signalled(
    service: Callable[[settings.Settings, asyncio.Event], Awaitable[None]],
    config: settings.Settings,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)

    def stopping(signum: signal.Signals) -> None:
        log.info("stopping", signal=signum.name)
        stop.set()
        # A second signal is not caught: it ends the process at once, without draining.
        for each in signals:
            loop.remove_signal_handler(each)

    for signum in signals:
        loop.add_signal_handler(signum, stopping, signum)
    await service(config, stop)


async def run_ingress(config: settings.Settings, stop: asyncio.Event) -> None:
    app = create_app(config)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, config.http_host, config.http_port)
    await site.start()
    log.info("ingress_listening", host=config.http_host, port=config.http_port)
    await stop.wait()
    # Stop accepting connections; let the requests in flight (bodies still arriving included)
    # be confirmed or refused; then close the connections and the broker.
    await site.stop()
    admission = app[ADMISSION]
    if not await admission.finished(config.drain_timeout):
        log.warning("drain_timeout", unfinished=admission.in_flight)
    await runner.cleanup()
    log.info("ingress_stopped")


async def run_worker(
    config: settings.Settings, stop: asyncio.Event, *, serve_http: bool = True
) -> None:
    broker = Broker(
        config.amqp_url, Topology(config.namespace, config.vendors), name="verdict-worker"
    )
    broker.start()
    worker = Worker(config, broker)
    starting = asyncio.create_task(worker.start())
    http: web.AppRunner | None = None
    if serve_http:
        http = await worker_http.serve(worker, config.http_host, config.worker_http_port)
    await stop.wait()
    if not starting.done():
        starting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await starting
    await worker.stop()
    if http is not None:
        await http.cleanup()
    await broker.close()
    log.info("worker_stopped")


async def run_all(config: settings.Settings, stop: asyncio.Event) -> None:
    # One process, one metrics registry: the ingress's /metrics shows the worker's too.
    await asyncio.gather(run_ingress(config, stop), run_worker(config, stop, serve_http=False))
