"""Request metrics for the ingress: every webhook request counted by vendor and status code.

The metric children are looked up once per vendor when the app is made: on the hot path a
request costs a dict lookup, not label formatting. (Each request's log line is written where
its answer is decided, in ingress/app.py.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import Counter, Histogram

from shared import metrics

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
    """One :class:`VendorMetrics` per configured vendor, and one for every other name."""

    def __init__(self, vendors: Iterable[str]) -> None:
        self._vendors = {vendor: VendorMetrics(vendor) for vendor in vendors}
        self._unknown = VendorMetrics(metrics.UNKNOWN)

    def vendor(self, vendor: str) -> VendorMetrics:
        return self._vendors.get(vendor, self._unknown)


METRICS = web.AppKey("metrics", IngressMetrics)


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count each request to ``/webhooks/{vendor}`` by vendor and the status it was answered."""
    vendor = request.match_info.get("vendor")
    if vendor is None:  # probes, scrapes, paths that are not a webhook endpoint
        return await handler(request)
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
        request.app[METRICS].vendor(vendor).count_request(status)
