"""The ingress HTTP application: ``POST /webhooks/{vendor}`` → 202 once RabbitMQ confirmed it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aio_pika
import structlog
from aiohttp import web

from ingress.errors import error, json_errors
from ingress.observe import METRICS, IngressMetrics, observe
from shared import logging, messages, metrics
from shared.broker import Broker
from shared.settings import Settings
from shared.topology import Topology

log = logging.get("verdict.ingress")

SETTINGS = web.AppKey("settings", Settings)
BROKER = web.AppKey("broker", Broker)

# Anything that keeps the broker from confirming a publish. The vendor is told to retry.
_NOT_CONFIRMED = (
    aio_pika.exceptions.AMQPError,
    aio_pika.exceptions.DeliveryError,
    asyncio.TimeoutError,
    ConnectionError,
    RuntimeError,
)


async def receive_webhook(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    vendor = request.match_info["vendor"]
    if vendor not in settings.vendors:
        return error(404, "unknown_vendor", f"no webhook endpoint for vendor {vendor!r}")
    if request.content_length is not None and request.content_length > settings.max_body_bytes:
        return error(413, "body_too_large", f"the limit is {settings.max_body_bytes} bytes")
    body = await request.read()
    observed = request.app[METRICS].vendor(vendor)
    observed.body_bytes.observe(len(body))
    message = messages.inbound_message(
        vendor=vendor,
        body=body,
        content_type=request.headers.get("Content-Type"),
        http_headers=messages.forwardable_headers(request.headers.items()),
    )
    # The request's one log line (ingress/observe.py) carries these.
    structlog.contextvars.bind_contextvars(
        vendor=vendor, message_id=message.message_id, size=len(body)
    )
    publishing = time.perf_counter()
    try:
        exchange = await request.app[BROKER].exchange(request.app[BROKER].topology.inbound_exchange)
        await exchange.publish(message, routing_key=vendor, timeout=settings.publish_timeout)
    except _NOT_CONFIRMED as exc:
        log.warning("webhook_not_confirmed", error=type(exc).__name__)
        return error(
            503,
            "broker_unavailable",
            "the webhook was not stored; retry later",
            **{"Retry-After": str(settings.retry_after)},
        )
    observed.confirm_seconds.observe(time.perf_counter() - publishing)
    return web.json_response({"message_id": message.message_id}, status=202)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    if request.app[BROKER].ready:
        return web.json_response({"status": "ready"})
    return error(503, "not_ready", "not connected to the broker")


def create_app(settings: Settings, broker: Broker | None = None) -> web.Application:
    """The ingress app. Without ``broker`` it makes its own and owns its lifetime."""
    # Headroom over the body limit so our own check, with its JSON answer, runs first.
    app = web.Application(
        client_max_size=settings.max_body_bytes + 1, middlewares=[observe, json_errors]
    )
    app[SETTINGS] = settings
    app[METRICS] = IngressMetrics(settings.vendors)
    if broker is None:
        app.cleanup_ctx.append(_own_broker)
    else:
        app[BROKER] = broker
    app.router.add_post("/webhooks/{vendor}", receive_webhook)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics.metrics_view)
    return app


async def _own_broker(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    broker = Broker(
        settings.amqp_url, Topology(settings.namespace, settings.vendors), name="verdict-ingress"
    )
    app[BROKER] = broker
    broker.start()
    yield
    await broker.close()
