"""Reading a webhook's body within the vendor's size limit and the read timeout.

The limit is checked on the bytes as they arrive (after any Content-Encoding is undone), so a
chunked or compressed body cannot grow past it in memory; Content-Length is checked before this.
"""

from __future__ import annotations

import asyncio

from aiohttp import StreamReader

# A webhook's body as read: a bytearray when its length was announced, filled in place as it
# arrives, so that a body of several MB is not held twice (its chunks and their join).
Body = bytes | bytearray


class BodyTooLarge(Exception):
    pass


class BodyTooSlow(Exception):
    pass


async def read_body(
    content: StreamReader, limit: int, timeout: float, length: int | None = None
) -> Body:
    """The whole body, or :class:`BodyTooLarge` / :class:`BodyTooSlow` as soon as it is either.

    ``length``: the announced Content-Length (already checked against ``limit``), if any and
    if the body is not compressed (aiohttp undoes a Content-Encoding, and then it is not the
    length of what arrives here).
    """
    if content.is_eof():
        # The whole body came with the headers (most webhooks): nothing to wait for or time.
        body = content.read_nowait()
        if len(body) > limit:
            raise BodyTooLarge
        return body
    if length is not None:
        return await _read_into(content, length, timeout)
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


async def _read_into(content: StreamReader, length: int, timeout: float) -> bytearray:
    buffer = bytearray(length)
    view = memoryview(buffer)
    size = 0
    try:
        async with asyncio.timeout(timeout):
            while chunk := await content.readany():
                if size + len(chunk) > length:
                    raise BodyTooLarge
                view[size : size + len(chunk)] = chunk
                size += len(chunk)
    except TimeoutError:
        raise BodyTooSlow from None
    finally:
        view.release()
    # aiohttp ends a body shorter than announced with an error; this is only a second guard.
    del buffer[size:]
    return buffer
