"""Onfido adapter: each fixture classified by onfido.toml, plus identity, subject and properties."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.outcome import Outcome
from tests.vendors import mutations
from tests.vendors.mutations import PROPERTY, encode
from workers.vendors import CLASSIFIERS, SHIPPED
from workers.vendors.base import EnumTable

fixtures = mutations.Fixtures("onfido")
load, body_of = fixtures.load, fixtures.body
TABLE_POLICY = SHIPPED["onfido"]
classify = CLASSIFIERS["onfido"]

# (fixture, outcome, event, reason codes)
TABLE: list[tuple[str, str, str, tuple[str, ...]]] = [
    # --- Onfido's own examples (onfido-python's webhook tests), byte for byte
    (
        "check-completed--sdk-example",
        "pending",
        "check_completed",
        ("result_not_in_webhook", "object.status:complete"),
    ),
    (
        "workflow-task-started--sdk-example",
        "pending",
        "workflow_task_started",
        ("workflow_task_started", "object.status:started"),
    ),
    (
        "workflow-task-completed--document-check-sdk-example",
        "pending",
        "workflow_task_completed",
        ("workflow_task_completed", "object.status:completed"),
    ),
    (
        "workflow-task-completed--document-photo-sdk-example",
        "pending",
        "workflow_task_completed",
        ("workflow_task_completed", "object.status:completed"),
    ),
    # --- the third-party example (api-evangelist's AsyncAPI), and every other run status
    (
        "workflow-run-completed--approved",
        "pass",
        "workflow_run_completed",
        ("object.status:approved",),
    ),
    (
        "workflow-run-completed--declined",
        "fail",
        "workflow_run_completed",
        ("object.status:declined",),
    ),
    (
        "workflow-run-completed--review",
        "refer",
        "workflow_run_completed",
        ("object.status:review",),
    ),
    (
        "workflow-run-completed--abandoned",
        "fail",
        "workflow_run_completed",
        ("object.status:abandoned",),
    ),
    (
        "workflow-run-completed--error",
        "system_error",
        "workflow_run_completed",
        ("object.status:error",),
    ),
    (
        "workflow-run-completed--processing",
        "pending",
        "workflow_run_completed",
        ("object.status:processing",),
    ),
    (
        "workflow-run-completed--awaiting-input",
        "pending",
        "workflow_run_completed",
        ("object.status:awaiting_input",),
    ),
    (
        "workflow-run-completed--awaiting-client-input",
        "pending",
        "workflow_run_completed",
        ("object.status:awaiting_client_input",),
    ),
    ("workflow-run-completed--no-status", "refer", "workflow_run_completed", ("missing_value",)),
    (
        "workflow-run-completed--other-object-status-cancelled",
        "refer",
        "workflow_run_completed",
        ("unrecognised_value",),
    ),
    # --- a run carrying its resource: its status must agree; reasons and error type are said
    (
        "workflow-run-completed--resource-agrees",
        "pass",
        "workflow_run_completed",
        (
            "object.status:approved",
            "resource.status:approved",
            "resource.reasons:document_check_clear",
            "resource.reasons:facial_similarity_clear",
        ),
    ),
    (
        "workflow-run-completed--resource-disagrees",
        "refer",
        "workflow_run_completed",
        ("contradiction", "object.status:approved", "resource.status:declined"),
    ),
    (
        "workflow-run-completed--resource-still-processing",
        "refer",
        "workflow_run_completed",
        ("contradiction", "object.status:approved", "resource.status:processing"),
    ),
    (
        "workflow-run-completed--declined-resource-abandoned",
        "fail",
        "workflow_run_completed",
        ("object.status:declined", "resource.status:abandoned"),
    ),
    (
        "workflow-run-completed--error-with-error-object",
        "system_error",
        "workflow_run_completed",
        ("object.status:error", "resource.status:error", "resource.error.type:task_error"),
    ),
    (
        "workflow-run-completed--review-with-reasons",
        "refer",
        "workflow_run_completed",
        (
            "object.status:review",
            "resource.status:review",
            "resource.reasons:document_check_consider",
        ),
    ),
    # --- check events
    (
        "check-started--in-progress",
        "pending",
        "check_started",
        ("check_started", "object.status:in_progress"),
    ),
    (
        "check-started--awaiting-applicant",
        "pending",
        "check_started",
        ("check_started", "object.status:awaiting_applicant"),
    ),
    (
        "check-reopened--reopened",
        "pending",
        "check_reopened",
        ("check_reopened", "object.status:reopened"),
    ),
    (
        "check-withdrawn--withdrawn",
        "pending",
        "check_withdrawn",
        ("check_withdrawn", "object.status:withdrawn"),
    ),
    (
        "check-form-completed--in-progress",
        "pending",
        "check_form_completed",
        ("check_form_completed", "object.status:in_progress"),
    ),
    (
        "check-completed--resource-clear",
        "pass",
        "check_completed",
        ("resource.result:clear", "object.status:complete"),
    ),
    (
        "check-completed--resource-consider",
        "refer",
        "check_completed",
        ("resource.result:consider", "object.status:complete"),
    ),
    (
        "check-completed--resource-without-result",
        "refer",
        "check_completed",
        ("missing_value", "object.status:complete"),
    ),
    (
        "check-completed--resource-unidentified",
        "refer",
        "check_completed",
        ("unrecognised_value", "object.status:complete"),
    ),
    # --- report events
    (
        "report-completed--no-resource",
        "pending",
        "report_completed",
        ("result_not_in_webhook", "object.status:complete"),
    ),
    (
        "report-withdrawn--withdrawn",
        "pending",
        "report_withdrawn",
        ("report_withdrawn", "object.status:withdrawn"),
    ),
    (
        "report-resumed--awaiting-data",
        "pending",
        "report_resumed",
        ("report_resumed", "object.status:awaiting_data"),
    ),
    (
        "report-cancelled--cancelled",
        "pending",
        "report_cancelled",
        ("report_cancelled", "object.status:cancelled"),
    ),
    (
        "report-awaiting-approval--awaiting-approval",
        "pending",
        "report_awaiting_approval",
        ("report_awaiting_approval", "object.status:awaiting_approval"),
    ),
    (
        "report-completed--clear",
        "pending",
        "report_completed",
        (
            "resource.result:clear",
            "resource.sub_result:clear",
            "resource.name:document",
            "object.status:complete",
        ),
    ),
    (
        "report-completed--consider",
        "refer",
        "report_completed",
        (
            "resource.result:consider",
            "resource.name:facial_similarity_photo",
            "object.status:complete",
        ),
    ),
    (
        "report-completed--caution",
        "refer",
        "report_completed",
        ("resource.result:caution", "resource.name:document", "object.status:complete"),
    ),
    (
        "report-completed--unidentified",
        "refer",
        "report_completed",
        (
            "resource.result:unidentified",
            "resource.name:identity_enhanced",
            "object.status:complete",
        ),
    ),
    (
        "report-completed--sub-result-rejected",
        "fail",
        "report_completed",
        (
            "resource.sub_result:rejected",
            "resource.result:consider",
            "resource.name:document",
            "object.status:complete",
        ),
    ),
    (
        "report-completed--sub-result-suspected",
        "fail",
        "report_completed",
        (
            "resource.sub_result:suspected",
            "resource.result:consider",
            "resource.name:document",
            "object.status:complete",
        ),
    ),
    (
        "report-completed--sub-result-caution",
        "refer",
        "report_completed",
        (
            "resource.result:consider",
            "resource.sub_result:caution",
            "resource.name:document",
            "object.status:complete",
        ),
    ),
    (
        "report-completed--sub-result-rejected-result-clear",
        "fail",
        "report_completed",
        (
            "resource.sub_result:rejected",
            "resource.result:clear",
            "resource.name:document",
            "object.status:complete",
        ),
    ),
    (
        "report-completed--no-result",
        "refer",
        "report_completed",
        (
            "missing_value",
            "resource.sub_result:clear",
            "resource.name:document",
            "object.status:complete",
        ),
    ),
    (
        "report-completed--unknown-sub-result",
        "refer",
        "report_completed",
        (
            "unrecognised_value",
            "resource.result:consider",
            "resource.name:document",
            "object.status:complete",
        ),
    ),
    (
        "report-completed--sub-result-rejected-unknown-result",
        "fail",
        "report_completed",
        (
            "resource.sub_result:rejected",
            "unrecognised_value",
            "resource.name:document",
            "object.status:complete",
        ),
    ),
    # --- the other documented events
    (
        "watchlist-monitor-matches-updated",
        "refer",
        "watchlist_monitor_matches_updated",
        ("watchlist_monitor_matches_updated", "object.status:complete"),
    ),
    (
        "audit-log-created",
        "pending",
        "audit_log_created",
        ("audit_log_created", "object.status:complete"),
    ),
    (
        "workflow-timeline-file-created",
        "pending",
        "workflow_timeline_file_created",
        ("workflow_timeline_file_created", "object.status:approved"),
    ),
    (
        "workflow-run-evidence-folder-created",
        "pending",
        "workflow_run_evidence_folder_created",
        ("workflow_run_evidence_folder_created", "object.status:approved"),
    ),
    # --- events only a third party lists
    (
        "unknown-event--workflow-run-started",
        "pending",
        "workflow_run_started",
        ("unrecognised_event",),
    ),
    (
        "unknown-event--workflow-signed-evidence-file-created",
        "pending",
        "workflow_signed_evidence_file_created",
        ("unrecognised_event",),
    ),
    # --- letter case, separators and numbers as strings
    (
        "case--workflow-run-completed-upper-case",
        "pass",
        "workflow_run_completed",
        ("object.status:approved",),
    ),
    (
        "case--workflow-run-status-words-spaced",
        "pending",
        "workflow_run_completed",
        ("object.status:awaiting_client_input",),
    ),
    (
        "case--check-result-title-case",
        "pass",
        "check_completed",
        ("resource.result:clear", "object.status:complete"),
    ),
    (
        "case--report-results-upper-case",
        "fail",
        "report_completed",
        (
            "resource.sub_result:rejected",
            "resource.result:consider",
            "resource.name:document",
            "object.status:complete",
        ),
    ),
    (
        "case--workflow-task-string-numbers",
        "pending",
        "workflow_task_completed",
        ("workflow_task_completed", "object.status:completed"),
    ),
    (
        "case--workflow-run-resource-string-numbers",
        "pass",
        "workflow_run_completed",
        (
            "object.status:approved",
            "resource.status:approved",
            "resource.reasons:document_check_clear",
            "resource.reasons:facial_similarity_clear",
        ),
    ),
]
NAMES = [row[0] for row in TABLE]

# Each case-- fixture is the same Onfido event as the fixture it was made from.
CASE_OF = {
    "case--workflow-run-completed-upper-case": "workflow-run-completed--approved",
    "case--workflow-run-status-words-spaced": "workflow-run-completed--awaiting-client-input",
    "case--check-result-title-case": "check-completed--resource-clear",
    "case--report-results-upper-case": "report-completed--sub-result-rejected",
    "case--workflow-task-string-numbers": "workflow-task-completed--document-check-sdk-example",
    "case--workflow-run-resource-string-numbers": "workflow-run-completed--resource-agrees",
}

# Onfido's webhook_event_type (onfido-openapi-spec, onfido-python): every one is in the table.
ACTIONS = (
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

# Onfido's webhook_event_object_status.
OBJECT_STATUSES = (
    "processing",
    "awaiting_input",
    "awaiting_client_input",
    "approved",
    "declined",
    "review",
    "abandoned",
    "error",
    "started",
    "cancelled",
    "completed",
    "awaiting_data",
    "awaiting_approval",
    "complete",
    "withdrawn",
    "in_progress",
    "awaiting_applicant",
    "paused",
    "reopened",
)

# Personal data, secrets and URLs in the fixtures (Onfido's own sample person, Jane Doe, and the
# values made up beside it): none may reach an outcome.
PERSONAL = (
    "Jane",
    "Doe",
    "jane.doe",
    "1990-01-01",
    "2031-05-28",
    "999999999",
    "hiwV2PLmeQZzeySPGGwVL48sxVXcyfpXy9LDl1u3lWU=",
    "7af75a3a-ba34-4aa5-9e3e-096c9f56256b",
    "passport",
    "GBR",
    "X-Amz-Signature",
    "onfido.com",
    "onfido.app",
    "https://",
)


ID_NAMES = {
    "check": "check_id",
    "report": "report_id",
    "workflow_run": "workflow_run_id",
    "workflow_task": "task_id",
    "watchlist_monitor": "watchlist_monitor_id",
    "audit_log": "audit_log_id",
    "workflow_timeline_file": "workflow_timeline_file_id",
    "workflow_run_evidence_folder": "workflow_run_evidence_folder_id",
}


@pytest.mark.parametrize(("name", "outcome", "event", "codes"), TABLE)
def test_fixture_classified(name: str, outcome: str, event: str, codes: tuple[str, ...]) -> None:
    payload = body_of(name)["payload"]
    result = classify(load(name), {})

    mutations.assert_classified(result, outcome, event, codes)
    # The object's id, under its resource type's name.
    obj = payload["object"]
    key = ID_NAMES.get(payload["resource_type"], "object_id")
    assert result.subject[key] == obj["id"]
    assert result.identity is not None
    assert result.identity[1] == obj["id"]
    assert result.occurred_at is not None
    assert result.occurred_at.utcoffset() is not None
    mutations.assert_says_none_of(result, PERSONAL)


def test_every_fixture_is_in_the_table() -> None:
    fixtures.assert_all_in_table(NAMES)


def test_every_documented_event_is_in_the_table() -> None:
    words = {action.replace(".", "_") for action in ACTIONS}
    assert words == set(TABLE_POLICY.events)
    assert words <= {row[2] for row in TABLE}


@pytest.mark.parametrize(
    ("name", "token", "signature"),
    [
        # The vendor's own signed examples: the fixtures are their bytes, unchanged.
        (
            "check-completed--sdk-example",
            "wU99mE6jJ7nXOLFwZ0tJymM1lpI15pZh",
            "77ebc3e418f26be6eebb47f7ebe551321de26734fc273961e075fc9ab163d9c7",
        ),
        (
            "workflow-task-started--sdk-example",
            "YKOC6mkBxi6yK2zlUIrLMvsJMFEZObP5",
            "c95a5b785484f6fa1bc25f381b5595d66bf85cb442eefb06aa007802ee6a4dfa",
        ),
        (
            "workflow-task-completed--document-check-sdk-example",
            "YKOC6mkBxi6yK2zlUIrLMvsJMFEZObP5",
            "e3e5565647f5ccf07b2fd8ac22eab94a0a0619413d981fb768295c820523f7d7",
        ),
        (
            "workflow-task-completed--document-photo-sdk-example",
            "YKOC6mkBxi6yK2zlUIrLMvsJMFEZObP5",
            "f3a5170acfcecf8c1bf6d9cb9995c0d9dec941af83056a721530f8de7af2c293",
        ),
    ],
)
def test_sdk_examples_are_verbatim(name: str, token: str, signature: str) -> None:
    assert hmac.new(token.encode(), load(name), hashlib.sha256).hexdigest() == signature


# ------------------------------------------------------------------------------ statuses


def _with_status(name: str, status: str | None) -> bytes:
    return fixtures.changed(name, ("payload", "object", "status"), status)


def _with_action(name: str, action: str) -> bytes:
    return fixtures.changed(name, ("payload", "action"), action)


RUN_STATUSES = {
    "approved": Outcome.PASS,
    "declined": Outcome.FAIL,
    "review": Outcome.REFER,
    "abandoned": Outcome.FAIL,
    "error": Outcome.SYSTEM_ERROR,
    "processing": Outcome.PENDING,
    "awaiting_input": Outcome.PENDING,
    "awaiting_client_input": Outcome.PENDING,
}


@pytest.mark.parametrize("status", OBJECT_STATUSES)
def test_every_object_status_on_a_workflow_run(status: str) -> None:
    result = classify(_with_status("workflow-run-completed--approved", status), {})
    if status in RUN_STATUSES:
        assert result.outcome is RUN_STATUSES[status]
        assert [reason.code for reason in result.reasons] == [f"object.status:{status}"]
    else:
        # Another object's status is no workflow run status: rule 2.
        assert result.outcome is Outcome.REFER
        assert result.reasons[0].code == "unrecognised_value"
        assert result.reasons[0].field == "object.status"


@pytest.mark.parametrize("status", [*OBJECT_STATUSES, "something_new"])
@pytest.mark.parametrize(
    "name",
    [
        "check-started--in-progress",
        "report-cancelled--cancelled",
        "workflow-task-completed--document-check-sdk-example",
        "check-completed--sdk-example",
        "report-completed--no-resource",
    ],
)
def test_a_status_beside_an_event_that_decides_is_only_said(name: str, status: str) -> None:
    before = classify(load(name), {})
    result = classify(_with_status(name, status), {})
    assert result.outcome is before.outcome is Outcome.PENDING
    assert result.reasons[0] == before.reasons[0]
    assert result.reasons[-1].code == f"object.status:{status}"
    assert result.reasons[-1].field == "object.status"


def test_a_watchlist_monitor_hit_refers_whatever_its_status() -> None:
    for status in ("approved", "clear", None):
        result = classify(_with_status("watchlist-monitor-matches-updated", status), {})
        assert result.outcome is Outcome.REFER
        assert result.reasons[0].code == "watchlist_monitor_matches_updated"


def test_missing_and_unrecognised_reasons_name_the_field() -> None:
    cases = {
        "workflow-run-completed--no-status": ("missing_value", "object.status"),
        "workflow-run-completed--other-object-status-cancelled": (
            "unrecognised_value",
            "object.status",
        ),
        "check-completed--resource-without-result": ("missing_value", "resource.result"),
        "check-completed--resource-unidentified": ("unrecognised_value", "resource.result"),
        "report-completed--no-result": ("missing_value", "resource.result"),
        "report-completed--unknown-sub-result": ("unrecognised_value", "resource.sub_result"),
        "workflow-run-completed--resource-disagrees": ("contradiction", "object.status"),
        "unknown-event--workflow-run-started": ("unrecognised_event", "payload.action"),
    }
    for name, (code, field) in cases.items():
        reason = classify(load(name), {}).reasons[0]
        assert (reason.code, reason.field) == (code, field), name
    message = classify(load("check-completed--resource-unidentified"), {}).reasons[0].message
    assert message is not None
    assert "unidentified" in message
    message = classify(load("workflow-run-completed--resource-disagrees"), {}).reasons[0].message
    assert message == "object.status:approved contradicts resource.status:declined"


@pytest.mark.parametrize("value", [None, "", "  "])
def test_a_check_resource_without_a_result_refers(value: str | None) -> None:
    body = body_of("check-completed--resource-clear")
    body["payload"]["resource"]["result"] = value
    result = classify(encode(body), {})
    assert result.outcome is Outcome.REFER
    assert result.reasons[0].code == "missing_value"


@pytest.mark.parametrize("name", ["check-completed--resource-clear", "report-completed--clear"])
@pytest.mark.parametrize("absent", [True, False])
def test_without_its_resource_the_result_is_not_in_the_webhook(name: str, absent: bool) -> None:
    body = body_of(name)
    if absent:
        del body["payload"]["resource"]
    else:
        body["payload"]["resource"] = None
    result = classify(encode(body), {})
    assert result.outcome is Outcome.PENDING
    assert [reason.code for reason in result.reasons] == [
        "result_not_in_webhook",
        "object.status:complete",
    ]


# ------------------------------------------------------------------------------ subject


def test_subject_keys() -> None:
    assert classify(load("workflow-task-completed--document-check-sdk-example"), {}).subject == {
        "task_id": "document_check_75329",
        "workflow_run_id": "b48fdff9-66a1-405d-9912-54780799bd68",
        "task_def_id": "document_check",
    }
    assert classify(load("workflow-run-completed--resource-agrees"), {}).subject == {
        "workflow_run_id": "2f152409-d6c4-4711-8750-48517f99a801",
        "applicant_id": "6a3b8c2e-0000-4000-8000-00000000a001",
        "workflow_id": "221f9d24-cf72-4762-ac4a-01bf3ccc09dd",
    }
    assert classify(load("report-completed--sub-result-rejected"), {}).subject == {
        "report_id": "9c4a1b7e-5a2f-4f0b-8d2e-3e6c1f0a7b05",
        "check_id": "f2302f45-227d-413d-ad61-09ec077a086a",
    }
    assert classify(load("check-completed--resource-clear"), {}).subject == {
        "check_id": "f2302f45-227d-413d-ad61-09ec077a0801",
        "applicant_id": "6a3b8c2e-0000-4000-8000-00000000a001",
    }
    assert classify(load("check-completed--sdk-example"), {}).subject == {
        "check_id": "f2302f45-227d-413d-ad61-09ec077a086a"
    }
    # A resource type Onfido does not list: the object's id under a neutral name.
    assert classify(load("unknown-event--workflow-signed-evidence-file-created"), {}).subject == {
        "object_id": "2f152409-d6c4-4711-8750-48517f99a8d6"
    }


def test_without_a_resource_type_the_action_names_it() -> None:
    body = body_of("check-completed--sdk-example")
    del body["payload"]["resource_type"]
    result = classify(encode(body), {})
    assert result.subject == {"check_id": "f2302f45-227d-413d-ad61-09ec077a086a"}


# ------------------------------------------------------------------------------ identity


@pytest.mark.parametrize("name", NAMES)
def test_a_retry_re_serialised_classifies_equally(name: str) -> None:
    # A retry may come in another key order and spacing: the same event, the same identity.
    assert classify(mutations.reserialised(body_of(name)), {}) == classify(load(name), {})


def test_case_fixtures_are_their_source_event() -> None:
    for case, source in CASE_OF.items():
        assert classify(load(case), {}).identity == classify(load(source), {}).identity


def test_different_events_differ() -> None:
    identities = {name: classify(load(name), {}).identity for name in NAMES if name not in CASE_OF}
    assert None not in identities.values()
    mutations.assert_identities_differ(identities)

    name = "workflow-run-completed--approved"
    original = classify(load(name), {}).identity
    for path, value in (
        (("object", "status"), "declined"),
        (("object", "id"), "2f152409-d6c4-4711-8750-48517f99a8d7"),
        (("object", "completed_at_iso8601"), "2022-12-19T16:54:45Z"),
        (("object", "started_at_iso8601"), "2022-12-19T16:50:00Z"),
        (("action",), "workflow_task.completed"),
    ):
        changed = fixtures.changed(name, ("payload", *path), value)
        assert classify(changed, {}).identity != original, path


def test_what_does_not_identify_an_event_does_not_change_its_identity() -> None:
    name = "workflow-run-completed--resource-agrees"
    body = body_of(name)
    body["payload"]["resource"]["reasons"] = ["something_else"]
    body["payload"]["object"]["href"] = "https://api.us.onfido.com/v3.6/workflow_runs/x"
    assert classify(encode(body), {}).identity == classify(load(name), {}).identity


def test_without_an_object_time_the_body_identifies_the_event() -> None:
    # Two match updates of one monitor must not be merged into one event.
    body = body_of("watchlist-monitor-matches-updated")
    del body["payload"]["object"]["completed_at_iso8601"]
    result = classify(encode(body), {})
    assert result.identity is None
    assert result.occurred_at is None
    body = body_of("watchlist-monitor-matches-updated")
    del body["payload"]["object"]["id"]
    assert classify(encode(body), {}).identity is None


def test_occurred_at_is_the_completion_else_the_start_else_the_update() -> None:
    task = classify(load("workflow-task-started--sdk-example"), {})
    assert task.occurred_at is not None
    assert task.occurred_at.isoformat() == "2024-07-10T12:49:09+00:00"
    body = body_of("workflow-task-started--sdk-example")
    del body["payload"]["object"]["started_at_iso8601"]
    body["payload"]["resource"]["updated_at"] = "2024-07-10T12:50:00Z"
    result = classify(encode(body), {})
    assert result.occurred_at is not None
    assert result.occurred_at.isoformat() == "2024-07-10T12:50:00+00:00"
    assert result.identity is None


# ------------------------------------------------------------------------------ undecodable


@pytest.mark.parametrize(
    ("body", "path"),
    [
        *((body, None) for body in mutations.NOT_OBJECTS),
        (b'"check.completed"', None),
        (b"{}", "`payload`"),
        # Onfido's API v2 shape had no envelope; v3 always has one.
        (b'{"action": "check.completed", "object": {"id": "x"}}', "`payload`"),
        (b'{"payload": null}', "$.payload"),
        (b'{"payload": []}', "$.payload"),
        (b'{"payload": {}}', "`action`"),
        (b'{"payload": {"action": 7}}', "$.payload.action"),
        (b'{"payload": {"action": null}}', "$.payload.action"),
        (b'{"payload": {"action": "check.completed", "object": "x"}}', "$.payload.object"),
        (
            b'{"payload": {"action": "workflow_run.completed", "object": {"status": {}}}}',
            "$.payload.object.status",
        ),
        (
            b'{"payload": {"action": "check.completed", "resource": {"result": ["clear"]}}}',
            "$.payload.resource.result",
        ),
        (
            b'{"payload": {"action": "workflow_run.completed", "resource": {"reasons": [1]}}}',
            "$.payload.resource.reasons",
        ),
    ],
)
def test_undecodable(body: bytes, path: str | None) -> None:
    mutations.assert_undecodable(classify, body, path)


def test_personal_fields_of_any_shape_are_accepted_and_never_read() -> None:
    name = "workflow-run-completed--resource-agrees"
    for value in ({"first_name": "Jane"}, ["Jane", "Doe"], "Jane Doe", 3, None, True):
        body = body_of(name)
        resource = body["payload"]["resource"]
        resource.update(input=value, output=value, tags=value, link=value)
        resource.update(customer_user_id=value, dashboard_url=value)
        result = classify(encode(body), {})
        assert result.outcome is Outcome.PASS
        mutations.assert_says_none_of(result, ["Jane"])


def test_a_hostile_action_is_cut_to_a_routable_word() -> None:
    result = classify(_with_action("workflow-run-completed--approved", "x." * 5000), {})
    mutations.assert_a_short_unknown_event(result)


def test_an_action_that_only_looks_like_a_known_one_is_unknown() -> None:
    for action in ("workflow_run completed", "workflow-run.completed", "workflow_run.completed!"):
        mutations.assert_an_unknown_event(
            classify(_with_action("workflow-run-completed--approved", action), {})
        )


@pytest.mark.parametrize(
    ("name", "path", "value"),
    [
        # Upper-casing maps the "fi" ligature to FI: a lookalike must never become a verdict.
        ("workflow-run-completed--declined", ("object", "status"), "decl\u0131ned"),
        ("workflow-run-completed--approved", ("object", "status"), "approved\u200b"),
        ("check-completed--resource-clear", ("resource", "result"), "cl\u00e9ar"),
        ("report-completed--sub-result-rejected", ("resource", "sub_result"), "rejected\u00e9"),
    ],
)
def test_non_ascii_lookalikes_are_unrecognised(
    name: str, path: tuple[str, ...], value: str
) -> None:
    result = classify(fixtures.changed(name, ("payload", *path), value), {})
    assert result.outcome is Outcome.REFER
    assert result.reasons[0].code == "unrecognised_value"


# ------------------------------------------------------------------------------ properties

KNOWN_ACTIONS = EnumTable.of(*ACTIONS)
KNOWN_VALUES = EnumTable.of(
    *{
        value
        for key in (
            "object.status",
            "resource.status",
            "resource.result",
            "resource.result.part",
            "resource.sub_result",
        )
        for value in TABLE_POLICY.fields[key].values
    }
)
# A blank value is an absent one, not an unrecognised one.
unknown_values = st.text(min_size=1, max_size=20).filter(
    lambda s: bool(s.strip()) and s not in KNOWN_VALUES
)
unknown_actions = st.text(min_size=1, max_size=40).filter(lambda s: s not in KNOWN_ACTIONS)


@PROPERTY
@given(mutations.mutated(body_of, NAMES))
def test_mutations_classify_or_are_undecodable(body: bytes) -> None:
    mutations.classified_or_undecodable(classify, body)


def _verdict_fields() -> list[mutations.Place]:
    """Each fixture's verdict fields where its event reads them."""
    found: list[mutations.Place] = []
    for name, _, event, _ in TABLE:
        resource = body_of(name)["payload"].get("resource")
        if event == "workflow_run_completed":
            found.append((name, ("payload", "object", "status")))
            if resource is not None:
                found.append((name, ("payload", "resource", "status")))
        elif event in ("check_completed", "report_completed") and resource is not None:
            if not _failing_sub_result(resource):
                found.append((name, ("payload", "resource", "result")))
            if event == "report_completed":
                found.append((name, ("payload", "resource", "sub_result")))
    return found


