"""What every vendor adapter returns, and the helpers that keep adapters consistent.

An adapter is one pure function ``classify(body, headers) -> Classification``: bytes in, verdict
out, no I/O. It raises :class:`Undecodable` when the body matches none of the vendor's shapes
(outcome policy, rule 5); the worker dead-letters such a body with the error.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Generic, TypeAlias, TypeVar

import msgspec

from shared.outcome import Outcome, Reason

T = TypeVar("T")

UNRECOGNISED_EVENT = "unrecognised_event"
UNRECOGNISED_VALUE = "unrecognised_value"
CONTRADICTION = "contradiction"
# A verdict field the vendor left out, sent null or blank; the reason names the field.
MISSING_VALUE = "missing_value"


class Fetch(msgspec.Struct, frozen=True):
    """A result the webhook announces without carrying it: the vendor's resource that holds it,
    by its ids. The worker fetches it where the vendor's API is configured (workers/fetch/)."""

    resource: str  # "check", "report", "workflow_execution", "score", "verification"
    ids: tuple[str, ...]


# An id that goes into a URL path or query: the vendors' ids (UUIDs, hex, numbers) and nothing
# that could change the path (no "/", "?", "%" or "..").
_URL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}", re.ASCII)


def fetch(resource: str, *ids: str | None) -> Fetch | None:
    """What to fetch, when every id is one that can safely go into the vendor's URL."""
    if not ids or not all(i is not None and _URL_ID.fullmatch(i) for i in ids):
        return None
    return Fetch(resource, tuple(i for i in ids if i is not None))


class Classification(msgspec.Struct, frozen=True, kw_only=True):
    """An adapter's verdict on one event; the worker turns it into an OutcomeEvent."""

    # A routing-key word: lower case letters, digits and underscores (see :func:`slug`).
    event: str
    outcome: Outcome
    reasons: tuple[Reason, ...] = ()
    # The vendor's own ids under stable snake_case names (documented in README.md).
    subject: dict[str, str] = msgspec.field(default_factory=dict)
    # The vendor's event identity (shared/docs/vendors.md); None falls back to a hash of the body.
    identity: tuple[str, ...] | None = None
    occurred_at: datetime | None = None
    # The result the webhook only announces, where the vendor's API can give it.
    fetch: Fetch | None = None


Classifier = Callable[[bytes, Mapping[str, str]], Classification]


class Undecodable(Exception):
    """The body is not one of the vendor's shapes. The message says where it went wrong."""


def decode(
    decoder: msgspec.json.Decoder[T],
    body: bytes,
    failure: type[Exception] = Undecodable,
) -> T:
    """Decode with a vendor's decoder, turning msgspec's errors into ``failure``
    (:class:`Undecodable` for a webhook; workers/fetch/ says Malformed of an API's answer).

    msgspec's messages name the path in the body (``... - at `$.step.error```), never the
    values, so they are safe to record on a dead letter.
    """
    try:
        return decoder.decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise failure(str(exc)) from None
    except RecursionError:
        # msgspec recurses once per nesting level, even through fields it skips.
        raise failure("JSON nested too deeply") from None


def lenient_decoder(type_: type[T]) -> msgspec.json.Decoder[T]:
    """A decoder that accepts numbers and booleans sent as strings (outcome policy, rule 4)."""
    return msgspec.json.Decoder(type_, strict=False)


_NON_WORD = re.compile(r"[^a-z0-9]+")
# AMQP caps a routing key at 255 bytes and the event word shares it with outcome and vendor.
MAX_WORD = 64


def slug(name: str) -> str:
    """``"Finished Journey"`` -> ``"finished_journey"``: safe as one routing-key word.

    Capped at :data:`MAX_WORD` characters: an unknown event name comes from the body, and a
    hostile one must not make the routing key too long.
    """
    word = _NON_WORD.sub("_", name[: MAX_WORD * 4].lower()).strip("_")
    return word[:MAX_WORD].strip("_") or "unknown"


# Between the words of an enum value only whitespace, ``_`` and ``-`` are ignored.
_SEPARATORS = re.compile(r"[\s_-]+", re.ASCII)
_WORD = re.compile(r"[A-Za-z0-9]+")


