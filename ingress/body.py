"""Reading a webhook's body within the vendor's size limit and the read timeout.

The limit is checked on the bytes as they arrive (after any Content-Encoding is undone), so a
chunked or compressed body cannot grow past it in memory; Content-Length is checked before this.
"""

from __future__ import annotations

import asyncio

from aiohttp import StreamReader


class BodyTooLarge(Exception):
    pass


class BodyTooSlow(Exception):
    pass


async def read_body(content: StreamReader, limit: int, timeout: float) -> bytes:
    """The whole body, or :class:`BodyTooLarge` / :class:`BodyTooSlow` as soon as it is either."""
    if content.is_eof():
        # The whole body came with the headers (most webhooks): nothing to wait for or time.
        body = content.read_nowait()
        if len(body) > limit:
            raise BodyTooLarge
        return body
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            while chunk := await content.readany():
                size += len(chunk)
                if size > limit:
                    raise BodyTooLarge
                chunks.append(chunk)
    except TimeoutError:
        raise BodyTooSlow from None
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
