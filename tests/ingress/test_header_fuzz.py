"""No header value an unauthenticated client sends makes the ingress answer 500 (or nothing).

Every header the ingress parses is drawn by hypothesis (signatures, timestamps, ids,
X-Forwarded-For, Authorization, Content-Length, Content-Encoding) and sent on a raw socket, so
that malformed values reach the server as a client would send them, not as an HTTP library
would clean them up. Each vendor is configured with other methods, one behind a trusted proxy
and an allow-list, so that every parser is in the path; each header is drawn from values
plausible enough to get past the checks before it, and from anything at all.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from aiohttp.test_utils import BaseTestServer, TestServer
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingress.app import create_app
from shared.broker import Broker
from shared.settings import Settings
from tests.ingress.helpers import configured

BODY = b'{"event": "Finished Journey", "body": {"eventId": "e-1"}}'
SECRET = base64.b64encode(b"k" * 32).decode()

VENDORS: dict[str, dict[str, Any]] = {
    "incode": {"auth": ["standard-webhooks"], "standard-webhooks": {"secrets": [SECRET]}},
    "w2": {"auth": ["hmac"], "hmac": {"secrets": ["s"], "encoding": "base64", "prefix": "v1="}},
    "idwise": {"auth": ["basic", "bearer"], "require": "any", "basic": {"user": "u",
               "passwords": ["p"]}, "bearer": {"tokens": ["t"]}},
    # Behind a trusted proxy, with an allow-list: X-Forwarded-For is parsed.
    "metamap": {"auth": ["header", "hmac"], "require": "any",
                "header": {"name": "x-api-key", "values": ["v"]}, "hmac": {"secrets": ["s"]},
                "trusted_proxies": ["127.0.0.0/8", "10.0.0.0/8"], "allow_from": ["10.1.0.0/16"]},
    # The algorithm named in a header of its own (Sumsub), and a timestamped signature (Persona).
    "sumsub": {"hmac": {"secrets": ["s"], "algorithms": ["sha1", "sha256", "sha512"]}},
    "persona": {"hmac-timestamped": {"secrets": ["s"]}},
}  # fmt: skip

# What a client can put in a header value: printable ASCII, spaces, tabs and obs-text (bytes
# 0x80-0xFF, which servers must tolerate); never CR or LF, which would end the header.
ANY = st.text(
    st.characters(codec="latin-1", exclude_characters="\r\n\x00", exclude_categories=["Cc"])
    | st.sampled_from("\t"),
    max_size=120,
)
DIGITS = (
    st.integers(min_value=0, max_value=10**600).map(str)
    | st.integers(min_value=1, max_value=5000).map("9".__mul__)  # of every length, up to past
    | st.from_regex(r"\A-?[0-9]{0,30}\Z")  # Python's limit on int() of a str
)
BASE64 = st.binary(max_size=80).map(lambda raw: base64.b64encode(raw).decode())
ADDRESS = st.ip_addresses().map(str) | st.sampled_from(["10.1.2.3", "::ffff:10.1.0.1", "999.1.1.1"])
# Each header: plausible values (to get past the checks before it) or anything at all.
HEADERS = {
    "webhook-id": ANY,
    "webhook-timestamp": DIGITS | ANY,
    "webhook-signature": st.lists(BASE64.map("v1,{}".format) | ANY, max_size=3).map(" ".join),
    "x-signature": BASE64.map("v1={}".format) | st.binary(max_size=64).map(bytes.hex) | ANY,
    "x-api-key": st.sampled_from(["v", "V", "v "]) | ANY,
    "authorization": st.sampled_from(["Basic ", "Bearer ", "basic ", ""]).flatmap(
        lambda scheme: (BASE64 | ANY).map(scheme.__add__)
    ),
    "x-payload-digest": st.binary(max_size=64).map(bytes.hex) | ANY,
    "x-payload-digest-alg": st.sampled_from(["HMAC_SHA1_HEX", "HMAC_SHA512_HEX", "sha256"]) | ANY,
    "persona-signature": st.lists(
        st.tuples(DIGITS | ANY, st.binary(max_size=40).map(bytes.hex) | ANY).map(
            lambda pair: f"t={pair[0]},v1={pair[1]}"
        )
        | ANY,
        max_size=3,
    ).map(" ".join),
    "x-forwarded-for": st.lists(ADDRESS | ANY, max_size=4).map(", ".join),
    "content-encoding": st.sampled_from(["gzip", "deflate", "br", "identity", "gzip, br"]) | ANY,
    "content-type": st.sampled_from(["application/json", "text/plain; charset=utf-8"]) | ANY,
}
READ_BY = {
    "incode": ("webhook-id", "webhook-timestamp", "webhook-signature"),
    "w2": ("x-signature",),
    "idwise": ("authorization",),
    "metamap": ("x-forwarded-for", "x-api-key", "x-signature"),
    "sumsub": ("x-payload-digest", "x-payload-digest-alg"),
    "persona": ("persona-signature",),
}
CONTENT_LENGTH = st.sampled_from(
    ["", "-1", "abc", "1" * 400, " 10", "0x10", "1, 2", str(len(BODY) + 5)]
) | st.integers(min_value=0, max_value=len(BODY)).map(str)


@pytest.fixture
async def server(config: Settings, broker: Broker) -> AsyncIterator[BaseTestServer]:
    # A Content-Length past the body leaves the server waiting for the rest: 408, soon.
    settings = msgspec.structs.replace(configured(config, **VENDORS), read_timeout=0.2)
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
    max_examples=800,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    request=st.sampled_from(sorted(VENDORS)).flatmap(
        lambda vendor: st.tuples(
            st.just(vendor),
            # The headers the vendor's own checks read are always sent, the others sometimes.
            st.fixed_dictionaries(
                {name: HEADERS[name] for name in READ_BY[vendor]},
                optional={name: HEADERS[name] for name in HEADERS if name not in READ_BY[vendor]},
            ),
        )
    ),
    content_length=st.none() | CONTENT_LENGTH,
)
# Found before, kept: a timestamp of 400 digits overflowed; an accepted webhook whose forwarded
# header held a byte that is not UTF-8 could not be encoded for the broker.
@example(
    request=("incode", {"webhook-id": "x", "webhook-timestamp": "9" * 400,
                        "webhook-signature": "v1,AAAA"}),
    content_length=None,
)  # fmt: skip
@example(request=("metamap", {"x-forwarded-for": "10.1.2.3", "x-api-key": "v",
                              "webhook-id": "\xa0"}), content_length=None)  # fmt: skip
async def test_no_header_value_makes_a_500(
    server: BaseTestServer, request: tuple[str, dict[str, str]], content_length: str | None
) -> None:
    vendor, headers = request
    lines = [f"POST /webhooks/{vendor} HTTP/1.1", "Host: verdict", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(BODY) if content_length is None else content_length}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + BODY

    status = await _status(server, raw)

    assert status != 500
    assert status in {202, 400, 401, 403, 408, 413, 503}, status
