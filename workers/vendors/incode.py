"""Incode ("Omni") webhooks: decoded and classified by docs/outcomes.md.

Incode sends no event name: its webhooks share one endpoint and are told apart by their fields.

- Authentication 1:1 and 1:N: ``{customerId, interviewId, transactionId, overallStatus,
  faceMatch, spoofAttempt, spoofConfidence, hasLenses, hasFaceMask, overallScore,
  recognitionConfidence{confidence, candidates[{identityId, confidence}]}, error?, errorCode?,
  errorMessage?}``. Recognised by any of its verdict or error fields.
- Onboarding status: ``{interviewId, onboardingStatus, externalId?, clientId?, flowId?}``.
- Global watchlist update: ``{interviewId, ref, search_id}``.

A JSON object carrying an Incode id (``interviewId`` or ``customerId``) but none of these shapes
is a webhook kind this adapter does not know yet: ``pending`` with ``unrecognised_event``
(rule 3). Any other object is undecodable (rule 5).

Event words emitted: ``authentication``, ``onboarding_status``, ``watchlist_update``, and
``unknown`` for the unrecognised kind.

Subject names: ``customer_id``, ``interview_id``, ``transaction_id`` (authentication);
``interview_id``, ``external_id``, ``client_id``, ``flow_id`` (onboarding status);
``interview_id``, ``ref``, ``search_id`` (watchlist update).

Onboarding statuses: the listed ones as docs/outcomes.md maps them, and any other name ending in
``_FINISHED`` (``CURP_VALIDATION_FINISHED``) is progress too (``pending``); anything else is
``refer``. A PASS with ``hasLenses`` or ``hasFaceMask`` stays a pass: only a face mismatch or a
spoof attempt contradicts it.

Reason codes: ``overallStatus:<STATUS>`` and ``onboardingStatus:<STATUS>`` for the verdict field
as read; the vendor's own ``errorCode`` (as a string, message from ``errorMessage`` or
``error``); ``<flag>:<value>`` (``hasLenses:true``, ``hasFaceMask:true``, ``spoofAttempt:true``,
``faceMatch:false``) explaining a FAIL sent without error fields; ``missing_value``
(``overallStatus`` or ``onboardingStatus`` absent), ``unrecognised_value``, ``contradiction``,
``watchlist_update``, ``unrecognised_event``. Vendor codes in reasons are capped (base.code).

Identity (Incode sends no event id; shared/docs/vendors.md): authentication
``("authentication", transactionId)``; without a transactionId (Incode's own 4003/4004 examples
have none) the body hash, because customerId and interviewId repeat across a person's attempts
and would merge distinct attempts. Onboarding ``("onboarding_status", interviewId, STATUS)``;
watchlist ``("watchlist_update", interviewId, ref, search_id)``. Incode sends no event time.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from shared.outcome import Outcome, Reason
from workers.vendors import base
from workers.vendors.base import Classification, Id, Undecodable

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

_OVERALL_STATUS = base.EnumTable({"PASS": Outcome.PASS, "FAIL": Outcome.FAIL})

# The user-facing failures Incode documents; any other code is an Incode API exception.
_USER_ERRORS: Mapping[str, str] = {
    "4003": "user blacklisted",
    "4004": "non-existing customer",
    "4005": "spoof attempt",
    "4015": "user not recognized",
}

# Every *_FINISHED status is progress: the verdict itself is fetched from Incode's score API.
_ONBOARDING_STATUSES = base.EnumTable(
    {
        "MANUAL_REVIEW_APPROVED": Outcome.PASS,
        "MANUAL_REVIEW_REJECTED": Outcome.FAIL,
        "ID_VALIDATION_FINISHED": Outcome.PENDING,
        # Listed by Incode, though FINISHED does not end it.
        "ID_VALIDATION_FINISHED_SECOND_ID": Outcome.PENDING,
        "POST_PROCESSING_FINISHED": Outcome.PENDING,
        "FACE_VALIDATION_FINISHED": Outcome.PENDING,
        "GOVERNMENT_VALIDATION_FINISHED": Outcome.PENDING,
        "ONBOARDING_FINISHED": Outcome.PENDING,
    }
)


def classify(body: bytes, headers: Mapping[str, str]) -> Classification:
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


# --- authentication -------------------------------------------------------------------------


def _authentication(auth: Authentication) -> Classification:
    outcome, reasons = _authentication_verdict(auth)
    transaction_id = base.id_text(auth.transaction_id)
    return Classification(
        event=AUTHENTICATION,
        outcome=outcome,
        reasons=reasons,
        subject=base.subject(
            customer_id=auth.customer_id,
            interview_id=auth.interview_id,
            transaction_id=transaction_id,
        ),
        identity=(AUTHENTICATION, transaction_id) if transaction_id else None,
    )


def _authentication_verdict(auth: Authentication) -> tuple[Outcome, tuple[Reason, ...]]:
    code = _error_code(auth.error_code)
    message = _error_message(auth)
    errors = (Reason(base.code(code) or "error", message, "errorCode"),) if code or message else ()
    raw_status = (auth.overall_status or "").strip()
    known = _OVERALL_STATUS.find(raw_status)
    found = (Reason(f"overallStatus:{known[0]}", None, "overallStatus"),) if known else ()
    # An API exception is Incode's own failure whatever status came with it.
    if code is not None and code not in _USER_ERRORS:
        if not found and raw_status:
            found = (base.unrecognised("overallStatus", raw_status),)
        return Outcome.SYSTEM_ERROR, (*errors, *found)
    if not raw_status:
        missing = base.missing("overallStatus", "authentication without overallStatus")
        return Outcome.REFER, (missing, *errors)
    if known is None:
        return Outcome.REFER, (base.unrecognised("overallStatus", raw_status), *errors)
    outcome = known[1]
    if errors and code is None:
        # Error text without a code is neither a documented failure nor a documented exception.
        unclear = Reason(
            base.UNRECOGNISED_VALUE, "error fields sent without errorCode", "errorCode"
        )
        return Outcome.REFER, (unclear, *found, *errors)
    if outcome is Outcome.PASS:
        return _pass(auth, code, found, errors)
    return Outcome.FAIL, (*found, *errors, *_flags(auth))


def _pass(
    auth: Authentication,
    code: str | None,
    found: tuple[Reason, ...],
    errors: tuple[Reason, ...],
) -> tuple[Outcome, tuple[Reason, ...]]:
    if code is not None:
        clash = Reason(
            base.CONTRADICTION,
            f"overallStatus PASS with errorCode {code} ({_USER_ERRORS[code]})",
            "errorCode",
        )
        return Outcome.REFER, (clash, *found, *errors)
    # A PASS that Incode's own signals call a face mismatch or a spoof is not passed unseen.
    flags = tuple(
        reason for reason in _flags(auth) if reason.field in ("faceMatch", "spoofAttempt")
    )
    if flags:
        clash = Reason(
            base.CONTRADICTION,
            "overallStatus PASS with " + ", ".join(reason.code for reason in flags),
            flags[0].field,
        )
        return Outcome.REFER, (clash, *found, *flags)
    return Outcome.PASS, found


def _error_message(auth: Authentication) -> str | None:
    # Incode's table prints "NA" where it sends no message.
    for text in (auth.error_message, auth.error):
        if text and text.strip() and text.strip().upper() != "NA":
            return text.strip()
    return None


def _flags(auth: Authentication) -> tuple[Reason, ...]:
    """The signals that explain a FAIL Incode sends without error fields (lenses, mask...)."""
    signals = (
        ("hasLenses", auth.has_lenses is True, "true"),
        ("hasFaceMask", auth.has_face_mask is True, "true"),
        ("spoofAttempt", auth.spoof_attempt is True, "true"),
        ("faceMatch", auth.face_match is False, "false"),
    )
    return tuple(Reason(f"{name}:{value}", None, name) for name, raised, value in signals if raised)


# --- onboarding status and watchlist ---------------------------------------------------------


def _onboarding(hook: OnboardingStatus) -> Classification:
    status, outcome, reason = _onboarding_verdict(hook.onboarding_status)
    interview_id = base.id_text(hook.interview_id)
    return Classification(
        event=ONBOARDING_STATUS,
        outcome=outcome,
        reasons=(reason,),
        subject=base.subject(
            interview_id=interview_id,
            external_id=hook.external_id,
            client_id=hook.client_id,
            flow_id=hook.flow_id,
        ),
        identity=(ONBOARDING_STATUS, interview_id, status) if interview_id else None,
    )


def _onboarding_verdict(raw: str | None) -> tuple[str, Outcome, Reason]:
    """The status as spelled for reasons and identity, its outcome, and the reason."""
    text = (raw or "").strip()
    if not text:
        return "", Outcome.REFER, base.missing("onboardingStatus", "no onboardingStatus")
    known = _ONBOARDING_STATUSES.find(text)
    words = base.words(text)
    if known is None and words and len(words) > 1 and words[-1] == "FINISHED":
        # A *_FINISHED status Incode has not listed yet is progress all the same.
        known = "_".join(words), Outcome.PENDING
    if known is None:
        return base.key(text) or "", Outcome.REFER, base.unrecognised("onboardingStatus", raw)
    status, outcome = known
    found = base.code(f"onboardingStatus:{status}") or "onboardingStatus"
    message = "progress only: fetch the score from Incode" if outcome is Outcome.PENDING else None
    return status, outcome, Reason(found, message, "onboardingStatus")


def _watchlist(hook: WatchlistUpdate) -> Classification:
    ids = (base.id_text(hook.interview_id), base.id_text(hook.ref), base.id_text(hook.search_id))
    reason = Reason(WATCHLIST_UPDATE, "a global watchlist monitoring hit changed")
    return Classification(
        event=WATCHLIST_UPDATE,
        outcome=Outcome.REFER,
        reasons=(reason,),
        subject=base.subject(interview_id=ids[0], ref=ids[1], search_id=ids[2]),
        identity=(WATCHLIST_UPDATE, *(part or "" for part in ids)) if any(ids) else None,
    )


def _unrecognised(hook: Authentication) -> Classification:
    reason = Reason(
        base.UNRECOGNISED_EVENT,
        "an Incode object with none of the authentication, onboarding status or "
        "watchlist update fields",
    )
    return Classification(
        event=UNKNOWN,
        outcome=Outcome.PENDING,
        reasons=(reason,),
        subject=base.subject(customer_id=hook.customer_id, interview_id=hook.interview_id),
    )
