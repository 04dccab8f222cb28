"""Load shedding: at most ``max_in_flight`` webhooks in one ingress process at once.

A webhook is in flight from its arrival until it is answered (body read, broker confirm). Past
the bound the excess is answered ``503`` with ``Retry-After`` at once, before its body is read:
what is accepted keeps its latency, and memory stays bounded by the bodies in flight, instead of
every request slowing down together when vendors retry in a burst.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from ingress.errors import error
from shared import logging

log = logging.get("verdict.ingress")


def shed_load(max_in_flight: int, retry_after: int) -> Middleware:
    """A middleware that bounds the webhook requests in flight (other paths pass freely)."""
    in_flight = 0
    headers = {"Retry-After": str(retry_after)}

    @web.middleware
    async def shed(request: web.Request, handler: Handler) -> web.StreamResponse:
        nonlocal in_flight
        if request.match_info.get("vendor") is None:  # probes, scrapes, unknown paths
            return await handler(request)
        if in_flight >= max_in_flight:
            log.warning("webhook_shed", vendor=request.match_info["vendor"], status=503)
            # The body is not read; aiohttp drains what the client still sends before the
            # connection's next request.
            return error(503, "overloaded", "too many webhooks in flight; retry later", **headers)
        in_flight += 1
        try:
            return await handler(request)
        finally:
            in_flight -= 1

    return shed
