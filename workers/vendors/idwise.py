"""IDWise webhooks: decoded and classified by docs/outcomes.md.

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
unknown event's name, or ``unknown`` when ``event`` is missing.

Subject names: ``journey_id``, ``reference_no``, ``spot_check_journey_id``, ``ongoing_check_id``,
``step_id``.

Reason codes: ``<field>:<Value>`` for every decision the body carries (``finalDecision:Rejected``,
``systemDecision:Refer``, ``manualDecision:Approved``,
``manualReviewDetails.journeyReviewDecision:Resubmission Requested``,
``previousSystemDecision:Complete``), spelled as IDWise documents it when recognised;
``action:<action>``, ``trigger:<trigger>``; the vendor's ``reasonCode`` of a required step or a
review; ``missing_value`` (field ``finalDecision``) when no decision is set; and
``provisional``, ``resubmission_requested``,
``verification_update_required``, ``kyc_renewal_deadline_exceeded``, ``unrecognised_value``,
``contradiction``, ``unrecognised_event``.

Identity: ``(eventId,)``, which IDWise keeps across retries. A legacy body without ``eventId``
falls back to the body hash: nothing else in it (no timestamp) tells two events of one journey
apart, so (event, journeyId, decisions) would merge distinct events. IDWise sends no event time.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from shared.outcome import Outcome, Reason
from workers.vendors import base
from workers.vendors.base import Classification, Id

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

FINISHED_JOURNEY = "Finished Journey"
MANUALLY_REVIEWED = "Manually Reviewed"
FINISHED_USER_STEPS = "Finished User Steps"
FINISHED_STEP = "Finished Step"
AML_MONITOR_UPDATE = "AML Monitor Update"
FINISHED_SPOT_CHECK = "Finished Spot Check"
FINISHED_ONGOING_CHECK = "Finished Ongoing Check"
UPDATED_JOURNEY = "Updated Journey"
VERIFICATION_UPDATE_REQUIRED = "Verification Update Required"
KYC_RENEWAL_DEADLINE_EXCEEDED = "KYC Renewal Deadline Exceeded"
STEP_SUBMITTED = "Step Submitted"

# Events whose decisions are the verdict (final, falling back to system).
_VERDICT_EVENTS = (
    FINISHED_JOURNEY,
    MANUALLY_REVIEWED,
    AML_MONITOR_UPDATE,
    FINISHED_SPOT_CHECK,
    FINISHED_ONGOING_CHECK,
    UPDATED_JOURNEY,
)
# Sent while the user is still going: whatever decision they carry is not yet a verdict.
_PROVISIONAL = (FINISHED_USER_STEPS, FINISHED_STEP, STEP_SUBMITTED)

_EVENTS = base.EnumTable(
    {
        **{name: name for name in (*_VERDICT_EVENTS, *_PROVISIONAL)},
        VERIFICATION_UPDATE_REQUIRED: VERIFICATION_UPDATE_REQUIRED,
        KYC_RENEWAL_DEADLINE_EXCEEDED: KYC_RENEWAL_DEADLINE_EXCEEDED,
        # IDWise's own page names the AML event so once.
        "AML Monior Update": AML_MONITOR_UPDATE,
    }
)

RESUBMISSION_REQUESTED = "Resubmission Requested"
APPROVED = "Approved"
REJECTED = "Rejected"

# Decision value -> (IDWise's spelling, outcome). Resubmission is a reviewer asking the user to
# act again (IDWise's manual review API names it so).
_DECISIONS = base.EnumTable(
    {
        "Complete": Outcome.PASS,
        APPROVED: Outcome.PASS,
        REJECTED: Outcome.FAIL,
        "Refer": Outcome.REFER,
        "Incomplete": Outcome.PENDING,
        RESUBMISSION_REQUESTED: Outcome.PENDING,
        "Resubmit": Outcome.PENDING,
    }
)
_RESUBMISSION = frozenset({RESUBMISSION_REQUESTED, "Resubmit"})

SYSTEM = "systemDecision"
MANUAL = "manualDecision"
FINAL = "finalDecision"
REVIEW = "manualReviewDetails.journeyReviewDecision"
PREVIOUS_SYSTEM = "previousSystemDecision"
# The reviewer's own verdicts; the final decision mirrors them once a review happened.
_REVIEWER_FIELDS = (MANUAL, REVIEW)

# The values IDWise documents for each field (rule 2): a system decision is never Approved, a
# reviewer's never Complete. Anything else in that field is unrecognised, not guessed at.
_SYSTEM_VALUES = frozenset({"Complete", "Incomplete", "Refer"})
_REVIEWER_VALUES = frozenset({APPROVED, REJECTED, *_RESUBMISSION})
_ALLOWED: Mapping[str, frozenset[str]] = {
    SYSTEM: _SYSTEM_VALUES,
    PREVIOUS_SYSTEM: _SYSTEM_VALUES,
    MANUAL: _REVIEWER_VALUES,
    REVIEW: _REVIEWER_VALUES,
    FINAL: _SYSTEM_VALUES | _REVIEWER_VALUES,
}

Decisions = Mapping[str, tuple[str, Outcome]]


def classify(body: bytes, headers: Mapping[str, str]) -> Classification:
    hook = base.decode(_decoder, body)
    name = _EVENTS.get(hook.event)
    if name is None:
        reason = base.unrecognised_event("event", hook.event)
        return _classification(hook, base.slug(hook.event or ""), Outcome.PENDING, (reason,))
    event = base.slug(name)
    if name in _PROVISIONAL:
        reason = Reason("provisional", f"{name} is provisional: its decision is not a verdict")
        return _classification(hook, event, Outcome.PENDING, (reason,))
    if name == VERIFICATION_UPDATE_REQUIRED:
        reason = Reason("verification_update_required", "the user must resubmit steps")
        return _classification(hook, event, Outcome.PENDING, (reason,))
    if name == KYC_RENEWAL_DEADLINE_EXCEEDED:
        reason = Reason(
            "kyc_renewal_deadline_exceeded", "required steps not resubmitted before the deadline"
        )
        return _classification(hook, event, Outcome.FAIL, (reason,))
    outcome, reasons = _verdict(hook.body)
    return _classification(hook, event, outcome, reasons)


def _raw_decisions(body: Body) -> dict[str, str]:
    details = body.manual_review_details
    fields = {
        SYSTEM: body.system_decision,
        MANUAL: body.manual_decision,
        FINAL: body.final_decision,
        REVIEW: details.journey_review_decision if details is not None else None,
    }
    return {field: value.strip() for field, value in fields.items() if value and value.strip()}


def _verdict(body: Body) -> tuple[Outcome, tuple[Reason, ...]]:
    raw = _raw_decisions(body)
    recognised = {field: _recognised(field, value) for field, value in raw.items()}
    unknown = tuple(
        base.unrecognised(field, raw[field])
        for field, decision in recognised.items()
        if decision is None
    )
    if unknown:
        return Outcome.REFER, unknown
    decisions = {field: decision for field, decision in recognised.items() if decision}
    if not decisions:
        reason = base.missing(FINAL, "no decision in the event: fetch the journey")
        return Outcome.PENDING, (reason,)
    resubmission = _resubmission(decisions)
    if resubmission is not None:
        return resubmission
    clash = _contradiction(decisions)
    if clash is not None:
        return Outcome.REFER, (clash,)
    deciding = next(field for field in (FINAL, *_REVIEWER_FIELDS, SYSTEM) if field in decisions)
    return decisions[deciding][1], ()


def _recognised(field: str, value: str) -> tuple[str, Outcome] | None:
    """The decision as IDWise spells it and its outcome, if IDWise documents it for the field."""
    decision = _DECISIONS.find(value)
    return decision if decision is not None and decision[0] in _ALLOWED[field] else None


def _resubmission(decisions: Decisions) -> tuple[Outcome, tuple[Reason, ...]] | None:
    """A reviewer asking the user to resubmit is pending, unless a reviewer verdict says else."""
    asking = [
        field
        for field in (*_REVIEWER_FIELDS, FINAL)
        if field in decisions and decisions[field][0] in _RESUBMISSION
    ]
    if not asking:
        return None
    verdicts = [
        field
        for field in (*_REVIEWER_FIELDS, FINAL)
        if field in decisions and decisions[field][0] in (APPROVED, REJECTED)
    ]
    if verdicts:
        clash = Reason(
            base.CONTRADICTION,
            f"{asking[0]} asks for resubmission but {verdicts[0]} is {decisions[verdicts[0]][0]}",
            verdicts[0],
        )
        return Outcome.REFER, (clash,)
    reason = Reason("resubmission_requested", "a manual review asked for resubmission", asking[0])
    return Outcome.PENDING, (reason,)


def _contradiction(decisions: Decisions) -> Reason | None:
    """Two decisions that should agree but name different outcomes.

    The final decision mirrors the reviewer's once a review happened, else the system's; a final
    decision missing beside a review must at least agree with the system decision it falls back
    to. Outcomes are compared, not spellings: Complete and Approved are both a pass.
    """
    reviewer = [field for field in _REVIEWER_FIELDS if field in decisions]
    if FINAL in decisions:
        pairs = [(FINAL, field) for field in reviewer] or [(FINAL, SYSTEM)]
    else:
        pairs = [(SYSTEM, field) for field in reviewer]
    if len(reviewer) == 2:
        pairs.append((MANUAL, REVIEW))
    for left, right in pairs:
        if left in decisions and right in decisions and decisions[left][1] != decisions[right][1]:
            return Reason(
                base.CONTRADICTION,
                f"{left} {decisions[left][0]} contradicts {right} {decisions[right][0]}",
                left,
            )
    return None


def _decision_reasons(body: Body) -> tuple[Reason, ...]:
    raw = _raw_decisions(body)
    if body.previous_system_decision and body.previous_system_decision.strip():
        raw[PREVIOUS_SYSTEM] = body.previous_system_decision.strip()
    reasons = []
    for field, value in raw.items():
        known = _recognised(field, value)
        code = base.code(f"{field}:{known[0] if known else value}") or field
        reasons.append(Reason(code, None, field))
    return tuple(reasons)


def _context_reasons(body: Body) -> tuple[Reason, ...]:
    reasons = [
        Reason(base.code(f"{field}:{value.strip()}") or field, None, field)
        for field, value in (("action", body.action), ("trigger", body.trigger))
        if value and value.strip()
    ]
    details = body.manual_review_details
    review_code = base.code(details.reason_code) if details is not None else None
    if review_code:
        reasons.append(
            Reason(review_code, "manual review reason", "manualReviewDetails.reasonCode")
        )
    for step in body.required_steps or ():
        message = f"step {step.step_id} must be resubmitted" if step.step_id is not None else None
        code = base.code(step.reason_code) or "required_step"
        reasons.append(Reason(code, message, "requiredSteps"))
    return tuple(reasons)


def _classification(
    hook: Webhook, event: str, outcome: Outcome, reasons: tuple[Reason, ...]
) -> Classification:
    body = hook.body
    event_id = base.id_text(body.event_id)
    return Classification(
        event=event,
        outcome=outcome,
        reasons=(*reasons, *_decision_reasons(body), *_context_reasons(body)),
        subject=base.subject(
            journey_id=body.journey_id,
            reference_no=body.reference_no,
            spot_check_journey_id=body.spot_check_journey_id,
            ongoing_check_id=body.ongoing_check_id,
            step_id=body.step_id,
        ),
        identity=(event_id,) if event_id else None,
    )
