"""What a dead letter says about itself, which ones an operator chose, and the export format.

Pure: headers and properties in, facts out; no I/O (workers/dlq.py does the broker's part).

A dead letter reaches the dead-letter queue one of two ways:
- the worker published it (workers/settle.py): it carries ``verdict-failure-*`` headers;
- the broker dead-lettered it when a quorum queue's delivery limit ran out (a worker died on it
  again and again): it carries only the broker's ``x-death``. That is read as kind ``poison``,
  reason ``delivery_limit``. Any other broker reason (``expired``, ``maxlen``, ``rejected``) is
  read as kind ``broker`` with that reason.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from aio_pika.abc import AbstractIncomingMessage, AbstractMessage

from shared import messages

POISON = "poison"
BROKER = "broker"
DELIVERY_LIMIT_REASON = "delivery_limit"
UNKNOWN = "unknown"

_X_DEATH = "x-death"
# Headers that describe one failure. A replayed message starts afresh without them (only
# verdict-first-failed-at and the replay count stay), so it gets its full retries again.
_FAILURE_HEADERS = (
    messages.FAILURE_KIND,
    messages.FAILURE_REASON,
    messages.FAILURE_ERROR,
    messages.ATTEMPTS,
    messages.LAST_FAILED_AT,
)


class DeadLetter(msgspec.Struct, frozen=True, kw_only=True):
    """One dead letter as an operator sees it; never the body's content."""

    message_id: str | None
    vendor: str
    kind: str
    reason: str
    error: str | None = None
    attempts: int | None = None
    first_failed_at: datetime | None = None
    last_failed_at: datetime | None = None
    replays: int = 0
    size: int = 0


def read(message: AbstractMessage, routing_key: str | None) -> DeadLetter:
    headers = message.headers or {}
    letter = DeadLetter(
        message_id=message.message_id,
        vendor=_text(headers.get(messages.VENDOR)) or routing_key or UNKNOWN,
        kind=_text(headers.get(messages.FAILURE_KIND)) or UNKNOWN,
        reason=_text(headers.get(messages.FAILURE_REASON)) or UNKNOWN,
        error=_text(headers.get(messages.FAILURE_ERROR)) or None,
        attempts=_int(headers.get(messages.ATTEMPTS)),
        first_failed_at=_time(headers.get(messages.FIRST_FAILED_AT)),
        last_failed_at=_time(headers.get(messages.LAST_FAILED_AT)),
        replays=_int(headers.get(messages.REPLAYS)) or 0,
        size=len(message.body),
    )
    death = _latest_death(headers)
    if death is None:
        return letter
    # The broker put it here. Any verdict-failure-* headers are from an earlier failure that
    # was retried; the broker's reason is the one that counts now.
    reason = _text(death.get("reason")) or UNKNOWN
    when = death.get("time")
    died_at = when if isinstance(when, datetime) else None
    return msgspec.structs.replace(
        letter,
        kind=POISON if reason == DELIVERY_LIMIT_REASON else BROKER,
        reason=reason,
        error=f"dead-lettered by the broker from {_text(death.get('queue')) or 'a queue'}",
        attempts=None,
        first_failed_at=letter.first_failed_at or died_at,
        last_failed_at=died_at,
    )


class Selection(msgspec.Struct, frozen=True, kw_only=True):
    """The operator's filters; an empty one chooses every dead letter."""

    vendors: frozenset[str] = frozenset()
    reasons: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()
    # The start of a message id (``verdict dlq show`` takes one, as git takes a commit's).
    id_prefix: str | None = None
    # Compared with when the message was (last) dead-lettered.
    since: datetime | None = None
    until: datetime | None = None

    @property
    def everything(self) -> bool:
        return self == Selection()

    def chooses(self, letter: DeadLetter) -> bool:
        if self.vendors and letter.vendor not in self.vendors:
            return False
        if self.reasons and letter.reason not in self.reasons and letter.kind not in self.reasons:
            return False
        if self.ids and letter.message_id not in self.ids:
            return False
        if self.id_prefix is not None and not (
            letter.message_id is not None and letter.message_id.startswith(self.id_prefix)
        ):
            return False
        if self.since is None and self.until is None:
            return True
        when = letter.last_failed_at
        if when is None:
            return False
        return (self.since is None or when >= self.since) and (
            self.until is None or when < self.until
        )


