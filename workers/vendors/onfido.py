"""Onfido (Entrust Identity Verification) webhooks: decoded here, classified by onfido.toml
(docs/policy.md).

Every Onfido webhook, Classic (checks, reports) or Studio (workflow runs and tasks), is one JSON
object: ``{payload{resource_type, action, object{id, status?, started_at_iso8601?,
completed_at_iso8601?, href, workflow_run_id?, task_def_id?, task_spec_id?}, resource?{...}}}``,
told apart by ``payload.action`` (Onfido's ``webhook_event_type``): ``check.*``, ``report.*``,
``workflow_run.completed``, ``workflow_task.*``, ``watchlist_monitor.matches_updated``,
``audit_log.created``, ``workflow_timeline_file.created``,
``workflow_run_evidence_folder.created``. ``resource``, the object itself, comes only with some
events and webhook payload versions (Studio's always; a check or a report's only where the
webhook is set to carry it). An object without ``payload.action`` is not Onfido's (rule 5); an
action this adapter does not know is an unknown event (rule 3, ``unrecognised_event``, field
``payload.action``), its word the action slugged (``workflow_run.started`` ->
``workflow_run_started``).

Values extracted (named below ``payload``, as Onfido's schema does): ``object.status`` (the
verdict of a workflow run; on every other event only said, under the key
``object.status.noted``); ``resource.status``, ``resource.error.type`` and ``resource.reasons``
(a workflow run's); and, only when the webhook carries the resource, ``resource.result`` (a
check's, under ``resource.result``; a report's, under ``resource.result.part``),
``resource.sub_result`` and ``resource.name`` (a report's kind). A check or report webhook
without its resource leaves its result unread: the table then says ``result_not_in_webhook``,
unless the worker fetches the check or report from Onfido's API (``Facts.fetch``).

Never declared, so never read: ``resource.input`` and ``resource.output`` (names, birth dates,
document numbers), ``timeline_file_download_url`` (a pre-signed URL), ``dashboard_url``,
``customer_user_id`` (the integrator's own user id, which may be an e-mail address), ``tags``,
``href``, the error's ``message`` and anything else.

Subject names: the object's id under its resource type's name (``check_id``, ``report_id``,
``workflow_run_id``, ``task_id`` for a workflow task, ``watchlist_monitor_id``,
``audit_log_id``, ``workflow_timeline_file_id``, ``workflow_run_evidence_folder_id``;
``object_id`` for a type not listed); ``workflow_run_id`` (a task's or file's run, from
``object`` or ``resource``), ``task_def_id``, ``applicant_id``, ``workflow_id`` and a report's
``check_id`` from the resource.

Identity: Onfido sends no event id. A retry (or ``POST /webhooks/resend``) repeats the action,
the object and its times, so: (action, object.id, object.status, completed_at_iso8601,
started_at_iso8601), the action whatever its letter case, the status whatever its letter case
and the separators between its words. Without an object id, or without either time, the body
hash: an object's id and status alone would merge two events about one object (two match
updates of one watchlist monitor). ``occurred_at``:
``completed_at_iso8601``, else ``started_at_iso8601``, else the resource's ``updated_at``.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from workers.vendors import base, policy
from workers.vendors.base import Id
from workers.vendors.policy import Facts


class Object(msgspec.Struct, frozen=True):
    id: Id | None = None
    status: str | None = None
    started_at_iso8601: str | None = None
    completed_at_iso8601: str | None = None
    # A workflow task's run and task definition (``document_check``).
    workflow_run_id: Id | None = None
    task_def_id: str | None = None


class RunError(msgspec.Struct, frozen=True):
    # ``message`` ("a textual description of the error") is left undeclared: nothing says it
    # cannot repeat what the person entered.
    type: str | None = None


class Resource(msgspec.Struct, frozen=True):
    # ``input``, ``output`` and every field holding personal data or a URL are not declared.
    status: str | None = None
    result: str | None = None
    sub_result: str | None = None
    name: str | None = None
    reasons: tuple[str, ...] | None = None
    error: RunError | None = None
    applicant_id: Id | None = None
    check_id: Id | None = None
    workflow_id: Id | None = None
    workflow_run_id: Id | None = None
    task_def_id: str | None = None
    updated_at: str | None = None


class Payload(msgspec.Struct, frozen=True):
    # The one field every Onfido webhook carries: without it the body is not Onfido's.
    action: str
    resource_type: str | None = None
    object: Object | None = None
    resource: Resource | None = None


class Webhook(msgspec.Struct, frozen=True):
    payload: Payload


_decoder = base.lenient_decoder(Webhook)

# Onfido's webhook_event_type, each under its event word (the table's key).
_ACTIONS = (
    "audit_log.created",
    "watchlist_monitor.matches_updated",
    "workflow_run.completed",
    "workflow_task.started",
    "workflow_task.completed",
    "check.started",
    "check.reopened",
    "check.withdrawn",
    "check.completed",
    "check.form_completed",
    "report.withdrawn",
    "report.resumed",
    "report.cancelled",
    "report.awaiting_approval",
    "report.completed",
    "workflow_timeline_file.created",
    "workflow_run_evidence_folder.created",
)
_EVENTS = base.EnumTable({action: action for action in _ACTIONS})

# The subject name of the object's id, by resource type.
_ID_NAMES = base.EnumTable(
    {
        "check": "check_id",
        "report": "report_id",
        "workflow_run": "workflow_run_id",
        "workflow_task": "task_id",
        "watchlist_monitor": "watchlist_monitor_id",
        "audit_log": "audit_log_id",
        "workflow_timeline_file": "workflow_timeline_file_id",
        "workflow_run_evidence_folder": "workflow_run_evidence_folder_id",
    }
)


def extract(body: bytes, headers: Mapping[str, str]) -> Facts:
    payload = base.decode(_decoder, body).payload
    found = _EVENTS.find(payload.action)
    action = found[0] if found is not None else None
    event = base.slug(action or payload.action)
    obj = payload.object or Object()
    resource = payload.resource

    values: dict[str, policy.Value | tuple[policy.Value, ...]] = {
        "object.status": obj.status,
        "object.status.noted": obj.status,
    }
    if resource is not None:
        error = resource.error
        values |= {
            "resource.status": resource.status,
            "resource.error.type": error.type if error is not None else None,
            "resource.reasons": resource.reasons or None,
            # A check's result and a report's: read only where the webhook carries the
            # resource; without it, the key is absent and the result is not in the webhook.
            "resource.result": resource.result,
            "resource.result.part": resource.result,
            "resource.sub_result": resource.sub_result,
            "resource.name": resource.name,
        }

    object_id = base.id_text(obj.id)
    completed_at = obj.completed_at_iso8601 or ""
    started_at = obj.started_at_iso8601 or ""
    identity = (
        (
            action or base.key(payload.action) or "",
            object_id,
            _spelling(obj.status),
            completed_at,
            started_at,
        )
        if object_id is not None and (completed_at or started_at)
        else None
    )
    return Facts(
        event=event,
        event_name=payload.action,
        event_field="payload.action",
        known=action is not None,
        values=values,
        subject=_subject(payload, obj, resource, action, object_id),
        identity=identity,
        # A check's or report's result, not in the webhook: GET /checks/{id} or /reports/{id}.
        fetch=base.fetch(_FETCHED[action], object_id)
        if resource is None and action in _FETCHED
        else None,
        occurred_at=base.timestamp(
            obj.completed_at_iso8601
            or obj.started_at_iso8601
            or (resource.updated_at if resource is not None else None)
        ),
    )


# The events whose result the API gives when the webhook does not carry it, and its resource.
_FETCHED = {"check.completed": "check", "report.completed": "report"}


def _spelling(value: str | None) -> str:
    """A status as part of the identity: ``Awaiting Client Input`` is ``awaiting_client_input``
    (both ``AWAITING_CLIENT_INPUT``)."""
    found = base.words(value)
    return "_".join(found) if found is not None else base.key(value) or ""


def _subject(
    payload: Payload,
    obj: Object,
    resource: Resource | None,
    action: str | None,
    object_id: str | None,
) -> dict[str, str]:
    # The resource type as sent, else the one the action names (``check`` of ``check.started``).
    kind = payload.resource_type or (action or payload.action).partition(".")[0]
    ids: dict[str, Id | None] = {_ID_NAMES.get(kind) or "object_id": object_id}

    def also(name: str, value: Id | None) -> None:
        # The object's own id, under its type's name, wins (a report's check is the resource's).
        if ids.get(name) is None:
            ids[name] = base.id_text(value)

    also("workflow_run_id", obj.workflow_run_id)
    also("task_def_id", obj.task_def_id)
    if resource is not None:
        also("workflow_run_id", resource.workflow_run_id)
        also("task_def_id", resource.task_def_id)
        also("check_id", resource.check_id)
        also("applicant_id", resource.applicant_id)
        also("workflow_id", resource.workflow_id)
    return base.subject(**ids)
