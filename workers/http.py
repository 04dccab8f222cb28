"""The worker's own small HTTP port: ``/healthz``, ``/readyz`` and ``/metrics``.

``verdict worker`` serves it on ``VERDICT_WORKER_HTTP_PORT``; ``verdict run`` does not, since
its ingress serves the same registry on its own port.
"""

from __future__ import annotations

from aiohttp import web

from shared import metrics
from workers.worker import Worker

WORKER = web.AppKey("worker", Worker)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    worker = request.app[WORKER]
    if worker.broker.ready and worker.consuming:
        return web.json_response({"status": "ready"})
    return web.json_response(
        {"error": "not_ready", "message": "not connected to the broker or not consuming"},
        status=503,
    )


def create_app(worker: Worker) -> web.Application:
    app = web.Application()
    app[WORKER] = worker
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics.metrics_view)
    return app


async def serve(worker: Worker, host: str, port: int) -> web.AppRunner:
    """Start serving; the caller stops it with ``await runner.cleanup()``."""
    runner = web.AppRunner(create_app(worker), handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
