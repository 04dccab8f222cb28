"""Reading a webhook's body within the vendor's size limit and the read timeout.

The limit is checked on the bytes as they arrive (after any Content-Encoding is undone), so a
chunked or compressed body cannot grow past it in memory; Content-Length is checked before this.
"""

from __future__ import annotations

import asyncio

from aiohttp import StreamReader, web

# A webhook's body as read: bytes when it came with its headers, else a bytearray grown as it
# arrives, so that a body of several MB is not held twice (its chunks and their join), and a
# client holds only what it has sent, not what it announced.
Body = bytes | bytearray


class BodyTooLarge(Exception):
    pass


class BodyTooSlow(Exception):
    pass


class BodyUndecodable(Exception):
    """The body is not in the Content-Encoding its headers name (or the chunking is broken)."""


async def read_body(content: StreamReader, limit: int, timeout: float) -> Body:
    """The whole body, or :class:`BodyTooLarge`, :class:`BodyTooSlow` or
    :class:`BodyUndecodable` as soon as it is any of those."""
    try:
        return await _read(content, limit, timeout)
    except web.RequestPayloadError as exc:
        raise BodyUndecodable(str(exc.__cause__ or exc).splitlines()[0]) from None


async def _read(content: StreamReader, limit: int, timeout: float) -> Body:
    if content.is_eof():
        # The whole body came with the headers (most webhooks): nothing to wait for or time.
        body = content.read_nowait()
        if len(body) > limit:
            raise BodyTooLarge
        return body
    buffer = bytearray()
    try:
        async with asyncio.timeout(timeout):
            while chunk := await content.readany():
                if len(buffer) + len(chunk) > limit:
                    raise BodyTooLarge
                buffer += chunk
    except TimeoutError:
        raise BodyTooSlow from None
    return buffer
