"""Signatures over the body: a vendor's own HMAC header, and Standard Webhooks.

Keys are set up once per vendor at start-up; each request copies a keyed HMAC and feeds it the
body. Every comparison is constant-time, and every configured secret is tried (rotation).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import math
import time
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

import msgspec

from ingress.body import Body

Headers = Mapping[str, str]  # aiohttp's case-insensitive request headers

_TIMESTAMP_DIGITS = 12


def _bytes(text: str) -> bytes:
    # aiohttp decodes header bytes that are not UTF-8 with surrogateescape; give them back as is.
    return text.encode("utf-8", "surrogateescape")


def _from_hex(text: str) -> bytes | None:
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def _from_base64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _keyed(secrets: Iterable[bytes], algorithm: str) -> tuple[hmac.HMAC, ...]:
    return tuple(hmac.new(secret, digestmod=algorithm) for secret in secrets)


def _matches(keys: tuple[hmac.HMAC, ...], given: bytes, *parts: Body) -> bool:
    matched = False
    for key in keys:
        mac = key.copy()
        for part in parts:
            mac.update(part)
        matched |= hmac.compare_digest(mac.digest(), given)
    return matched


class HmacSignature:
    """``<header>: <prefix><hex or base64 HMAC of the body>``."""

    needs_body = True
    challenge = None

    def __init__(
        self,
        *,
        header: str,
        algorithm: str,
        encoding: str,
        prefix: str,
        secrets: Iterable[bytes],
        compact_json: bool,
        algorithm_header: str | None = None,
        algorithms: Iterable[str] = (),
    ) -> None:
        self._header = header
        self._prefix = prefix.lower()
        self._decode = _from_hex if encoding == "hex" else _from_base64
        secrets = tuple(secrets)
        self._keys = _keyed(secrets, algorithm)
        # Sumsub names the algorithm of each signature in a header of its own: only those the
        # configuration accepts are tried, anything else is refused.
        self._algorithm_header = algorithm_header
        self._keys_by_algorithm = {name: _keyed(secrets, name) for name in algorithms}
        self._compact_json = compact_json
        self.credential_headers = frozenset({header.lower()})

    def verify(self, headers: Headers, body: Body) -> bool:
        value = headers.get(self._header)
        if value is None or value[: len(self._prefix)].lower() != self._prefix:
            return False
        given = self._decode(value[len(self._prefix) :].strip())
        if given is None:
            return False
        keys = self._keys
        if self._algorithm_header is not None:
            named = _ALGORITHM_NAMES.get(headers.get(self._algorithm_header, "").strip().upper())
            if named not in self._keys_by_algorithm:
                return False
            keys = self._keys_by_algorithm[named]
        if _matches(keys, given, body):
            return True
        if not self._compact_json:
            return False
        compact = compact_json(body)
        return compact is not None and _matches(keys, given, compact)


# An algorithm header's values (Sumsub's X-Payload-Digest-Alg), and the plain names.
_ALGORITHM_NAMES = {
    **{f"HMAC_{name.upper()}_HEX": name for name in ("sha1", "sha256", "sha512")},
    **{name.upper(): name for name in ("sha1", "sha256", "sha512")},
}


class TimestampedSignature:
    """``<header>: t=<unix seconds>,v1=<hex HMAC-SHA256 of "{t}.{body}">`` (Persona; several
    sets space-separated while a secret rotates), with ``t`` within the tolerance either way."""

    needs_body = True
    challenge = None

    def __init__(
        self,
        *,
        header: str,
        secrets: Iterable[bytes],
        tolerance: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._header = header
        self._keys = _keyed(secrets, "sha256")
        self._tolerance = tolerance
        self._clock = clock
        self.credential_headers = frozenset({header.lower()})

    def verify(self, headers: Headers, body: Body) -> bool:
        value = headers.get(self._header)
        if not value:
            return False
        matched = False
        for entry in value.split():
            pairs = dict(part.partition("=")[::2] for part in entry.split(","))
            timestamp, signature = pairs.get("t", ""), pairs.get("v1", "")
            # Seconds since 1970 have 10 digits until 2286; more could only overflow below.
            if (
                not (timestamp.isascii() and timestamp.isdigit())
                or len(timestamp) > _TIMESTAMP_DIGITS
            ):
                continue
            if abs(self._clock() - int(timestamp)) > self._tolerance:
                continue  # too old (a replay) or too far ahead
            given = _from_hex(signature)
            if given is not None:
                matched |= _matches(self._keys, given, _bytes(f"{timestamp}."), body)
        return matched


class StandardWebhooksSignature:
    """``webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`` (one or more,
    space-separated), with ``webhook-timestamp`` within the tolerance either way."""

    needs_body = True
    challenge = None
    credential_headers = frozenset({"webhook-signature"})

    def __init__(
        self,
        *,
        secrets: Iterable[bytes],
        tolerance: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._keys = _keyed(secrets, "sha256")
        self._tolerance = tolerance
        self._clock = clock

    @staticmethod
    def decode_secret(secret: str) -> bytes | None:
        """The key of a ``whsec_<base64>`` secret (the prefix is optional)."""
        return _from_base64(secret.removeprefix("whsec_"))

    def verify(self, headers: Headers, body: Body) -> bool:
        message_id = headers.get("webhook-id")
        timestamp = headers.get("webhook-timestamp")
        signatures = headers.get("webhook-signature")
        if not message_id or not timestamp or not signatures:
            return False
        # Seconds since 1970 have 10 digits until the year 2286; a longer value from a client
        # would only make the arithmetic below overflow (a 500, before anyone is authenticated).
        if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > _TIMESTAMP_DIGITS:
            return False
        if abs(self._clock() - int(timestamp)) > self._tolerance:
            return False  # too old (a replay) or too far ahead
        signed = _bytes(f"{message_id}.{timestamp}.")
        matched = False
        for entry in signatures.split():
            version, _, signature = entry.partition(",")
            given = _from_base64(signature) if version == "v1" else None
            if given is not None:
                matched |= _matches(self._keys, given, signed, body)
        return matched


def _js_number(literal: str) -> msgspec.Raw:
    """A JSON number as JavaScript's ``JSON.stringify`` writes it (``1.0`` → ``1``)."""
    value = float(literal)
    if not math.isfinite(value):
        return msgspec.Raw(b"null")
    if value == 0:
        return msgspec.Raw(b"0")
    if 1e-6 <= abs(value) < 1e21:
        return msgspec.Raw(format(Decimal(repr(value)).normalize(), "f").encode())
    mantissa, _, exponent = repr(value).partition("e")
    return msgspec.Raw(f"{mantissa}e{int(exponent):+d}".encode())


_AS_JAVASCRIPT_PARSES = msgspec.json.Decoder(float_hook=_js_number)


def compact_json(body: Body) -> bytes | None:
    """The body as ``JSON.stringify(JSON.parse(body))`` gives it, or None if it is not JSON.

    This is what MetaMap's own SDK signs; the raw body is checked first and this only if that
    failed, so a body is parsed here only for MetaMap's second chance.
    """
    try:
        return msgspec.json.encode(_AS_JAVASCRIPT_PARSES.decode(body))
    except (msgspec.DecodeError, ValueError):
        return None
