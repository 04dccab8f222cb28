"""MetaMap (formerly Mati) webhooks: decoded here, classified by metamap.toml (docs/policy.md).

Every MetaMap webhook is one JSON object told apart by ``eventName``:

- ``step_completed``: ``{resource, step{status, id, data, error}, eventName, flowId, timestamp,
  metadata?}``, one per verification step (document-reading, template-matching, age-check,
  duplicate-user-detection, alteration-detection, facematch, liveness, watchlists, ...).
- ``verification_*`` lifecycle events: ``{resource, eventName, flowId, timestamp, identityStatus?,
  status?, metadata?}``.

Values extracted: ``identityStatus``; for a step, its error's ``step.error.type``,
``step.error.code`` (with the error's message) and ``step.error.reasonCode``, and ``step.id``
beside an error (a watchlist step's error is a reviewer's call, whatever its type).

Subject names: ``verification_id`` (last path segment of ``resource``), ``flow_id``, and
``step_id`` on step events. Identity: (verification_id, event word, step id or "", timestamp).
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from workers.vendors import base
from workers.vendors.base import Undecodable
from workers.vendors.policy import Facts


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
VERIFICATION_COMPLETED = "verification_completed"
# What a completed verification without its status announces: the verification resource.
VERIFICATION = "verification"
_EVENT_NAMES = base.EnumTable.of(
    STEP_COMPLETED,
    "verification_started",
    "verification_inputs_completed",
    "verification_signed",
    "verification_postponed",
    "verification_expired",
    VERIFICATION_COMPLETED,
    "verification_updated",
)


def extract(body: bytes, headers: Mapping[str, str]) -> Facts:
    hook = base.decode(_decoder, body)
    name = _EVENT_NAMES.get(hook.event_name)
    step = hook.step
    if name == STEP_COMPLETED and step is None:
        raise Undecodable("Object missing required field `step` - at `$`")
    step_id = (step.id or "") if step is not None else ""
    values: dict[str, str | None] = {"identityStatus": hook.identity_status}
    messages: dict[str, str] = {}
    if step is not None and step.error is not None:
        error = step.error
        values |= {
            "step.error.type": error.type,
            "step.id": step_id,
            "step.error.code": error.code,
            "step.error.reasonCode": error.reason_code,
        }
        if error.message:
            messages["step.error.code"] = error.message
    event = name or base.slug(hook.event_name)
    verification_id = _verification_id(hook.resource)
    return Facts(
        event=event,
        event_name=hook.event_name,
        event_field="eventName",
        known=name is not None,
        values=values,
        messages=messages,
        subject=base.subject(
            verification_id=verification_id, flow_id=hook.flow_id, step_id=step_id
        ),
        identity=(
            (verification_id, event, step_id, hook.timestamp or "")
            if verification_id is not None
            else None
        ),
        occurred_at=base.timestamp(hook.timestamp),
        # A completed verification without its status: GET /v2/verifications/{id} (by the id,
        # never by the body's URL, which would take the API's credentials where a body points).
        fetch=base.fetch(VERIFICATION, verification_id)
        if event == VERIFICATION_COMPLETED and not (hook.identity_status or "").strip()
        else None,
    )


def _verification_id(resource: str | None) -> str | None:
    """``https://api.getmati.com/v2/verifications/<id>`` -> ``<id>``."""
    if not resource:
        return None
    path = resource.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return path.rpartition("/")[2] or None
