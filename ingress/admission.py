"""Admission: the webhooks one ingress process holds at once, counted in one place.

A webhook is in flight from its arrival until it is answered (body read, broker confirm). Past
``max_in_flight`` the excess is answered ``503`` with ``Retry-After`` at once, before its body is
read, and its connection is closed: what is accepted keeps its latency, and memory stays bounded
by the bodies in flight, instead of every request slowing down together when vendors retry in a
burst.

The same count lets a stopping ingress finish what it holds: it stops listening, then waits
here for the webhooks in flight (bodies still arriving included), and only then closes the
connections. aiohttp's own shutdown would stop reading them at once.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web
from aiohttp.typedefs import Handler

from ingress.errors import error
from shared import logging

log = logging.get("verdict.ingress")

# A flood is reported as one line per this many seconds, not one line per refused request:
# writing a line each would spend the CPU the accepted webhooks need.
REPORT_SECONDS = 1.0


class Tally:
    """Refusals counted by their ``error`` code and logged as one ``event`` line a second."""

    def __init__(self, event: str, **fields: object) -> None:
        self.event = event
        self._fields = fields
        self._counts: dict[str, int] = {}
        self._report: asyncio.TimerHandle | None = None

    def count(self, code: str) -> None:
        self._counts[code] = self._counts.get(code, 0) + 1
        if self._report is None:
            self._report = asyncio.get_running_loop().call_later(REPORT_SECONDS, self.report)

    def report(self) -> None:
        """Log what was counted since the last line (at shutdown too, for the last second)."""
        if self._report is not None:
            self._report.cancel()
            self._report = None
        for code, count in sorted(self._counts.items()):
            log.warning(
                self.event,
                status=503,
                error=code,
                count=count,
                seconds=REPORT_SECONDS,
                **self._fields,
            )
        self._counts.clear()


class Admission:
    def __init__(self, max_in_flight: int, retry_after: int) -> None:
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        self._retry_after = {"Retry-After": str(retry_after)}
        self._idle = asyncio.Event()
        self._idle.set()
        self.shed = Tally("webhooks_shed", max_in_flight=max_in_flight)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Bound the webhook requests in flight (probes, scrapes and unknown paths pass)."""
        if request.match_info.get("vendor") is None:
            return await handler(request)
        if self.in_flight >= self.max_in_flight:
            self.shed.count("overloaded")
            # The body is not read; aiohttp drains what the client still sends before the
            # connection's next request.
            response = error(
                503, "overloaded", "too many webhooks in flight; retry later", **self._retry_after
            )
            # Closing the connection makes its client come back through a new one: behind a
            # load balancer, possibly to another replica; and a client that ignores Retry-After
            # cannot keep a busy process answering 503s on a kept-alive connection (4x the
            # accepted throughput under the benchmark's flood, docs/performance.md).
            response.force_close()
            return response
        self.in_flight += 1
        self._idle.clear()
        try:
            return await handler(request)
        finally:
            self.in_flight -= 1
            if not self.in_flight:
                self._idle.set()

    async def finished(self, timeout: float) -> bool:
        """True when every webhook in flight was answered within ``timeout`` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)
        self.shed.report()
        return self._idle.is_set()
