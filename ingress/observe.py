"""One log line and the request metrics for every request the ingress answers.

The metric children are looked up once per vendor when the app is made: on the hot path a
request costs a dict lookup, not label formatting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import Counter, Histogram

from shared import logging, metrics

log = logging.get("verdict.ingress")

# Probes and scrapes come every few seconds; a line for each would drown the webhooks.
_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# What a client that went away before its answer is counted as (nginx's convention).
CLIENT_CLOSED = 499


class VendorMetrics:
    """The labelled children of one vendor."""

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self.body_bytes: Histogram = metrics.REQUEST_BODY_BYTES.labels(vendor=vendor)
        self.confirm_seconds: Histogram = metrics.PUBLISH_CONFIRM_SECONDS.labels(vendor=vendor)
        self._requests: dict[int, Counter] = {}

    def count_request(self, status: int) -> None:
        counter = self._requests.get(status)
        if counter is None:
            counter = metrics.REQUESTS.labels(vendor=self.vendor, status=str(status))
            self._requests[status] = counter
        counter.inc()


class IngressMetrics:
    def __init__(self, vendors: Iterable[str]) -> None:
        self._vendors = {vendor: VendorMetrics(vendor) for vendor in vendors}
        self._unknown = VendorMetrics(metrics.UNKNOWN)

    def vendor(self, vendor: str) -> VendorMetrics:
        return self._vendors.get(vendor, self._unknown)


METRICS = web.AppKey("metrics", IngressMetrics)


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count webhook requests by vendor and status; log one line per request."""
    if request.path in _QUIET_PATHS:
        return await handler(request)
    started = time.perf_counter()
    # A keep-alive connection serves its requests in one task: start each from a clean context.
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(method=request.method, path=request.path)
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    except asyncio.CancelledError:
        status = CLIENT_CLOSED
        raise
    finally:
        vendor = request.match_info.get("vendor")
        if vendor is not None:
            request.app[METRICS].vendor(vendor).count_request(status)
        emit = log.warning if status >= 500 else log.info
        emit("request", status=status, seconds=round(time.perf_counter() - started, 6))
