"""Addresses, sizes, methods, slow clients: each refusal has its status and JSON error code, and
nothing refused reaches the broker (real RabbitMQ)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

from tests.ingress.helpers import Accept, NothingPublished, StartIngress

BODY = b'{"id": "case-1", "caseId": "c-1"}'
NONE = {"auth": ["none"]}


async def test_address_allow_list(
    ingress: StartIngress, accept: Accept, nothing_published: NothingPublished
) -> None:
    client = await ingress(
        metamap={**NONE, "allow_from": ["52.55.16.54", "52.5.135.13/32"]},
        w2={**NONE, "allow_from": ["127.0.0.0/8"]},
    )
    response = await client.post("/webhooks/metamap", data=BODY)
    assert response.status == 403
    assert (await response.json())["error"] == "address_not_allowed"
    # X-Forwarded-For is not believed from a peer that is not a trusted proxy.
    response = await client.post(
        "/webhooks/metamap", data=BODY, headers={"X-Forwarded-For": "52.55.16.54"}
    )
    assert response.status == 403
    await nothing_published()
    await accept(client, "w2", {}, BODY)


async def test_forwarded_for_from_a_trusted_proxy(
    ingress: StartIngress, accept: Accept, nothing_published: NothingPublished
) -> None:
    client = await ingress(
        metamap={
            **NONE,
            "allow_from": ["52.55.16.54/32"],
            "trusted_proxies": ["127.0.0.1", "10.0.0.0/8"],
        }
    )
    for forwarded in (
        "",  # no header: the proxy itself is the client
        "192.0.2.7",
        "52.55.16.54, 192.0.2.7",  # the client wrote the left part: it proves nothing
        "not-an-address, 10.0.0.1",
        "52.55.16.54, garbage",
    ):
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        response = await client.post("/webhooks/metamap", data=BODY, headers=headers)
        assert response.status == 403, forwarded
    await nothing_published()
    await accept(client, "metamap", {"X-Forwarded-For": "52.55.16.54"}, BODY)
    # Through a second trusted proxy: still the right-most address that is not a proxy.
    await accept(client, "metamap", {"X-Forwarded-For": "192.0.2.7, 52.55.16.54, 10.1.2.3"}, BODY)


async def test_unknown_vendor_and_wrong_method(ingress: StartIngress) -> None:
    client = await ingress()
    response = await client.post("/webhooks/acme", data=BODY)
    assert response.status == 404
    assert (await response.json())["error"] == "unknown_vendor"
    response = await client.get("/webhooks/w2")
    assert response.status == 405
    assert (await response.json())["error"] == "method_not_allowed"
    assert response.headers["Allow"] == "POST"


async def _chunks(size: int, count: int) -> AsyncIterator[bytes]:
    chunk = b"x" * size
    for _ in range(count):
        yield chunk


async def test_vendor_body_limit_declared_and_streamed(
    ingress: StartIngress, accept: Accept, nothing_published: NothingPublished
) -> None:
    client = await ingress(w2={**NONE, "max_body_bytes": 1024})
    response = await client.post("/webhooks/w2", data=io.BytesIO(b"x" * 1025))  # Content-Length
    assert response.status == 413
    assert await response.json() == {
        "error": "body_too_large",
        "message": "the limit is 1024 bytes",
    }
    response = await client.post("/webhooks/w2", data=_chunks(256, 64))  # chunked, no length
    assert response.status == 413
    assert (await response.json())["error"] == "body_too_large"
    await nothing_published()
    await accept(client, "w2", {}, b"x" * 1024)
    # The other vendors keep the global limit.
    await accept(client, "idwise", {}, b"x" * 4096)


async def test_credentials_are_checked_before_the_body_is_read(
    ingress: StartIngress, nothing_published: NothingPublished
) -> None:
    client = await ingress(
        w2={"auth": ["bearer"], "bearer": {"tokens": ["t"]}, "max_body_bytes": 10}
    )
    response = await client.post("/webhooks/w2", data=_chunks(1024, 4))
    assert response.status == 401
    await nothing_published()


async def test_a_client_too_slow_is_cut_off_with_408(
    ingress: StartIngress, nothing_published: NothingPublished
) -> None:
    client = await ingress(read_timeout=0.2, w2=NONE)
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(
        b"POST /webhooks/w2 HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n" + BODY
    )
    await writer.drain()
    # ...and nothing more: the rest of the promised 1000 bytes never comes.
    status_line = await asyncio.wait_for(reader.readline(), timeout=30)
    assert status_line.startswith(b"HTTP/1.1 408 ")
    head, _, _ = (await asyncio.wait_for(reader.read(4096), timeout=30)).partition(b"\r\n\r\n")
    assert b"Connection: close" in head
    writer.close()
    await nothing_published()