def words(value: str | None) -> tuple[str, ...] | None:
    """An enum value's words in upper case: ``review needed``, ``Review-Needed`` -> REVIEW, NEEDED.

    None when the value can match nothing (outcome policy, rules 1 and 4): absent, blank, any
    non-ASCII character (upper-casing maps a long s to ``S``, and a lookalike must never become
    a verdict), or punctuation other than whitespace, ``_`` and ``-`` between words (``PASS!``).
    """
    if value is None or not value.isascii():
        return None
    parts = _SEPARATORS.split(value.strip())
    if not all(_WORD.fullmatch(part) for part in parts):
        return None
    return tuple(part.upper() for part in parts)


class EnumTable(Generic[T]):
    """A vendor's enum values under their canonical names, looked up as :func:`words` matches.

    ``reviewNeeded``, ``REVIEW_NEEDED`` and ``review needed`` all find the entry ``reviewNeeded``.
    """

    def __init__(self, entries: Mapping[str, T]) -> None:
        self._entries: dict[str, tuple[str, T]] = {}
        for name, value in entries.items():
            key = _enum_key(name)
            if key is None or key in self._entries:
                raise ValueError(f"{name!r} is not a distinct enum name")
            self._entries[key] = (name, value)

    @classmethod
    def of(cls, *names: str) -> EnumTable[str]:
        """Each name found as itself: the canonical spelling, however the vendor spelled it."""
        return EnumTable({name: name for name in names})

    def find(self, value: str | None) -> tuple[str, T] | None:
        """The entry's canonical name (for reasons a consumer can match) and its value."""
        key = _enum_key(value)
        return None if key is None else self._entries.get(key)

    def get(self, value: str | None) -> T | None:
        found = self.find(value)
        return None if found is None else found[1]

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and self.find(value) is not None


_CODE = re.compile(r"[A-Za-z0-9][!-~]*", re.ASCII)


@functools.lru_cache(maxsize=4096)
def _enum_key(value: str | None) -> str | None:
    """Words as :func:`words` reads them; else a code with punctuation
    (``documentReading.negligence``), matched whatever its case and only as itself (``PASS!`` is
    not ``PASS``)."""
    # Cached: vendors send the same few status words over and over.
    found = words(value)
    if found is not None:
        return "".join(found)
    if value is None or not _CODE.fullmatch(value.strip()):
        return None
    return value.strip().upper()


def key(value: str | None) -> str | None:
    """A vendor's text as part of an event identity: the same event in another case is one."""
    return value.strip().upper() if isinstance(value, str) else None


# Vendor text quoted in a reason, and vendor codes used as reason codes, are capped: they come
# from the body, and a reason is read by people and matched by consumers.
MAX_QUOTE = 64
MAX_CODE = 64


def quoted(value: object) -> str:
    """``repr`` of a vendor's value, cut short past :data:`MAX_QUOTE` characters."""
    if isinstance(value, str) and len(value) > MAX_QUOTE:
        return repr(value[:MAX_QUOTE]) + "..."
    return repr(value)


def code(value: str | int | None) -> str | None:
    """A vendor's code as a reason code: stripped, capped at :data:`MAX_CODE`; None if blank."""
    if value is None or isinstance(value, bool):
        return None
    return str(value).strip()[:MAX_CODE].strip() or None


def unrecognised(field: str, value: object) -> Reason:
    """Rule 2: a verdict field with a value the adapter does not know."""
    return Reason(UNRECOGNISED_VALUE, f"{field} has unrecognised value {quoted(value)}", field)


def unrecognised_event(field: str, name: str | None) -> Reason:
    """Rule 3: an event type the adapter does not know, named as the vendor sent it."""
    return Reason(UNRECOGNISED_EVENT, f"{field} {quoted(name)}", field)


def missing(field: str, message: str) -> Reason:
    """A verdict field the vendor left out (or sent null or blank)."""
    return Reason(MISSING_VALUE, message, field)


# Vendors send ids as strings, and some as numbers (W2's AlertId, a client's reference number).
# Never a bool: msgspec does not turn one into either.
Id: TypeAlias = str | int


def id_text(value: Id | None) -> str | None:
    """An id as text; None when absent or blank."""
    return None if value is None or value == "" else str(value)


def timestamp(value: str | None) -> datetime | None:
    """A vendor's event time (ISO 8601); None when absent, unparsable or .NET's "not set".

    A zone-less time is read as UTC rather than as the worker's local time. W2 sends .NET's
    ``DateTime.MinValue`` (year 1) for a time it never set.
    """
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.year <= 1:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def subject(**ids: Any) -> dict[str, str]:
    """The vendor's ids for the person, session or transaction, without the empty ones."""
    return {name: str(value) for name, value in ids.items() if value not in (None, "")}
