"""No header value an unauthenticated client sends makes the ingress answer 500 (or nothing).

Every header the ingress parses is drawn by hypothesis (signatures, timestamps, ids,
X-Forwarded-For, Authorization, Content-Length, Content-Encoding) and sent on a raw socket, so
that malformed values reach the server as a client would send them, not as an HTTP library
would clean them up. Every vendor is configured with a different method, behind a trusted proxy
and an allow-list, so every parser is in the path.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator

import msgspec
import pytest
from aiohttp.test_utils import BaseTestServer, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingress.app import create_app
from shared.broker import Broker
from shared.settings import Settings
from tests.ingress.helpers import configured

BODY = b'{"event": "Finished Journey", "body": {"eventId": "e-1"}}'
SECRET = base64.b64encode(b"k" * 32).decode()

VENDORS = {
    "incode": {"auth": ["standard-webhooks"], "standard-webhooks": {"secrets": [SECRET]}},
    "w2": {"auth": ["hmac"], "hmac": {"secrets": ["s"], "encoding": "base64", "prefix": "v1="}},
    "idwise": {"auth": ["basic", "bearer"], "require": "any", "basic": {"user": "u",
               "passwords": ["p"]}, "bearer": {"tokens": ["t"]}},
    "metamap": {"auth": ["header"], "header": {"name": "x-api-key", "values": ["v"]},
                "hmac": {"secrets": ["s"]}},
}  # fmt: skip
PROXIED = {"trusted_proxies": ["127.0.0.0/8", "10.0.0.0/8"], "allow_from": ["10.1.0.0/16"]}

# What a client can put in a header value: printable ASCII, spaces, tabs and obs-text (bytes
# 0x80-0xFF, which servers must tolerate); never CR or LF, which would end the header.
VALUE = st.text(
    st.characters(codec="latin-1", exclude_characters="\r\n\x00", exclude_categories=["Cc"])
    | st.sampled_from("\t"),
    max_size=120,
) | st.sampled_from(
    ["", " ", "0", "-1", "1" * 400, "9" * 5000, "1e999", "nan", "v1,", "v1,!!!", "t=,v1=",
     "Basic", "Basic !!", "Bearer ", "gzip", "br", "deflate, gzip", "identity", "10.1.2.3",
     "10.1.2.3, 999.1.1.1", ", ,", "::1", "::ffff:10.1.0.1", "%00", "ab" * 64]
)  # fmt: skip
PARSED_HEADERS = (
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "x-signature",
    "x-api-key",
    "authorization",
    "x-forwarded-for",
    "content-encoding",
    "content-type",
)


@pytest.fixture
async def server(config: Settings, broker: Broker) -> AsyncIterator[BaseTestServer]:
    tables = {vendor: {**table, **PROXIED} for vendor, table in VENDORS.items()}
    # A Content-Length past the body leaves the server waiting for the rest: 408, soon.
    settings = msgspec.structs.replace(configured(config, **tables), read_timeout=0.2)
    async with TestServer(create_app(settings, broker), host="127.0.0.1") as server:
        yield server


async def _status(server: BaseTestServer, request: bytes) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(request)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()
    assert status_line.startswith(b"HTTP/1."), f"no HTTP answer: {status_line!r}"
    return int(status_line.split()[1])


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    vendor=st.sampled_from(sorted(VENDORS)),
    headers=st.dictionaries(st.sampled_from(PARSED_HEADERS), VALUE, max_size=len(PARSED_HEADERS)),
    content_length=st.one_of(
        st.none(),
        st.sampled_from(["", "-1", "abc", "1" * 400, " 10", "0x10", "1, 2", str(len(BODY) + 5)]),
    ),
)
async def test_no_header_value_makes_a_500(
    server: BaseTestServer, vendor: str, headers: dict[str, str], content_length: str | None
) -> None:
    lines = [f"POST /webhooks/{vendor} HTTP/1.1", "Host: verdict", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(BODY) if content_length is None else content_length}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + BODY

    status = await _status(server, request)

    assert status != 500
    assert status in {202, 400, 401, 403, 408, 413, 503}, status
