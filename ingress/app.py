"""The ingress HTTP application: ``POST /webhooks/{vendor}`` → 202 once RabbitMQ confirmed it.

A webhook goes through, in order: the vendor's address allow-list (403), its declared size (413),
the credentials in its headers (401), whether the broker can take it now (503), reading the body
within the size limit and read timeout and in its Content-Encoding (413, 408, 400), the
signatures over the body (401), and only then the broker. Every request ends in
one log line: vendor, message id, size, auth outcome, status and peer, never a body or a header.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

from aiohttp import web

from ingress.admission import Admission, Tally
from ingress.body import Body, BodyTooLarge, BodyTooSlow, BodyUndecodable, read_body
from ingress.endpoint import Endpoint, endpoints
from ingress.errors import error, json_answer, json_errors
from ingress.observe import METRICS, IngressMetrics, observe
from shared import logging, messages, metrics, topology
from shared.broker import Broker
from shared.errors import NOT_CONFIRMED, BrokerBlocked, PublishBacklog, broker_size_limit
from shared.publisher import Publisher
from shared.settings import Settings

log = logging.get("verdict.ingress")

SETTINGS = web.AppKey("settings", Settings)
BROKER = web.AppKey("broker", Broker)
ENDPOINTS = web.AppKey("endpoints", dict[str, Endpoint])
PUBLISHER = web.AppKey("publisher", Publisher)
ADMISSION = web.AppKey("admission", Admission)

BROKER_REFUSALS = web.AppKey("broker_refusals", Tally)

_UNAUTHENTICATED = "missing or invalid credentials for this vendor's webhooks"


def _refuse(
    status: int,
    code: str,
    message: str,
    *,
    vendor: str | None,
    peer: object,
    auth: str,
    size: int | None = None,
    close: bool = False,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    log.info(
        "webhook_refused",
        vendor=vendor,
        status=status,
        error=code,
        auth=auth,
        size=size,
        peer=str(peer),
    )
    response = error(status, code, message, **(headers or {}))
    if close:
        # The client may still be sending: aiohttp reads and drops the rest (its lingering close,
        # at most 10 s, so the client gets this answer rather than a reset) and then closes.
        response.force_close()
    return response


async def receive_webhook(request: web.Request) -> web.Response:
    endpoint = request.app[ENDPOINTS].get(request.match_info["vendor"])
    if endpoint is None:
        return _refuse(
            404,
            "unknown_vendor",
            "no webhook endpoint for this vendor",
            vendor=None,
            peer=request.remote,
            auth="not_checked",
        )
    vendor = endpoint.vendor
    client = endpoint.addresses.client(
        request.remote, request.headers.getall("X-Forwarded-For", ())
    )
    peer: Any = client or request.remote
    if not endpoint.addresses.allows(client):
        return _refuse(
            403,
            "address_not_allowed",
            "this address may not send this vendor's webhooks",
            vendor=vendor,
            peer=peer,
            auth="not_checked",
        )
    limit = endpoint.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        return _refuse(
            413,
            "body_too_large",
            f"the limit is {limit} bytes",
            vendor=vendor,
            peer=peer,
            auth="not_checked",
            size=request.content_length,
        )
    authenticated = endpoint.auth.before_body(request.headers)
    if authenticated is False:
        return _unauthenticated(endpoint, peer, request.content_length)
    refusal = request.app[PUBLISHER].refusal()
    if refusal is not None:
        # The broker could not take it now (down, blocked by an alarm, or behind): answer before
        # reading a body there is nowhere to put.
        return _not_stored(request, refusal, close=True)
    try:
        body = await read_body(request.content, limit, request.app[SETTINGS].read_timeout)
    except BodyTooLarge:
        return _refuse(
            413,
            "body_too_large",
            f"the limit is {limit} bytes",
            vendor=vendor,
            peer=peer,
            auth="not_checked",
            close=True,
        )
    except BodyTooSlow:
        return _refuse(
            408,
            "request_timeout",
            "the body was not received in time",
            vendor=vendor,
            peer=peer,
            auth="not_checked",
            close=True,
        )
    except BodyUndecodable:
        return _refuse(
            400,
            "body_undecodable",
            "the body is not in the Content-Encoding (or chunking) its headers say",
            vendor=vendor,
            peer=peer,
            auth="not_checked",
            close=True,
        )
    if authenticated is None and not endpoint.auth.after_body(request.headers, body):
        return _unauthenticated(endpoint, peer, len(body))
    return await _publish(request, endpoint, body, peer)


def _unauthenticated(endpoint: Endpoint, peer: object, size: int | None) -> web.Response:
    challenge = endpoint.auth.challenge
    headers = {"WWW-Authenticate": challenge} if challenge else {}
    return _refuse(
        401,
        "unauthenticated",
        _UNAUTHENTICATED,
        vendor=endpoint.vendor,
        peer=peer,
        auth="failed",
        size=size,
        headers=headers,
    )


async def _publish(
    request: web.Request, endpoint: Endpoint, body: Body, peer: object
) -> web.Response:
    vendor = endpoint.vendor
    observed = request.app[METRICS].vendor(vendor)
    observed.body_bytes.observe(len(body))
    properties = messages.inbound_properties(
        vendor=vendor,
        content_type=request.headers.get("Content-Type"),
        http_headers=messages.forwardable_headers(
            request.headers.items(), endpoint.auth.credential_headers
        ),
    )
    bound = log.bind(
        vendor=vendor,
        message_id=properties.message_id,
        size=len(body),
        auth="none" if endpoint.auth.disabled else "passed",
        peer=str(peer),
    )
    publishing = time.perf_counter()
    try:
        await request.app[PUBLISHER].publish(
            request.app[BROKER].topology.inbound_exchange, vendor, body, properties
        )
    except NOT_CONFIRMED as exc:
        broker_limit = broker_size_limit(exc)
        if broker_limit is not None:
            # Sent again, it would be refused again: a 413, not a 503 the vendor retries.
            log.warning(
                "broker_message_size_limit",
                vendor=vendor,
                max_message_size=broker_limit,
                max_body_bytes=endpoint.max_body_bytes,
                detail="the broker refuses bodies this ingress accepts: lower "
                "VERDICT_MAX_BODY_BYTES or raise RabbitMQ's max_message_size",
            )
            return _refuse(
                413,
                "body_too_large",
                f"the broker's limit is {broker_limit} bytes",
                vendor=vendor,
                peer=peer,
                auth="passed",
                size=len(body),
            )
        if not isinstance(exc, BrokerBlocked | PublishBacklog):
            bound.warning("webhook_not_confirmed", status=503, error=type(exc).__name__)
        return _not_stored(request, exc)
    observed.confirm_seconds.observe(time.perf_counter() - publishing)
    bound.info("webhook_accepted", status=endpoint.accepted_status)
    return json_answer(endpoint.accepted_status, {"message_id": properties.message_id})


# Why the broker did not take a webhook, as the ``error`` code of its 503, and what it tells.
NOT_STORED: dict[type[BaseException], tuple[str, str]] = {
    BrokerBlocked: ("broker_blocked", "the broker is not taking messages now"),
    PublishBacklog: ("broker_backlogged", "too much waits to be written to the broker"),
    ConnectionError: ("broker_unavailable", "the webhook was not stored"),
}


def _not_stored(
    request: web.Request, reason: BaseException, *, close: bool = False
) -> web.Response:
    """503 with Retry-After: the webhook was not stored and its vendor should send it again.

    Refusals decided before publishing are counted into one log line a second (an alarm or an
    outage refuses every webhook); one that failed while publishing has its own line.
    """
    code, message = NOT_STORED.get(type(reason), NOT_STORED[ConnectionError])
    if close or isinstance(reason, BrokerBlocked | PublishBacklog):
        request.app[BROKER_REFUSALS].count(code)
    retry_after = str(request.app[SETTINGS].retry_after)
    response = error(503, code, f"{message}; retry later", **{"Retry-After": retry_after})
    if close:
        # The body was not read: closing is cheaper than reading it to reuse the connection.
        response.force_close()
    return response


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    broker = request.app[BROKER]
    if not broker.ready:
        return error(503, "not_ready", "not connected to the broker")
    if broker.blocked:
        return error(503, "not_ready", "the broker is blocking publishes (a resource alarm)")
    return web.json_response({"status": "ready"})


def create_app(settings: Settings, broker: Broker | None = None) -> web.Application:
    """The ingress app. Without ``broker`` it makes its own and owns its lifetime.

    Raises ConfigError when a vendor's authentication is not configured or unusable.
    """
    built = endpoints(settings)
    for endpoint in built.values():
        if endpoint.auth.disabled:
            log.warning(
                "authentication_disabled",
                vendor=endpoint.vendor,
                detail="auth = none: anyone who can reach the endpoint can post this vendor's"
                " webhooks",
            )
    # Headroom over the largest limit: the endpoint's own checks, with their JSON answers, run
    # first; this only backs them up.
    largest = max((endpoint.max_body_bytes for endpoint in built.values()), default=1)
    admission = Admission(settings.max_in_flight, settings.retry_after)
    app = web.Application(
        client_max_size=largest + 1, middlewares=[observe, admission.middleware, json_errors]
    )
    app[SETTINGS] = settings
    app[ADMISSION] = admission
    app[BROKER_REFUSALS] = Tally("webhooks_not_stored")
    app[METRICS] = IngressMetrics(settings.vendors)
    app[ENDPOINTS] = built
    if broker is None:
        app.cleanup_ctx.append(_own_broker)
    else:
        app[BROKER] = broker
    app.cleanup_ctx.append(_own_publisher)
    app.router.add_post("/webhooks/{vendor}", receive_webhook)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics.metrics_view)
    return app


async def _own_broker(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    broker = Broker(settings.amqp_url, topology.for_settings(settings), name="verdict-ingress")
    app[BROKER] = broker
    broker.start()
    yield
    await broker.close()


async def _own_publisher(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    publisher = Publisher(
        app[BROKER],
        timeout=settings.publish_timeout,
        max_waiting_bytes=settings.publish_buffer_bytes,
    )
    app[PUBLISHER] = publisher
    yield
    app[BROKER_REFUSALS].report()
    await publisher.close()
