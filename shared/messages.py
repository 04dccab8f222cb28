"""The inbound message: how a webhook travels from the ingress to a worker, and its headers.

All of the pipeline's own AMQP headers start with ``verdict-``; names beginning with ``x-``
belong to the broker (``x-death`` and friends) and are never written here.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

import aio_pika
import msgspec
from aio_pika.abc import AbstractMessage, DeliveryMode
from aiormq import spec

HEADER_PREFIX = "verdict-"
VENDOR = HEADER_PREFIX + "vendor"
RECEIVED_AT = HEADER_PREFIX + "received-at"
HTTP_HEADERS = HEADER_PREFIX + "http-headers"
# Written when a message fails (workers/settle.py) and read by the dead-letter CLI.
FAILURE_KIND = HEADER_PREFIX + "failure-kind"
FAILURE_REASON = HEADER_PREFIX + "failure-reason"
FAILURE_ERROR = HEADER_PREFIX + "failure-error"
ATTEMPTS = HEADER_PREFIX + "attempts"
FIRST_FAILED_AT = HEADER_PREFIX + "first-failed-at"
LAST_FAILED_AT = HEADER_PREFIX + "last-failed-at"
REPLAYS = HEADER_PREFIX + "replays"

# Request headers that carry credentials never travel further than the ingress.
_CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "x-api-key", "webhook-signature"}
)
_CREDENTIAL_WORDS = ("signature", "token", "secret", "password", "api-key", "apikey")
# An AMQP short string, such as the content_type property, holds at most 255 bytes.
_MAX_CONTENT_TYPE_BYTES = 255


class MalformedEnvelope(Exception):
    """A message on an inbound queue that the ingress did not make (headers missing or wrong)."""


class Inbound(msgspec.Struct, frozen=True, kw_only=True):
    """A webhook as the ingress received it."""

    message_id: str
    vendor: str
    body: bytes
    content_type: str | None
    received_at: datetime
    http_headers: dict[str, str]


@functools.lru_cache(maxsize=1024)
def is_credential(lowered: str, extra: frozenset[str] = frozenset()) -> bool:
    """Whether a header (its name lower-cased) carries credentials; ``extra``: more such names.

    Cached: the same few header names come with every request.
    """
    return (
        lowered in _CREDENTIAL_HEADERS
        or any(word in lowered for word in _CREDENTIAL_WORDS)
        or lowered in extra
    )


def forwardable_headers(
    headers: Iterable[tuple[str, str]], secret_names: frozenset[str] = frozenset()
) -> dict[str, str]:
    """The request's headers, names lower-cased, less credentials; repeated ones joined.

    ``secret_names``: the vendor's own credential headers, lower-cased.
    """
    kept: dict[str, str] = {}
    for name, raw in headers:
        lowered = name.lower()
        if is_credential(lowered, secret_names):
            continue
        value = utf8(raw)
        kept[lowered] = f"{kept[lowered]}, {value}" if lowered in kept else value
    return kept


def utf8(text: str) -> str:
    """A request header's value as text an AMQP string can carry.

    aiohttp gives bytes that are not UTF-8 as lone surrogates (surrogateescape), which cannot be
    encoded: they become U+FFFD here, instead of failing the publish.
    """
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def new_message_id() -> str:
    return uuid.uuid4().hex


def inbound_properties(
    *,
    vendor: str,
    content_type: str | None,
    http_headers: Mapping[str, str],
    message_id: str | None = None,
    received_at: datetime | None = None,
) -> spec.Basic.Properties:
    """The AMQP properties of an inbound message: what the ingress publishes with the body."""
    received_at = received_at or datetime.now(UTC)
    if content_type is not None:
        content_type = utf8(content_type)
    if content_type is not None and len(content_type.encode()) > _MAX_CONTENT_TYPE_BYTES:
        # AMQP's content_type is a short string; a longer one (no vendor sends one) travels only
        # in the forwarded request headers.
        content_type = None
    return spec.Basic.Properties(
        message_id=message_id or new_message_id(),
        timestamp=received_at,
        content_type=content_type,
        delivery_mode=DeliveryMode.PERSISTENT.value,
        headers={
            VENDOR: vendor,
            RECEIVED_AT: received_at.isoformat(),
            HTTP_HEADERS: dict(http_headers),
        },
    )


def inbound_message(
    *,
    vendor: str,
    body: bytes,
    content_type: str | None,
    http_headers: Mapping[str, str],
    message_id: str | None = None,
    received_at: datetime | None = None,
) -> aio_pika.Message:
    """The same inbound message for aio-pika (tools and tests that publish through it)."""
    properties = inbound_properties(
        vendor=vendor,
        content_type=content_type,
        http_headers=http_headers,
        message_id=message_id,
        received_at=received_at,
    )
    return aio_pika.Message(
        body,
        message_id=properties.message_id,
        timestamp=properties.timestamp,
        content_type=content_type,
        delivery_mode=DeliveryMode.PERSISTENT,
        headers=properties.headers,
    )


class PropertySource(Protocol):
    """A message's properties under aio-pika's names: an incoming message, or an exported one."""

    @property
    def content_type(self) -> str | None: ...
    @property
    def content_encoding(self) -> str | None: ...
    @property
    def priority(self) -> int | None: ...
    @property
    def correlation_id(self) -> str | None: ...
    @property
    def reply_to(self) -> str | None: ...
    @property
    def message_id(self) -> str | None: ...
    @property
    def timestamp(self) -> datetime | None: ...
    @property
    def type(self) -> str | None: ...
    @property
    def user_id(self) -> str | None: ...
    @property
    def app_id(self) -> str | None: ...
    @property
    def cluster_id(self) -> str | None: ...


def copy_properties(source: PropertySource, headers: Mapping[str, Any]) -> spec.Basic.Properties:
    """The properties for a copy of a message (a retry, a dead letter, a replay, a dead letter
    moved within its queue): every one of the original's, with ``headers``, persistent.

    ``expiration`` is the one left behind, as RabbitMQ leaves it behind when it dead-letters a
    message: a copy kept for later must not vanish on the original's deadline.
    """
    return spec.Basic.Properties(
        content_type=source.content_type,
        content_encoding=source.content_encoding,
        headers=dict(headers),
        delivery_mode=DeliveryMode.PERSISTENT.value,
        priority=source.priority,
        correlation_id=source.correlation_id,
        reply_to=source.reply_to,
        message_id=source.message_id,
        timestamp=source.timestamp,
        message_type=source.type,
        user_id=source.user_id,
        app_id=source.app_id,
        cluster_id=source.cluster_id or "",  # pamqp's type: empty for none
    )


def read_inbound(message: AbstractMessage) -> Inbound:
    headers = message.headers or {}
    vendor = headers.get(VENDOR)
    received_at = _text(headers.get(RECEIVED_AT))
    http_headers = headers.get(HTTP_HEADERS, {})
    if not isinstance(vendor, str | bytes) or not vendor or message.message_id is None:
        raise MalformedEnvelope("missing verdict-vendor header or message_id")
    if not isinstance(http_headers, dict):
        raise MalformedEnvelope("verdict-http-headers is not a table")
    try:
        received = datetime.fromisoformat(received_at) if received_at else None
    except ValueError:
        raise MalformedEnvelope("verdict-received-at is not an ISO 8601 time") from None
    return Inbound(
        message_id=message.message_id,
        vendor=_text(vendor),
        body=message.body,
        content_type=message.content_type,
        received_at=received or message.timestamp or datetime.now(UTC),
        http_headers={str(k).lower(): _text(v) for k, v in http_headers.items()},
    )


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)
