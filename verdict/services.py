"""``verdict run | ingress | worker``: the long-running services (their help: service_help.py).

Each opens its HTTP port before it does any work, and a port it cannot have stops it at once:
the worker has not connected to the broker yet; the ingress's app, which starts its own
connection as it is set up, is cleaned up at once; ``run`` starts its worker only once the
ingress has its port. Then each runs until SIGTERM or SIGINT (verdict/stopping.py), drains and
exits.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

from ingress.app import ADMISSION, create_app
from shared import logging, topology
from shared.broker import Broker
from shared.settings import Settings
from verdict import stopping
from verdict.listening import listen
from workers import http as worker_http
from workers.worker import Worker

log = logging.get("verdict")


def run(command: str, config: Settings) -> int:
    """Run the service ``command`` until a signal; the exit status."""
    services: dict[str, stopping.Service] = {
        "run": run_all,
        "ingress": run_ingress,
        "worker": run_worker,
    }
    return stopping.run_until_signalled(services[command], config)


class Ingress:
    """The HTTP ingress, listening."""

    def __init__(self, app: web.Application, runner: web.AppRunner, site: web.TCPSite) -> None:
        self.app, self.runner, self.site = app, runner, site

    @classmethod
    async def start(cls, config: Settings) -> Ingress:
        app = create_app(config)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()  # the app's own broker connection starts here, in the background
        try:
            site = await listen(
                runner,
                config.http_host,
                config.http_port,
                service="ingress",
                port_variable="VERDICT_HTTP_PORT",
            )
        except BaseException:
            await runner.cleanup()
            raise
        log.info("ingress_listening", host=config.http_host, port=config.http_port)
        return cls(app, runner, site)

    async def serve(self, stop: asyncio.Event, drain_timeout: float) -> None:
        await stop.wait()
        # Stop accepting connections; let the requests in flight (bodies still arriving included)
        # be confirmed or refused; then close the connections and the broker.
        await self.site.stop()
        admission = self.app[ADMISSION]
        if not await admission.finished(drain_timeout):
            log.warning("drain_timeout", unfinished=admission.in_flight)
        await self.runner.cleanup()
        log.info("ingress_stopped")


async def run_ingress(config: Settings, stop: asyncio.Event) -> None:
    ingress = await Ingress.start(config)
    await ingress.serve(stop, config.drain_timeout)


async def run_worker(config: Settings, stop: asyncio.Event, *, serve_http: bool = True) -> None:
    broker = Broker(config.amqp_url, topology.for_settings(config), name="verdict-worker")
    worker = Worker(config, broker)
    http: web.AppRunner | None = None
    if serve_http:
        http = web.AppRunner(worker_http.create_app(worker), handle_signals=False, access_log=None)
        await http.setup()
        try:
            await listen(
                http,
                config.http_host,
                config.worker_http_port,
                service="worker",
                port_variable="VERDICT_WORKER_HTTP_PORT",
            )
        except BaseException:
            await http.cleanup()
            raise
    broker.start()
    starting = asyncio.create_task(worker.start())
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


async def run_all(config: Settings, stop: asyncio.Event) -> None:
    # The ingress's port first: the worker starts only once the process has it. One process, one
    # metrics registry: the ingress's /metrics shows the worker's too.
    ingress = await Ingress.start(config)
    await asyncio.gather(
        ingress.serve(stop, config.drain_timeout), run_worker(config, stop, serve_http=False)
    )
