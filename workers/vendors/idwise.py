"""IDWise webhooks: decoded here, classified by idwise.toml (docs/policy.md).

Every IDWise webhook is ``{event, body{eventId, journeyId, referenceNo, systemDecision,
manualDecision, finalDecision, ...}}``; the body varies by event:

- Finished Journey, Manually Reviewed, Finished User Steps, Finished Step: the decisions.
- AML Monitor Update: ``systemDecision``, ``previousSystemDecision``, ``updatedAMLVersionNumber``.
- Finished Spot Check: ``spotCheckJourneyId`` instead of ``journeyId``, ``systemDecision``.
- Finished Ongoing Check: ``journeyId``, ``ongoingCheckId``, ``systemDecision``.
- Updated Journey: the decisions and ``action`` (Step Update, AML Amend, AML OGM Update, Manual
  Review with ``manualReviewDetails{journeyReviewDecision, reasonCode}``, ...). The details'
  field names come from public integration code, not IDWise's page: they are read, never
  required.
- Verification Update Required: the decisions, ``trigger``, ``requiredSteps[{stepId,
  reasonCode}]``.
- KYC Renewal Deadline Exceeded: ``requiredSteps[{stepId, renewalDeadline}]``, no decision.
- Legacy: ``Step Submitted`` ``{journeyId, referenceNo, stepId, stepType}``, and any of the
  above without ``eventId``.

Event words emitted: :func:`base.slug` of the event name (``finished_journey``,
``manually_reviewed``, ``finished_user_steps``, ``finished_step``, ``aml_monitor_update``,
``finished_spot_check``, ``finished_ongoing_check``, ``updated_journey``,
``verification_update_required``, ``kyc_renewal_deadline_exceeded``, ``step_submitted``), of an
unknown event's name, or ``unknown`` when ``event`` is missing or is an unknown name whose word
would be a known event's (``Finished Journey!``).

Values extracted: the decisions ``systemDecision``, ``manualDecision``, ``finalDecision`` and
``manualReviewDetails.journeyReviewDecision``, each under the key for the stage the journey is at
(:func:`_decisions`) and again under a ``.noted`` key for the events that carry no verdict;
``finalDecision`` missing when there is no decision at all; ``previousSystemDecision``,
``action``, ``trigger``, ``manualReviewDetails.reasonCode``, and each required step's
``requiredSteps.stepId`` and ``requiredSteps.reasonCode``.

Subject names: ``journey_id``, ``reference_no``, ``spot_check_journey_id``, ``ongoing_check_id``,
``step_id``.

Identity: ``(eventId,)``, which IDWise keeps across retries. A legacy body without ``eventId``
falls back to the body hash: nothing else in it (no timestamp) tells two events of one journey
apart, so (event, journeyId, decisions) would merge distinct events. IDWise sends no event time.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from workers.vendors import base
from workers.vendors.base import Id
from workers.vendors.policy import Facts, Value

# IDWise sends ids as strings; a reference number the client chose may arrive as a number.


class RequiredStep(msgspec.Struct, frozen=True, rename="camel"):
    # ``renewalDeadline`` is not declared: it decides nothing, so its format cannot fail a decode.
    step_id: Id | None = None
    reason_code: str | None = None


class ManualReviewDetails(msgspec.Struct, frozen=True, rename="camel"):
    journey_review_decision: str | None = None
    reason_code: str | None = None


class Body(msgspec.Struct, frozen=True, rename="camel"):
    event_id: Id | None = None
    journey_id: Id | None = None
    reference_no: Id | None = None
    system_decision: str | None = None
    manual_decision: str | None = None
    final_decision: str | None = None
    previous_system_decision: str | None = None
    spot_check_journey_id: Id | None = None
    ongoing_check_id: Id | None = None
    step_id: Id | None = None
    action: str | None = None
    trigger: str | None = None
    required_steps: list[RequiredStep] | None = None
    manual_review_details: ManualReviewDetails | None = None


class Webhook(msgspec.Struct, frozen=True):
    # ``body`` is what makes an object IDWise's; a missing ``event`` is an unrecognised event.
    body: Body
    event: str | None = None


_decoder = base.lenient_decoder(Webhook)

AML_MONITOR_UPDATE = "AML Monitor Update"
_EVENT_NAMES = (
    "Finished Journey",
    "Manually Reviewed",
    AML_MONITOR_UPDATE,
    "Finished Spot Check",
    "Finished Ongoing Check",
    "Updated Journey",
    "Finished User Steps",
    "Finished Step",
    "Step Submitted",
    "Verification Update Required",
    "KYC Renewal Deadline Exceeded",
)
_EVENTS = base.EnumTable(
    {
        **{name: name for name in _EVENT_NAMES},
        # IDWise's own page names the AML event so once.
        "AML Monior Update": AML_MONITOR_UPDATE,
    }
)
_EVENT_WORDS = frozenset(base.slug(name) for name in _EVENT_NAMES)
UNKNOWN = "unknown"

SYSTEM = "systemDecision"
MANUAL = "manualDecision"
FINAL = "finalDecision"
REVIEW = "manualReviewDetails.journeyReviewDecision"


def extract(body: bytes, headers: Mapping[str, str]) -> Facts:
    hook = base.decode(_decoder, body)
    name = _EVENTS.get(hook.event)
    data = hook.body
    details = data.manual_review_details
    steps = data.required_steps or []
    values: dict[str, Value | tuple[Value, ...]] = {
        **_decisions(data),
        **{f"{key}.noted": value for key, value in _said(data).items()},
        "previousSystemDecision": _text(data.previous_system_decision),
        "action": data.action,
        "trigger": data.trigger,
        "manualReviewDetails.reasonCode": details.reason_code if details is not None else None,
        "requiredSteps.stepId": tuple(base.id_text(step.step_id) for step in steps),
        "requiredSteps.reasonCode": tuple(step.reason_code for step in steps),
    }
    event_id = base.id_text(data.event_id)
    return Facts(
        event=base.slug(name) if name is not None else _unrecognised_word(hook.event),
        event_name=hook.event,
        event_field="event",
        values=values,
        subject=base.subject(
            journey_id=data.journey_id,
            reference_no=data.reference_no,
            spot_check_journey_id=data.spot_check_journey_id,
            ongoing_check_id=data.ongoing_check_id,
            step_id=data.step_id,
        ),
        identity=(event_id,) if event_id else None,
    )


def _said(body: Body) -> dict[str, str | None]:
    """The four decisions as sent (stripped; None when absent, null or blank)."""
    details = body.manual_review_details
    return {
        SYSTEM: _text(body.system_decision),
        MANUAL: _text(body.manual_decision),
        FINAL: _text(body.final_decision),
        REVIEW: _text(details.journey_review_decision if details is not None else None),
    }


def _decisions(body: Body) -> dict[str, Value]:
    """The decisions under the keys of the journey's stage, which decides what they are compared
    with (idwise.toml says how each key reads)."""
    said = _said(body)
    system, manual, final, review = said[SYSTEM], said[MANUAL], said[FINAL], said[REVIEW]
    if manual or review:
        # A reviewer decided: finalDecision mirrors them, or while it is null the system's
        # decision stands in for it; beside a final decision the system's is only said.
        if final:
            read = {MANUAL: manual, REVIEW: review, f"{FINAL}.reviewed": final}
            read[f"{SYSTEM}.superseded"] = system
        else:
            read = {MANUAL: manual, REVIEW: review, f"{SYSTEM}.reviewed": system}
    else:
        read = {FINAL: final, SYSTEM: system}
    present: dict[str, Value] = {key: value for key, value in read.items() if value}
    # No decision at all: the final decision is missing (the table says what that means).
    return present or {FINAL: None}


def _unrecognised_word(name: str | None) -> str:
    """An unknown event's word: never a known event's, which the table would decide by."""
    word = base.slug(name or "")
    return UNKNOWN if word in _EVENT_WORDS else word


def _text(value: str | None) -> str | None:
    return (value.strip() or None) if value else None