def parse_time(text: str, now: datetime | None = None) -> datetime:
    """An ISO 8601 time (UTC unless it says otherwise) or an age: ``90s``, ``30m``, ``7d``."""
    now = now or datetime.now(UTC)
    units = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
    text = text.strip()
    if text[-1:] in units and text[:-1].isdigit():
        return now - timedelta(**{units[text[-1]]: int(text[:-1])})
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is neither an ISO 8601 time nor an age like 30m") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def replay_headers(headers: Mapping[str, Any]) -> dict[str, Any]:
    """The headers a replayed message goes back with: the ingress's, the first failure time,
    and one more replay. The broker's ``x-`` headers stay behind."""
    kept = {
        name: value
        for name, value in headers.items()
        if not name.startswith("x-") and name not in _FAILURE_HEADERS
    }
    kept[messages.REPLAYS] = (_int(headers.get(messages.REPLAYS)) or 0) + 1
    return kept


# --- export / import: one JSON object per line ---------------------------------------------------


class Properties(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Every AMQP property of a dead letter but ``headers`` (kept apart) and ``expiration``
    (a dead letter has none), under aio-pika's names."""

    content_type: str | None = None
    content_encoding: str | None = None
    priority: int | None = None
    correlation_id: str | None = None
    reply_to: str | None = None
    message_id: str | None = None
    timestamp: datetime | None = None
    type: str | None = None
    user_id: str | None = None
    app_id: str | None = None
    cluster_id: str | None = None


class Record(msgspec.Struct, frozen=True, kw_only=True):
    """One exported dead letter. ``body`` is base64; ``headers`` are as they were in the queue
    (the broker's ``x-death`` included, for the record; ``import`` does not write it back)."""

    letter: DeadLetter
    routing_key: str | None
    properties: Properties
    headers: dict[str, Any]
    body: str


def to_record(message: AbstractIncomingMessage, routing_key: str | None) -> Record:
    return Record(
        letter=read(message, routing_key),
        routing_key=routing_key,
        properties=Properties(
            content_type=message.content_type,
            content_encoding=message.content_encoding,
            priority=message.priority,
            correlation_id=message.correlation_id,
            reply_to=message.reply_to,
            message_id=message.message_id,
            timestamp=message.timestamp,
            type=message.type,
            user_id=message.user_id,
            app_id=message.app_id,
            cluster_id=message.cluster_id,
        ),
        headers=msgspec.to_builtins(dict(message.headers or {})),
        body=base64.b64encode(message.body).decode("ascii"),
    )


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Record)


def encode(record: Record) -> bytes:
    return _encoder.encode(record) + b"\n"


def decode(line: bytes) -> Record:
    return _decoder.decode(line)


def imported_message(record: Record) -> tuple[bytes, dict[str, Any], Properties]:
    """Body, headers and properties to put an exported dead letter back in the queue.

    The broker's headers are not ours to write: what they said (a poison message's
    ``delivery_limit``) is carried over as ``verdict-failure-*`` headers instead.
    """
    headers = {k: v for k, v in record.headers.items() if not k.startswith("x-")}
    letter = record.letter
    translated = {
        messages.FAILURE_KIND: letter.kind,
        messages.FAILURE_REASON: letter.reason,
        messages.FAILURE_ERROR: letter.error,
        messages.ATTEMPTS: letter.attempts,
        messages.FIRST_FAILED_AT: _iso(letter.first_failed_at),
        messages.LAST_FAILED_AT: _iso(letter.last_failed_at),
    }
    for name, value in translated.items():
        if value is not None and name not in headers:
            headers[name] = value
    # Exports made before properties carried the message id have it in the letter only.
    properties = msgspec.structs.replace(
        record.properties, message_id=record.properties.message_id or letter.message_id
    )
    return base64.b64decode(record.body, validate=True), headers, properties


def _latest_death(headers: Mapping[str, Any]) -> Mapping[str, Any] | None:
    deaths = headers.get(_X_DEATH)
    if isinstance(deaths, Iterable) and not isinstance(deaths, str | bytes):
        for death in deaths:  # the broker puts the most recent first
            if isinstance(death, Mapping):
                return death
    return None


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _int(value: object) -> int | None:
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None


def _time(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(_text(value)) if value else None
    except ValueError:
        return None
    return parsed if parsed is None or parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
