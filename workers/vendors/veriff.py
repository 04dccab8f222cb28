"""Veriff webhooks: decoded here, classified by veriff.toml (docs/policy.md, docs/outcomes.md).

Veriff posts each kind of webhook to the URL set for it in the integration (one endpoint here
takes them all); the bodies carry no event name common to all, so the keys tell them apart:

- Decision webhook: ``{status, verification{id, attemptId?, vendorData, endUserId?, status,
  code, reason, reasonCode, decisionTime, acceptanceTime, person, document, riskLabels, ...},
  technicalData}``. Recognised by ``verification``. The top-level ``status`` (``success``) is the
  API request's, not a verdict, and is not declared.
- Event webhook: ``{id, attemptId, feature, code, action, vendorData, endUserId}``, ``action``
  ``started`` or ``submitted``. Recognised by ``action``.
- Watchlist-screening webhook: ``{checkType, attemptId, sessionId?, vendorData, endUserId?,
  matchStatus, searchTerm, totalHits, createdAt, hits}``. Recognised by ``matchStatus``,
  ``checkType`` or ``totalHits``.
- Any other kind (user-defined statuses ``{data{verification{id, userDefinedData}}, time,
  attemptId, eventType}``, Full Auto, INE, CURP...): recognised by ``eventType`` or, without one,
  by a Veriff id (``attemptId``, ``sessionId``, ``endUserId``, ``vendorData``). The policy maps
  none of them: an unknown event (rule 3), named by its ``eventType`` (field ``eventType``), else
  ``unknown`` (field ``shape``).

Any other JSON object is undecodable (rule 5). A key present as null still names its shape: a
decision webhook with ``"verification": null`` is a decision without its verdict.

Event words: ``decision``, ``started``, ``submitted``, ``watchlist_screening``; for an action or
``eventType`` Veriff has not documented, its slug (``user-status.created`` ->
``user_status_created``); ``unknown`` for a Veriff body of no known kind.

Values extracted: ``verification.status`` (the status word decides; the numeric ``code`` is
never read, Veriff's pages disagree on it) and ``verification.reasonCode`` with Veriff's
``verification.reason`` as its message (on ``verification.status`` when there is no code);
``matchStatus``, ``totalHits`` and ``checkType``. Personal data is never declared: ``person``,
``document``, ``additionalVerifiedData``, ``technicalData`` (the person's IP), ``riskLabels``,
``comments``, the watchlist's ``searchTerm`` and ``hits``, and ``userDefinedData`` (a reviewer's
free text).

Subject names: ``session_id`` (``verification.id``, the event webhook's ``id``, ``sessionId``,
``data.verification.id``), ``attempt_id``, ``vendor_data``, ``end_user_id``.

Identity (Veriff sends no event id): decision ``(session id, attemptId, "decision", status)``;
event ``(id, attemptId, "event", action)``; watchlist ``(sessionId, attemptId,
"watchlist_screening", checkType, matchStatus, createdAt)``; another kind ``(session id,
attemptId, "eventType", EVENTTYPE, time)``; each only with a session or attempt id, else the
body hash. A documented word is in its canonical spelling, any other in upper case, so that a
retry in another letter case is the same event. Event time: ``decisionTime``, ``createdAt`` or
``time``; the event webhook sends none.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from workers.vendors import base
from workers.vendors.base import Id, Undecodable
from workers.vendors.policy import Facts, Value

DECISION = "decision"
WATCHLIST_SCREENING = "watchlist_screening"
UNKNOWN = "unknown"

STATUS = "verification.status"
REASON_CODE = "verification.reasonCode"
MATCH_STATUS = "matchStatus"
TOTAL_HITS = "totalHits"
CHECK_TYPE = "checkType"

# Veriff's words, as spelled in an identity, so that one event in another letter case or with
# other separators keeps one identity. Names only: what each means is veriff.toml's.
_ACTIONS = base.EnumTable.of("started", "submitted")
_STATUSES = base.EnumTable.of(
    "approved", "declined", "review", "resubmission_requested", "expired", "abandoned"
)
_MATCH_STATUSES = base.EnumTable.of("possible_match", "no_match")
_CHECK_TYPES = base.EnumTable.of("initial_result", "updated_result")


class Verification(msgspec.Struct, frozen=True, rename="camel"):
    # person, document, additionalVerifiedData, riskLabels and comments are personal or
    # fraud-sensitive data: not declared, so they can neither fail a decode nor reach an outcome.
    # ``code`` is not declared either: the status word decides.
    id: Id | None = None
    attempt_id: Id | None = None
    vendor_data: Id | None = None
    end_user_id: Id | None = None
    status: str | None = None
    reason: str | None = None
    reason_code: Id | None = None
    decision_time: str | None = None


class Decision(msgspec.Struct, frozen=True):
    verification: Verification | None = None


class Event(msgspec.Struct, frozen=True, rename="camel"):
    # ``code`` (7001, 7002) repeats the action as a number and ``feature`` names the flow:
    # neither is read.
    id: Id | None = None
    attempt_id: Id | None = None
    vendor_data: Id | None = None
    end_user_id: Id | None = None
    action: str | None = None


class WatchlistScreening(msgspec.Struct, frozen=True, rename="camel"):
    # ``searchTerm`` (the person's name and birth year) and ``hits`` (the listed people) are
    # personal data: not declared.
    session_id: Id | None = None
    attempt_id: Id | None = None
    vendor_data: Id | None = None
    end_user_id: Id | None = None
    check_type: str | None = None
    match_status: str | None = None
    total_hits: int | None = None
    created_at: str | None = None


class DataVerification(msgspec.Struct, frozen=True):
    # ``userDefinedData`` holds a reviewer's free text: not declared.
    id: Id | None = None


class Data(msgspec.Struct, frozen=True):
    verification: DataVerification | None = None


class Other(msgspec.Struct, frozen=True, rename="camel"):
    """A kind of webhook the policy does not map: only its name, ids and time are read."""

    event_type: str | None = None
    session_id: Id | None = None
    attempt_id: Id | None = None
    vendor_data: Id | None = None
    end_user_id: Id | None = None
    data: Data | None = None
    time: str | None = None
    created_at: str | None = None


class _Shape(msgspec.Struct, frozen=True, rename="camel"):
    """Which keys are present, whatever their values: the only discriminator Veriff gives.

    ``Raw`` accepts any value, so telling the kinds apart never fails on a value's type; the
    kind's own decoder then reports a bad value with its path.
    """

    verification: msgspec.Raw = msgspec.Raw()
    action: msgspec.Raw = msgspec.Raw()
    match_status: msgspec.Raw = msgspec.Raw()
    check_type: msgspec.Raw = msgspec.Raw()
    total_hits: msgspec.Raw = msgspec.Raw()
    event_type: msgspec.Raw = msgspec.Raw()
    attempt_id: msgspec.Raw = msgspec.Raw()
    session_id: msgspec.Raw = msgspec.Raw()
    end_user_id: msgspec.Raw = msgspec.Raw()
    vendor_data: msgspec.Raw = msgspec.Raw()

    def has(self, *names: str) -> bool:
        """Any of the keys is present, even as null (a null verdict is still that kind's)."""
        return any(len(getattr(self, name)) > 0 for name in names)

    def has_value(self, *names: str) -> bool:
        return any(bytes(getattr(self, name)) not in (b"", b"null") for name in names)


_shape_decoder = base.lenient_decoder(_Shape)
_decision_decoder = base.lenient_decoder(Decision)
_event_decoder = base.lenient_decoder(Event)
_watchlist_decoder = base.lenient_decoder(WatchlistScreening)
_other_decoder = base.lenient_decoder(Other)


def extract(body: bytes, headers: Mapping[str, str]) -> Facts:
    shape = base.decode(_shape_decoder, body)
    if shape.has("verification"):
        return _decision(base.decode(_decision_decoder, body).verification or Verification())
    if shape.has("action"):
        return _event(base.decode(_event_decoder, body))
    if shape.has("match_status", "check_type", "total_hits"):
        return _watchlist(base.decode(_watchlist_decoder, body))
    if shape.has("event_type") or shape.has_value(
        "attempt_id", "session_id", "end_user_id", "vendor_data"
    ):
        return _other(base.decode(_other_decoder, body))
    raise Undecodable(
        "Object matches none of Veriff's webhooks (decision, event, watchlist screening) and "
        "carries no Veriff id - at `$`"
    )


def _identity(session: str | None, attempt: str | None, *rest: str) -> tuple[str, ...] | None:
    if session is None and attempt is None:
        return None
    return (session or "", attempt or "", *rest)


def _word(names: base.EnumTable[str], value: str | None) -> str:
    """A word as part of an identity: its canonical spelling, else as sent in upper case."""
    return names.get(value) or base.key(value) or ""


def _decision(verification: Verification) -> Facts:
    values: dict[str, Value] = {STATUS: verification.status}
    messages: dict[str, str] = {}
    reason_code = base.code(verification.reason_code)
    reason = (verification.reason or "").strip()
    values[REASON_CODE] = reason_code
    if reason:
        # Veriff's text for its reason code (``Suspected document tampering``).
        messages[REASON_CODE if reason_code is not None else STATUS] = reason
    session = base.id_text(verification.id)
    attempt = base.id_text(verification.attempt_id)
    return Facts(
        event=DECISION,
        values=values,
        messages=messages,
        subject=_subject(session, attempt, verification.vendor_data, verification.end_user_id),
        identity=_identity(session, attempt, DECISION, _word(_STATUSES, verification.status)),
        occurred_at=base.timestamp(verification.decision_time),
    )


def _event(event: Event) -> Facts:
    name = _ACTIONS.get(event.action)
    word = name or base.slug(event.action or "")
    session = base.id_text(event.id)
    attempt = base.id_text(event.attempt_id)
    return Facts(
        event=word,
        event_name=event.action,
        event_field="action",
        known=name is not None,
        subject=_subject(session, attempt, event.vendor_data, event.end_user_id),
        identity=_identity(session, attempt, "event", _word(_ACTIONS, event.action)),
    )


def _watchlist(screening: WatchlistScreening) -> Facts:
    hits = screening.total_hits
    values: dict[str, Value] = {
        MATCH_STATUS: screening.match_status,
        TOTAL_HITS: None if hits is None else str(hits),
        CHECK_TYPE: screening.check_type,
    }
    session = base.id_text(screening.session_id)
    attempt = base.id_text(screening.attempt_id)
    return Facts(
        event=WATCHLIST_SCREENING,
        values=values,
        subject=_subject(session, attempt, screening.vendor_data, screening.end_user_id),
        identity=_identity(
            session,
            attempt,
            WATCHLIST_SCREENING,
            _word(_CHECK_TYPES, screening.check_type),
            _word(_MATCH_STATUSES, screening.match_status),
            screening.created_at or "",
        ),
        occurred_at=base.timestamp(screening.created_at),
    )


def _other(other: Other) -> Facts:
    verification = other.data.verification if other.data is not None else None
    session = base.id_text(other.session_id) or (
        base.id_text(verification.id) if verification is not None else None
    )
    attempt = base.id_text(other.attempt_id)
    time = other.time or other.created_at
    if other.event_type is None:
        word, field = UNKNOWN, "shape"
    else:
        word, field = base.slug(other.event_type), "eventType"
    return Facts(
        event=word,
        event_name=other.event_type,
        event_field=field,
        known=False,
        subject=_subject(session, attempt, other.vendor_data, other.end_user_id),
        identity=_identity(session, attempt, field, base.key(other.event_type) or "", time or ""),
        occurred_at=base.timestamp(time),
    )


def _subject(
    session: str | None, attempt: str | None, vendor_data: Id | None, end_user_id: Id | None
) -> dict[str, str]:
    return base.subject(
        session_id=session,
        attempt_id=attempt,
        vendor_data=base.id_text(vendor_data),
        end_user_id=base.id_text(end_user_id),
    )
