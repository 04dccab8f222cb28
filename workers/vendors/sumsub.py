"""Sumsub webhooks: decoded here, classified by sumsub.toml (docs/policy.md).

Every Sumsub webhook is one flat JSON object told apart by ``type``: ``{applicantId,
inspectionId, correlationId, externalUserId, levelName, type, sandboxMode, reviewStatus,
createdAtMs, clientId, reviewResult?{reviewAnswer, reviewRejectType, rejectLabels[],
buttonIds[], moderationComment, clientComment}, ...}``. Actions add ``applicantActionId`` and
``externalApplicantActionId``, transaction monitoring ``kytTxnId`` and ``kytDataTxnId``.

Events (``type``): the identity review (``applicantReviewed``, ``applicantWorkflowCompleted``),
holds (``applicantOnHold``, ``applicantActionOnHold``, ``applicantKytOnHold``,
``amlCaseOnHold``), verdicts on something other than the identity review (``amlCaseApproved``,
``amlCaseRejected``, ``applicantKytTxnApproved``, ``applicantKytTxnRejected``,
``applicantKytTxnReviewed``, ``applicantActionReviewed``, ``kytCaseReviewed``) and progress
(``applicantCreated``, ``applicantPending``, ``applicantReset``, ``applicantActionPending`` and
the others in :data:`EVENT_NAMES`). Event words are the names in snake case
(``applicant_reviewed``, ``applicant_kyt_txn_approved``); an unknown name's word is its own, or
``unknown`` when that would be a known event's word (``applicantReviewed!``) or there is no
``type``.

Values extracted: ``reviewResult.reviewAnswer``, ``reviewResult.reviewRejectType``, each of
``reviewResult.rejectLabels`` and ``reviewResult.buttonIds``, ``reviewStatus``; and, only where
the body carries a ``reviewResult``, the answer again as ``reviewResult.reviewAnswer.approval``
and ``reviewResult.reviewAnswer.rejection`` and the event's own name as ``type``: the events whose
name is a verdict (``amlCaseApproved``, ``amlCaseRejected``) weigh the two against each other
(sumsub.toml). ``moderationComment`` and ``clientComment`` are free text that may
name the person: they are not even declared.

Subject names: ``applicant_id``, ``inspection_id``, ``external_user_id``, ``level_name``,
``client_id``, ``applicant_action_id``, ``external_applicant_action_id``, ``kyt_txn_id``,
``kyt_data_txn_id``.

Identity: ``(correlationId, event, applicantId, applicantActionId, kytTxnId, createdAtMs)``, all
of which a retry repeats. ``correlationId`` is Sumsub's event id, but Sumsub also says several
events triggered by one operation may share it: the other parts tell those apart. Without a
``correlationId``, Sumsub's own fallback (``applicantId``, type, ``createdAtMs``); without
either, the body hash. Event time: ``createdAtMs`` (``createdAt`` when it is absent), UTC.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

import msgspec

from workers.vendors import base
from workers.vendors.base import Id, Undecodable
from workers.vendors.policy import Facts, Value


class ReviewResult(msgspec.Struct, frozen=True, rename="camel"):
    # ``moderationComment`` and ``clientComment`` (free text, "may contain private information")
    # are not declared: they can never reach an outcome.
    review_answer: str | None = None
    review_reject_type: str | None = None
    reject_labels: list[str | None] | None = None
    button_ids: list[str | None] | None = None


class Webhook(msgspec.Struct, frozen=True, rename="camel"):
    # Sumsub's documentation marks every field optional, ``type`` included: a body is Sumsub's
    # when it has ``type`` or one of Sumsub's ids (:func:`extract`).
    type: str | None = None
    applicant_id: Id | None = None
    inspection_id: Id | None = None
    correlation_id: Id | None = None
    external_user_id: Id | None = None
    level_name: str | None = None
    client_id: Id | None = None
    applicant_action_id: Id | None = None
    external_applicant_action_id: Id | None = None
    kyt_txn_id: Id | None = None
    kyt_data_txn_id: Id | None = None
    review_status: str | None = None
    review_result: ReviewResult | None = None
    # "yyyy-MM-dd HH:mm:ss.fff" in UTC; a number is read as milliseconds since the epoch.
    created_at_ms: str | int | None = None
    # "yyyy-MM-dd HH:mm:ss+0000", sent beside createdAtMs by transaction monitoring and cases.
    created_at: str | None = None
    # ``sandboxMode``, ``applicantType``, ``applicantMemberOf``, ``videoIdentReviewStatus`` and
    # the rest decide nothing and are not declared, so their shape cannot fail a decode.


_decoder = base.lenient_decoder(Webhook)

# Every event Sumsub documents (docs/outcomes.md says what each means).
EVENT_NAMES = (
    # The applicant's identity review.
    "applicantReviewed",
    "applicantWorkflowCompleted",
    # On hold: queued for a reviewer.
    "applicantOnHold",
    "applicantActionOnHold",
    "applicantKytOnHold",
    "amlCaseOnHold",
    # A verdict on something other than the identity review.
    "amlCaseApproved",
    "amlCaseRejected",
    "applicantKytTxnApproved",
    "applicantKytTxnRejected",
    "applicantKytTxnReviewed",
    "applicantActionReviewed",
    "kytCaseReviewed",
    # Progress.
    "applicantCreated",
    "applicantPending",
    "applicantPrechecked",
    "applicantReset",
    "applicantActionPending",
    "applicantActionLevelChanged",
    "applicantLevelChanged",
    "applicantPersonalInfoChanged",
    "applicantTagsChanged",
    "applicantActivated",
    "applicantDeactivated",
    "applicantDeleted",
    "applicantPersonalDataDeleted",
    "videoIdentStatusChanged",
    "videoIdentCompositionCompleted",
    "applicantKytTxnCreated",
    "applicantKytTxnDataChanged",
    "applicantKytTxnAwaitingUser",
    "applicantKytTxnDeleted",
    "kytCaseCreated",
    "kytCaseStatusChanged",
    "travelRuleAction",
    "kybCompanyActivity",
)
_EVENTS = base.EnumTable.of(*EVENT_NAMES)
UNKNOWN = "unknown"

ANSWER = "reviewResult.reviewAnswer"
REJECT_TYPE = "reviewResult.reviewRejectType"
REJECT_LABELS = "reviewResult.rejectLabels"
BUTTON_IDS = "reviewResult.buttonIds"
REVIEW_STATUS = "reviewStatus"
# Read only beside a reviewResult (sumsub.toml: the events whose name is a verdict).
APPROVAL_ANSWER = "reviewResult.reviewAnswer.approval"
REJECTION_ANSWER = "reviewResult.reviewAnswer.rejection"
TYPE = "type"

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def word(name: str) -> str:
    """``applicantKytTxnApproved`` -> ``applicant_kyt_txn_approved``: a routing-key word."""
    return base.slug(_CAMEL.sub("_", name[: base.MAX_WORD * 4]))


WORDS = {name: word(name) for name in EVENT_NAMES}


def extract(body: bytes, headers: Mapping[str, str]) -> Facts:
    hook = base.decode(_decoder, body)
    if not _is_sumsubs(hook):
        raise Undecodable("Object missing required field `type` - at `$`")
    name = _EVENTS.get(hook.type)
    event = WORDS[name] if name is not None else _unrecognised_word(hook.type)

    review = hook.review_result
    answer = review.review_answer if review is not None else None
    values: dict[str, Value | tuple[Value, ...]] = {
        ANSWER: answer,
        REJECT_TYPE: review.review_reject_type if review is not None else None,
        REJECT_LABELS: tuple(review.reject_labels or ()) if review is not None else (),
        BUTTON_IDS: tuple(review.button_ids or ()) if review is not None else (),
        REVIEW_STATUS: hook.review_status,
    }
    if review is not None:
        # An event whose name is a verdict on something else (amlCaseApproved) is decided by the
        # reviewResult it carries, its name counting against it; without one the table refers.
        values[APPROVAL_ANSWER] = answer
        values[REJECTION_ANSWER] = answer
        values[TYPE] = hook.type

    when = _time_text(hook.created_at_ms) or _time_text(hook.created_at)
    return Facts(
        event=event,
        event_name=hook.type,
        event_field="type",
        known=name is not None,
        values=values,
        subject=base.subject(
            applicant_id=hook.applicant_id,
            inspection_id=hook.inspection_id,
            external_user_id=hook.external_user_id,
            level_name=hook.level_name,
            client_id=hook.client_id,
            applicant_action_id=hook.applicant_action_id,
            external_applicant_action_id=hook.external_applicant_action_id,
            kyt_txn_id=hook.kyt_txn_id,
            kyt_data_txn_id=hook.kyt_data_txn_id,
        ),
        identity=_identity(hook, name or base.key(hook.type) or "", when),
        occurred_at=_moment(when),
    )


def _is_sumsubs(hook: Webhook) -> bool:
    """Sumsub's event name, or one of its ids (a body without ``type`` is an unknown event)."""
    ids = (
        hook.applicant_id,
        hook.correlation_id,
        hook.inspection_id,
        hook.applicant_action_id,
        hook.kyt_txn_id,
    )
    return hook.type is not None or any(base.id_text(value) for value in ids)


def _identity(hook: Webhook, event: str, when: str | None) -> tuple[str, ...] | None:
    """What a retry repeats. Without ``correlationId`` Sumsub's own key (applicant, type, time)
    stands in; with neither, None: two events of one applicant would otherwise merge."""
    correlation_id = base.id_text(hook.correlation_id)
    applicant_id = base.id_text(hook.applicant_id)
    if not correlation_id and not (applicant_id and when):
        return None
    return (
        correlation_id or "",
        event,
        applicant_id or "",
        base.id_text(hook.applicant_action_id) or "",
        base.id_text(hook.kyt_txn_id) or "",
        when or "",
    )


def _unrecognised_word(name: str | None) -> str:
    """An unknown event's word: never a known event's, which the table would decide by."""
    found = word(name or "")
    return UNKNOWN if found in _KNOWN_WORDS else found


_KNOWN_WORDS = frozenset(WORDS.values())


def _time_text(value: str | int | None) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    return str(value).strip() or None


def _moment(text: str | None) -> datetime | None:
    """``createdAtMs`` as a time: Sumsub's text (UTC), or milliseconds since the epoch."""
    if text is None:
        return None
    if text.isascii() and text.isdigit():
        try:
            return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return base.timestamp(text)
