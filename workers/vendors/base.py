"""What every vendor adapter returns, and the helpers that keep adapters consistent.

An adapter is one pure function ``classify(body, headers) -> Classification``: bytes in, verdict
out, no I/O. It raises :class:`Undecodable` when the body matches none of the vendor's shapes
(outcome policy, rule 5); the worker dead-letters such a body with the error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import msgspec

from shared.outcome import Outcome, Reason

T = TypeVar("T")

UNRECOGNISED_EVENT = "unrecognised_event"
UNRECOGNISED_VALUE = "unrecognised_value"
CONTRADICTION = "contradiction"


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


Classifier = Callable[[bytes, Mapping[str, str]], Classification]


class Undecodable(Exception):
    """The body is not one of the vendor's shapes. The message says where it went wrong."""


def decode(decoder: msgspec.json.Decoder[T], body: bytes) -> T:
    """Decode with a vendor's decoder, turning msgspec's errors into :class:`Undecodable`.

    msgspec's messages name the path in the body (``... - at `$.step.error```), never the
    values, so they are safe to record on a dead letter.
    """
    try:
        return decoder.decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise Undecodable(str(exc)) from exc
    except RecursionError:
        # msgspec recurses once per nesting level, even through fields it skips.
        raise Undecodable("JSON nested too deeply") from None


def lenient_decoder(type_: type[T]) -> msgspec.json.Decoder[T]:
    """A decoder that accepts numbers and booleans sent as strings (outcome policy, rule 4)."""
    return msgspec.json.Decoder(type_, strict=False)


_NON_WORD = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    """``"Finished Journey"`` -> ``"finished_journey"``: safe as one routing-key word."""
    return _NON_WORD.sub("_", name.lower()).strip("_") or "unknown"


def key(value: str | None) -> str | None:
    """Normalise an enum value for case-insensitive matching (outcome policy, rule 4)."""
    return value.strip().upper() if isinstance(value, str) else None


def unrecognised(field: str, value: object) -> Reason:
    """Rule 2: a verdict field with a value the adapter does not know."""
    return Reason(UNRECOGNISED_VALUE, f"{field} has unrecognised value {value!r}", field)


def subject(**ids: Any) -> dict[str, str]:
    """The vendor's ids for the person, session or transaction, without the empty ones."""
    return {name: str(value) for name, value in ids.items() if value not in (None, "")}