def _failing_sub_result(resource: dict[str, object]) -> bool:
    """A rejected or suspected sub_result fails a report whatever its result says."""
    return str(resource.get("sub_result") or "").strip().lower() in ("rejected", "suspected")


VERDICT_FIELDS = _verdict_fields()


@PROPERTY
@given(st.sampled_from(VERDICT_FIELDS), unknown_values)
def test_unrecognised_verdict_value_is_never_pass_or_fail(
    case: mutations.Place, value: str
) -> None:
    result = classify(fixtures.changed(*case, value), {})
    assert result.outcome not in (Outcome.PASS, Outcome.FAIL)


@PROPERTY
@given(unknown_values)
def test_a_rejected_sub_result_fails_whatever_the_result_says(value: str) -> None:
    path = ("payload", "resource", "result")
    result = classify(fixtures.changed("report-completed--sub-result-rejected", path, value), {})
    assert result.outcome is Outcome.FAIL
    assert result.reasons[0].code == "resource.sub_result:rejected"


@PROPERTY
@given(st.sampled_from(NAMES), unknown_actions)
def test_unrecognised_event_is_pending(name: str, value: str) -> None:
    result = classify(_with_action(name, value), {})
    mutations.assert_an_unknown_event(result)
    assert re.fullmatch(r"[a-z0-9_]{1,64}", result.event)
