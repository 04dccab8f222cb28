"""Counting the ingress's requests in flight, so a stopping ingress can let them finish.

aiohttp's own shutdown stops reading from every connection at once: a webhook whose body is
still arriving would never complete (the vendor would get a timeout). So the ingress first
stops listening, waits here for the requests already started, and only then shuts down.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web
from aiohttp.typedefs import Handler


class InFlight:
    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.count += 1
        self._idle.clear()
        try:
            return await handler(request)
        finally:
            self.count -= 1
            if not self.count:
                self._idle.set()

    async def finished(self, timeout: float) -> bool:
        """True when every request in flight finished within ``timeout`` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)
        return self._idle.is_set()
