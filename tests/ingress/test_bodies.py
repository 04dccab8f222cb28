"""However a body arrives (whole, in pieces, chunked, compressed), what is published is the whole
body, byte for byte (real RabbitMQ)."""

from __future__ import annotations

import asyncio
import base64
import gzip
import random
from collections.abc import AsyncIterator

from aio_pika.abc import AbstractChannel

from shared.topology import Topology
from tests.ingress.helpers import StartIngress
from tests.support import Client, take

NONE = {"auth": ["none"]}
# Large enough to arrive in many reads, and to stay large compressed: W2 sends images inline.
IMAGE = base64.b64encode(random.Random(7).randbytes(300_000))
BODY = b'{"id": "case-1", "image": "' + IMAGE + b'"}'


async def _post_in_pieces(client: Client, body: bytes, headers: bytes = b"") -> bytes:
    """POST with a Content-Length, the body written a piece at a time; the status line."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(
        b"POST /webhooks/w2 HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        + headers
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )
    for start in range(0, len(body), 50_000):
        writer.write(body[start : start + 50_000])
        await writer.drain()
        await asyncio.sleep(0.005)
    status_line = await asyncio.wait_for(reader.readline(), timeout=30)
    writer.close()
    return status_line


async def _published(channel: AbstractChannel, topology: Topology) -> bytes:
    [message] = await take(channel, topology.inbound_queue("w2"))
    return message.body


async def test_a_body_sent_in_pieces_is_published_whole(
    ingress: StartIngress, channel: AbstractChannel, topology: Topology
) -> None:
    client = await ingress(w2=NONE)
    assert b" 202 " in await _post_in_pieces(client, BODY)
    assert await _published(channel, topology) == BODY


async def test_a_compressed_body_is_published_uncompressed(
    ingress: StartIngress, channel: AbstractChannel, topology: Topology
) -> None:
    # Its Content-Length is the compressed size, below what arrives once aiohttp inflates it.
    client = await ingress(w2=NONE)
    compressed = gzip.compress(BODY)
    assert len(compressed) < len(BODY)
    assert b" 202 " in await _post_in_pieces(client, compressed, b"Content-Encoding: gzip\r\n")
    assert await _published(channel, topology) == BODY


async def test_a_chunked_body_is_published_whole(
    ingress: StartIngress, channel: AbstractChannel, topology: Topology
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(BODY), 30_000):
            yield BODY[start : start + 30_000]

    client = await ingress(w2=NONE)
    response = await client.post("/webhooks/w2", data=chunks())
    assert response.status == 202
    assert await _published(channel, topology) == BODY
