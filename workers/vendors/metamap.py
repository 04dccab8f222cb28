"""MetaMap (formerly Mati) webhooks: decoded and classified by docs/outcomes.md.

Every MetaMap webhook is one JSON object told apart by ``eventName``:

- ``step_completed``: ``{resource, step{status, id, data, error}, eventName, flowId, timestamp,
  metadata?}``, one per verification step (document-reading, template-matching, age-check,
  duplicate-user-detection, alteration-detection, facematch, liveness, watchlists, ...).
- ``verification_*`` lifecycle events: ``{resource, eventName, flowId, timestamp, identityStatus?,
  status?, metadata?}``.

Event words emitted (``Classification.event``): ``step_completed``, ``verification_started``,
``verification_inputs_completed``, ``verification_completed``, ``verification_updated``,
``verification_postponed``, ``verification_expired``, ``verification_signed``, and for an
unknown ``eventName`` its :func:`base.slug`.

Reason codes: the identityStatus as MetaMap spells it (``verified``, ``reviewNeeded``...), the
lifecycle event word, the step error's ``code`` and ``reasonCode``; ``missing_value`` when a
verification_completed or verification_updated carries no identityStatus (absent, null or
blank: fetch ``resource``), ``unrecognised_value``, ``contradiction``, ``unrecognised_event``.

Subject names: ``verification_id`` (last path segment of ``resource``), ``flow_id``, and
``step_id`` on step events. Identity: (verification_id, event word, step id or "", timestamp).
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from shared.outcome import Outcome, Reason
from workers.vendors import base
from workers.vendors.base import Classification, Undecodable


class StepError(msgspec.Struct, frozen=True, rename="camel"):
    type: str | None = None
    code: str | None = None
    message: str | None = None
    # Sub-reason of some codes, e.g. ``blurred`` or ``screenshot`` for alteration detection.
    reason_code: str | None = None


class Step(msgspec.Struct, frozen=True):
    # ``data`` holds personal data and changes shape from step to step, and ``status`` (always an
    # HTTP-like 200) decides nothing: neither is declared, so neither can fail a decode.
    id: str | None = None
    error: StepError | None = None


class Webhook(msgspec.Struct, frozen=True, rename="camel"):
    # The one field every MetaMap webhook carries: its absence means the body is not MetaMap's.
    event_name: str
    resource: str | None = None
    flow_id: str | None = None
    timestamp: str | None = None
    step: Step | None = None
    identity_status: str | None = None
    # An object or a JSON string, never read: Raw accepts either (and anything else) so the
    # caller's own data can neither fail a decode nor leak into an outcome. The older ``status``
    # field is left undeclared for the same reason: it lags ``identityStatus`` and decides nothing.
    metadata: msgspec.Raw = msgspec.Raw()


_decoder = base.lenient_decoder(Webhook)

STEP_COMPLETED = "step_completed"

# Lifecycle events whose outcome is fixed by the event itself; None means identityStatus decides.
_LIFECYCLE: Mapping[str, Outcome | None] = {
    "verification_started": Outcome.PENDING,
    "verification_inputs_completed": Outcome.PENDING,
    "verification_signed": Outcome.PENDING,
    "verification_postponed": Outcome.PENDING,
    "verification_expired": Outcome.FAIL,
    "verification_completed": None,
    "verification_updated": None,
}
_EVENT_NAMES = base.EnumTable.of(STEP_COMPLETED, *_LIFECYCLE)

# identityStatus -> (canonical spelling, outcome). ``deleted`` (known to MetaMap's SDKs) is left
# out on purpose: the policy maps no verdict to it, so it is referred under rule 2.
_IDENTITY_STATUS = base.EnumTable(
    {
        "verified": Outcome.PASS,
        "rejected": Outcome.FAIL,
        "reviewNeeded": Outcome.REFER,
        "postponed": Outcome.PENDING,
        "pending": Outcome.PENDING,
        "running": Outcome.PENDING,
    }
)

# step.error.type -> outcome of an error of that type (before the refer exceptions).
_ERROR_TYPES = base.EnumTable(
    {
        "StepError": Outcome.FAIL,
        "LegacyError": Outcome.FAIL,
        "SystemError": Outcome.SYSTEM_ERROR,
        "REQUEST_REJECTED": Outcome.SYSTEM_ERROR,
    }
)


def classify(body: bytes, headers: Mapping[str, str]) -> Classification:
    hook = base.decode(_decoder, body)
    event = _EVENT_NAMES.get(hook.event_name)
    if event is None:
        return _unrecognised_event(hook)
    if event == STEP_COMPLETED:
        return _step(hook)
    return _lifecycle(hook, event)


def _step(hook: Webhook) -> Classification:
    if hook.step is None:
        raise Undecodable("Object missing required field `step` - at `$`")
    step_id = hook.step.id or ""
    error = hook.step.error
    if error is None:
        reasons: tuple[Reason, ...] = (
            Reason(STEP_COMPLETED, f"step {step_id!r} completed without error; no verdict alone"),
        )
        outcome = Outcome.PENDING
    else:
        outcome, reasons = _step_error(step_id, error)
    return _classification(hook, STEP_COMPLETED, outcome, reasons, step_id=step_id)


def _step_error(step_id: str, error: StepError) -> tuple[Outcome, tuple[Reason, ...]]:
    # The whole code decides; only the reason's copy of it is capped.
    code = (error.code or "").strip()
    vendor = [Reason(base.code(code) or "step_error", error.message)]
    reason_code = base.code(error.reason_code)
    if reason_code:
        message = f"reasonCode of {base.code(code)}"
        vendor.append(Reason(reason_code, message, "step.error.reasonCode"))
    outcome = _ERROR_TYPES.get(error.type)
    if outcome is None:
        return Outcome.REFER, (base.unrecognised("step.error.type", error.type), *vendor)
    if outcome is Outcome.FAIL and _asks_for_review(step_id, code):
        outcome = Outcome.REFER
    return outcome, tuple(vendor)


def _asks_for_review(step_id: str, code: str | None) -> bool:
    """Negligence (a blurred or cut document, not fraud) and any watchlist step error go to review.

    A watchlist step reports a step error only when it found a match or could not search
    (``customWatchlists.notEnoughParams``, ``node.failed``, ...): neither is a verdict on the
    person, both are a compliance reviewer's call.
    """
    code_key = (code or "").lower()
    namespace = code_key.partition(".")[0]
    return (
        code_key.endswith(".negligence")
        or "watchlist" in namespace
        or "watchlist" in step_id.lower()
    )


def _lifecycle(hook: Webhook, event: str) -> Classification:
    fixed = _LIFECYCLE[event]
    status = hook.identity_status
    # A blank identityStatus is as good as none, as IDWise's blank decisions are.
    if status is None or not status.strip():
        if fixed is None:
            reason = base.missing(
                "identityStatus", "no identityStatus: fetch the verification from resource"
            )
            return _classification(hook, event, Outcome.PENDING, (reason,))
        return _classification(hook, event, fixed, (Reason(event),))
    known = _IDENTITY_STATUS.find(status)
    if known is None:
        return _classification(
            hook, event, Outcome.REFER, (base.unrecognised("identityStatus", status),)
        )
    name, by_status = known
    status_reason = Reason(name, f"identityStatus {name}", "identityStatus")
    if fixed is None:
        return _classification(hook, event, by_status, (status_reason,))
    if {fixed, by_status} == {Outcome.PASS, Outcome.FAIL}:
        contradiction = Reason(
            base.CONTRADICTION, f"{event} but identityStatus {name}", "identityStatus"
        )
        return _classification(hook, event, Outcome.REFER, (contradiction, status_reason))
    # The event itself is the news (started, signed, expired...): identityStatus only informs.
    return _classification(hook, event, fixed, (Reason(event), status_reason))


def _unrecognised_event(hook: Webhook) -> Classification:
    reason = base.unrecognised_event("eventName", hook.event_name)
    step_id = hook.step.id if hook.step is not None else None
    return _classification(
        hook, base.slug(hook.event_name), Outcome.PENDING, (reason,), step_id=step_id or ""
    )


def _classification(
    hook: Webhook,
    event: str,
    outcome: Outcome,
    reasons: tuple[Reason, ...],
    *,
    step_id: str = "",
) -> Classification:
    verification_id = _verification_id(hook.resource)
    identity = None
    if verification_id is not None:
        identity = (verification_id, event, step_id, hook.timestamp or "")
    return Classification(
        event=event,
        outcome=outcome,
        reasons=reasons,
        subject=base.subject(
            verification_id=verification_id, flow_id=hook.flow_id, step_id=step_id
        ),
        identity=identity,
        occurred_at=base.timestamp(hook.timestamp),
    )


def _verification_id(resource: str | None) -> str | None:
    """``https://api.getmati.com/v2/verifications/<id>`` -> ``<id>``."""
    if not resource:
        return None
    path = resource.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return path.rpartition("/")[2] or None
