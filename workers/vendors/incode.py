"""Incode ("Omni") webhooks: decoded here, classified by incode.toml (docs/policy.md).

Incode sends no event name: its webhooks share one endpoint and are told apart by their fields.

- Authentication 1:1 and 1:N: ``{customerId, interviewId, transactionId, overallStatus,
  faceMatch, spoofAttempt, spoofConfidence, hasLenses, hasFaceMask, overallScore,
  recognitionConfidence{confidence, candidates[{identityId, confidence}]}, error?, errorCode?,
  errorMessage?}``. Recognised by any of its verdict or error fields.
- Onboarding status: ``{interviewId, onboardingStatus, externalId?, clientId?, flowId?}``.
- Global watchlist update: ``{interviewId, ref, search_id}``.

A JSON object carrying an Incode id (``interviewId`` or ``customerId``) but none of these shapes
is a webhook kind this adapter does not know yet: event word ``unknown``, which the table does not
list (``pending``, ``unrecognised_event``, rule 3). Any other object is undecodable (rule 5).

Event words emitted: ``authentication``, ``onboarding_status``, ``watchlist_update``, and
``unknown`` for the unrecognised kind.

Values extracted: for authentication ``overallStatus``, the flags ``hasLenses``, ``hasFaceMask``,
``spoofAttempt`` and ``faceMatch`` (as ``true`` or ``false``), and, where the body reports an
error (a code or an error's text), ``errorCode`` as a string (4003, "4003" and " 4003 " are one
code). Incode's message, from ``errorMessage`` or else ``error`` (``NA``, Incode's placeholder,
is no message), goes on the ``errorCode:<code>`` reason; error text sent without a code is the
note ``error`` (field ``errorCode``). For onboarding status, ``onboardingStatus``. A watchlist
update carries no value: the table decides it by its event.

Subject names: ``customer_id``, ``interview_id``, ``transaction_id`` (authentication);
``interview_id``, ``external_id``, ``client_id``, ``flow_id`` (onboarding status);
``interview_id``, ``ref``, ``search_id`` (watchlist update); ``customer_id``, ``interview_id``
(unknown).

Identity (Incode sends no event id; shared/docs/vendors.md): authentication
``("authentication", transactionId)``; without a transactionId (Incode's own 4003/4004 examples
have none) the body hash, because customerId and interviewId repeat across a person's attempts
and would merge distinct attempts. Onboarding ``("onboarding_status", interviewId, STATUS)``;
watchlist ``("watchlist_update", interviewId, ref, search_id)``. Incode sends no event time.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from shared.outcome import Reason
from workers.vendors import base
from workers.vendors.base import Id, Undecodable
from workers.vendors.policy import Facts

# Incode documents its ids as strings; watchlist search ids come from a screening provider that
# numbers them, and error codes arrive as numbers or strings.


class Candidate(msgspec.Struct, frozen=True, rename="camel"):
    identity_id: Id | None = None
    confidence: float | None = None


class RecognitionConfidence(msgspec.Struct, frozen=True):
    confidence: float | None = None
    candidates: list[Candidate] | None = None


class Authentication(msgspec.Struct, frozen=True, rename="camel"):
    # ``token`` and ``interviewToken`` are session credentials and ``children`` is undocumented:
    # none is declared, so none can fail a decode or reach an outcome.
    customer_id: Id | None = None
    interview_id: Id | None = None
    transaction_id: Id | None = None
    overall_status: str | None = None
    overall_score: float | None = None
    face_match: bool | None = None
    spoof_attempt: bool | None = None
    spoof_confidence: float | None = None
    has_lenses: bool | None = None
    has_face_mask: bool | None = None
    recognition_confidence: RecognitionConfidence | None = None
    error: str | None = None
    error_code: Id | None = None
    error_message: str | None = None


class OnboardingStatus(msgspec.Struct, frozen=True, rename="camel"):
    interview_id: Id | None = None
    onboarding_status: str | None = None
    external_id: Id | None = None
    client_id: Id | None = None
    flow_id: Id | None = None


class WatchlistUpdate(msgspec.Struct, frozen=True, rename="camel"):
    interview_id: Id | None = None
    ref: Id | None = None
    search_id: Id | None = msgspec.field(default=None, name="search_id")


class _Shape(msgspec.Struct, frozen=True, rename="camel"):
    """Which keys are present, whatever their values: the only discriminator Incode gives.

    ``Raw`` accepts any value, so telling the shapes apart never fails on a value's type; the
    shape's own decoder then reports a bad value with its path.
    """

    overall_status: msgspec.Raw = msgspec.Raw()
    face_match: msgspec.Raw = msgspec.Raw()
    spoof_attempt: msgspec.Raw = msgspec.Raw()
    spoof_confidence: msgspec.Raw = msgspec.Raw()
    has_lenses: msgspec.Raw = msgspec.Raw()
    has_face_mask: msgspec.Raw = msgspec.Raw()
    overall_score: msgspec.Raw = msgspec.Raw()
    recognition_confidence: msgspec.Raw = msgspec.Raw()
    transaction_id: msgspec.Raw = msgspec.Raw()
    error: msgspec.Raw = msgspec.Raw()
    error_code: msgspec.Raw = msgspec.Raw()
    error_message: msgspec.Raw = msgspec.Raw()
    onboarding_status: msgspec.Raw = msgspec.Raw()
    ref: msgspec.Raw = msgspec.Raw()
    search_id: msgspec.Raw = msgspec.field(default=msgspec.Raw(), name="search_id")
    interview_id: msgspec.Raw = msgspec.Raw()
    customer_id: msgspec.Raw = msgspec.Raw()

    def has(self, *names: str) -> bool:
        """Any of the keys is present, even as null (a null verdict is still that shape's)."""
        return any(len(getattr(self, name)) > 0 for name in names)

    def has_value(self, *names: str) -> bool:
        return any(bytes(getattr(self, name)) not in (b"", b"null") for name in names)


_shape_decoder = base.lenient_decoder(_Shape)
_authentication_decoder = base.lenient_decoder(Authentication)
_onboarding_decoder = base.lenient_decoder(OnboardingStatus)
_watchlist_decoder = base.lenient_decoder(WatchlistUpdate)

AUTHENTICATION = "authentication"
ONBOARDING_STATUS = "onboarding_status"
# What ONBOARDING_FINISHED announces: the interview's score (GET /omni/get/score).
SCORE = "score"
WATCHLIST_UPDATE = "watchlist_update"
UNKNOWN = "unknown"

_AUTHENTICATION_KEYS = (
    "overall_status",
    "face_match",
    "spoof_attempt",
    "spoof_confidence",
    "has_lenses",
    "has_face_mask",
    "overall_score",
    "recognition_confidence",
    "transaction_id",
    "error",
    "error_code",
    "error_message",
)

# Incode's onboarding statuses as spelled in an identity, so that one event in another case or
# with other separators keeps one identity. Names only: what each means is incode.toml's.
_ONBOARDING_STATUSES = base.EnumTable.of(
    "MANUAL_REVIEW_APPROVED",
    "MANUAL_REVIEW_REJECTED",
    "ID_VALIDATION_FINISHED",
    "ID_VALIDATION_FINISHED_SECOND_ID",
    "POST_PROCESSING_FINISHED",
    "FACE_VALIDATION_FINISHED",
    "GOVERNMENT_VALIDATION_FINISHED",
    "ONBOARDING_FINISHED",
)


def extract(body: bytes, headers: Mapping[str, str]) -> Facts:
    shape = base.decode(_shape_decoder, body)
    if shape.has("onboarding_status"):
        return _onboarding(base.decode(_onboarding_decoder, body))
    if shape.has(*_AUTHENTICATION_KEYS):
        return _authentication(base.decode(_authentication_decoder, body))
    if shape.has("ref", "search_id"):
        return _watchlist(base.decode(_watchlist_decoder, body))
    if shape.has_value("interview_id", "customer_id"):
        return _unrecognised(base.decode(_authentication_decoder, body))
    raise Undecodable(
        "Object matches none of Incode's webhooks (authentication, onboarding status, "
        "watchlist update) - at `$`"
    )


def _error_code(value: Id | None) -> str | None:
    """4003, "4003" and " 4003 " are one code."""
    if isinstance(value, int):
        return str(value)
    code = (value or "").strip()
    if code.isascii() and code.isdigit():
        # Not int(): a hostile string of thousands of digits must not raise.
        return code.lstrip("0") or "0"
    return code or None


def _error_message(auth: Authentication) -> str | None:
    # Incode's table prints "NA" where it sends no message.
    for text in (auth.error_message, auth.error):
        if text and text.strip() and text.strip().upper() != "NA":
            return text.strip()
    return None


def _flag(value: bool | None) -> str | None:
    return None if value is None else str(value).lower()


def _authentication(auth: Authentication) -> Facts:
    values: dict[str, str | None] = {
        "overallStatus": auth.overall_status,
        "hasLenses": _flag(auth.has_lenses),
        "hasFaceMask": _flag(auth.has_face_mask),
        "spoofAttempt": _flag(auth.spoof_attempt),
        "faceMatch": _flag(auth.face_match),
    }
    messages: dict[str, str] = {}
    notes: tuple[Reason, ...] = ()
    code = _error_code(auth.error_code)
    message = _error_message(auth)
    # errorCode is read only where the body reports an error: a code, or an error's text (then
    # without a code, which the table requires). Blank error fields report nothing.
    if code is not None or message is not None:
        values["errorCode"] = code
        if message is not None and code is not None:
            messages["errorCode"] = message
        elif message is not None:
            # No code to carry Incode's message: it is said on its own.
            notes = (Reason("error", message, "errorCode"),)
    transaction_id = base.id_text(auth.transaction_id)
    return Facts(
        event=AUTHENTICATION,
        values=values,
        messages=messages,
        notes=notes,
        subject=base.subject(
            customer_id=auth.customer_id,
            interview_id=auth.interview_id,
            transaction_id=transaction_id,
        ),
        identity=(AUTHENTICATION, transaction_id) if transaction_id else None,
    )


def _onboarding(hook: OnboardingStatus) -> Facts:
    interview_id = base.id_text(hook.interview_id)
    status = _status_key(hook.onboarding_status)
    return Facts(
        event=ONBOARDING_STATUS,
        values={"onboardingStatus": hook.onboarding_status},
        subject=base.subject(
            interview_id=interview_id,
            external_id=hook.external_id,
            client_id=hook.client_id,
            flow_id=hook.flow_id,
        ),
        identity=(ONBOARDING_STATUS, interview_id, status) if interview_id else None,
        # The onboarding's end: its score is on Incode's score API (the intermediate *_FINISHED
        # statuses are steps, scored only once the onboarding ends).
        fetch=base.fetch(SCORE, interview_id) if status == "ONBOARDING_FINISHED" else None,
    )


def _status_key(raw: str | None) -> str:
    """The status as spelled in the identity, as it was before the policy became data (an
    unlisted ``*_FINISHED`` status by its words), so that identities do not change."""
    text = (raw or "").strip()
    if not text:
        return ""
    known = _ONBOARDING_STATUSES.find(text)
    if known is not None:
        return known[0]
    words = base.words(text)
    if words and len(words) > 1 and words[-1] == "FINISHED":
        return "_".join(words)
    return base.key(text) or ""


def _watchlist(hook: WatchlistUpdate) -> Facts:
    ids = (base.id_text(hook.interview_id), base.id_text(hook.ref), base.id_text(hook.search_id))
    return Facts(
        event=WATCHLIST_UPDATE,
        subject=base.subject(interview_id=ids[0], ref=ids[1], search_id=ids[2]),
        identity=(WATCHLIST_UPDATE, *(part or "" for part in ids)) if any(ids) else None,
    )


def _unrecognised(hook: Authentication) -> Facts:
    # Incode names no event: the unrecognised_event reason names the shape, ``unknown``.
    return Facts(
        event=UNKNOWN,
        event_field="shape",
        subject=base.subject(customer_id=hook.customer_id, interview_id=hook.interview_id),
    )
