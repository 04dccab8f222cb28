"""Jumio (Jumio Platform, KYX) callbacks: decoded here, classified by jumio.toml (docs/policy.md).

Jumio sends one kind of callback, a JSON object with the transaction's status and ids only:
``{callbackSentAt, userReference?, workflowExecution{id, href, definitionKey, status},
account{id, href}}``. The result itself (``decision.type`` PASSED, WARNING, REJECTED,
NOT_EXECUTED) is never in the callback: where Jumio's API is configured the worker fetches the
workflow execution (``Facts.fetch``), its ``decision.type`` then decides; otherwise PROCESSED is
pending, ``result_not_in_webhook``. Legacy Netverify callbacks (form-encoded)
are not the Platform's and do not decode.

Events: Jumio names none; ``workflowExecution.status`` is both what happened and Jumio's only
verdict-carrying field. A status Jumio documents is the event word: ``initiated``, ``acquired``,
``processed``, ``session_expired``, ``token_expired``. Any other status, or none, is the event
``callback``, where the table says what the status means (rule 2: refer). There is no unknown
event (rule 3) for Jumio: every callback is the one documented kind.

Values extracted: ``workflowExecution.status`` (also as ``workflowExecution.status.noted``, said
beside a PROCESSED callback's result). A ``decision`` in a callback is not Jumio's documented
shape and is never read: only a fetched one decides.

Subject names: ``workflow_execution_id`` ← workflowExecution.id, ``account_id`` ← account.id,
``definition_key`` ← workflowExecution.definitionKey, ``user_reference`` ← userReference (the
integrator's own reference for the end user, which Jumio requires to hold no personal data).

Identity: (workflow_execution_id, status), the status in Jumio's spelling whatever its case, as
Jumio sends no event id. ``callbackSentAt`` is left out: it is when the callback was sent, and a
resent callback may carry a new one. Without a workflow execution id, the body hash.
``occurred_at``: ``callbackSentAt``.

Personal data: Jumio's callbacks carry none. The ``href`` URLs (retrieval links) and anything
else a body may carry are not declared, so they can never reach an event.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from workers.vendors import base
from workers.vendors.base import Id
from workers.vendors.policy import Facts


class WorkflowExecution(msgspec.Struct, frozen=True, rename="camel"):
    # ``href`` (the retrieval URL) decides and identifies nothing the ids do not: not declared.
    id: Id | None = None
    definition_key: Id | None = None
    status: str | None = None


class Account(msgspec.Struct, frozen=True):
    id: Id | None = None


class Callback(msgspec.Struct, frozen=True, rename="camel"):
    # The object every Jumio Platform callback carries: its absence means the body is not Jumio's.
    workflow_execution: WorkflowExecution
    account: Account | None = None
    callback_sent_at: str | None = None
    user_reference: Id | None = None


_decoder = base.lenient_decoder(Callback)

STATUS = "workflowExecution.status"
NOTED = "workflowExecution.status.noted"
# The statuses Jumio documents for a workflow execution; each is an event word.
_STATUSES = base.EnumTable.of(
    "INITIATED", "ACQUIRED", "PROCESSED", "SESSION_EXPIRED", "TOKEN_EXPIRED"
)
# A callback whose status is none of them: the table decides by the status (refer).
CALLBACK = "callback"
# What a PROCESSED callback announces: the workflow execution, with its decision.
FETCHED = "workflow_execution"


def extract(body: bytes, headers: Mapping[str, str]) -> Facts:
    hook = base.decode(_decoder, body)
    execution = hook.workflow_execution
    found = _STATUSES.find(execution.status)
    status = found[0] if found is not None else base.key(execution.status)
    execution_id = base.id_text(execution.id)
    account_id = base.id_text(hook.account.id) if hook.account is not None else None
    return Facts(
        event=base.slug(found[0]) if found is not None else CALLBACK,
        event_name=execution.status,
        event_field=STATUS,
        values={STATUS: execution.status, NOTED: execution.status},
        subject=base.subject(
            workflow_execution_id=execution_id,
            account_id=account_id,
            definition_key=base.id_text(execution.definition_key),
            user_reference=base.id_text(hook.user_reference),
        ),
        identity=(execution_id, status or "") if execution_id else None,
        occurred_at=base.timestamp(hook.callback_sent_at),
        # The decision is on the Retrieval API's workflow execution, by the ids (never by the
        # callback's href, which would take the API's credentials wherever a body points).
        fetch=base.fetch(FETCHED, account_id, execution_id) if status == "PROCESSED" else None,
    )
