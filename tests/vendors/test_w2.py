"""W2 adapter: every fixture classified as docs/outcomes.md says, and nothing else ever escapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.outcome import Outcome
from tests.vendors import mutations
from workers.vendors import CLASSIFIERS

fixtures = mutations.Fixtures("w2")
load = fixtures.load
classify = CLASSIFIERS["w2"]

PASS, FAIL, REFER = Outcome.PASS, Outcome.FAIL, Outcome.REFER
PENDING, SYSTEM_ERROR = Outcome.PENDING, Outcome.SYSTEM_ERROR

MONITORING = {"x-w2-topic": "caseResultMonitoring"}
ALERT = {"x-w2-topic": "AlertRemediation"}
BUNDLE = {"x-w2-topic": "BundleRemediation"}


class Case(NamedTuple):
    file: str
    headers: dict[str, str]
    outcome: Outcome
    event: str
    reasons: tuple[str, ...]
    subject: dict[str, str]


DOC_SUBJECT = {
    "result_id": "case-result-guid",
    "case_id": "case-id-guid",
    "account_id": "user.sdkweb.cis",
    "resource_id": "26324621-2688-47c4-904d-3cbc07ed4a56",
    "business_uid": "sessionId",
    "onboarding_uid": "guid-of-the-onboarding",
}
UNRECOGNISED = "unrecognised_value"
CONTRADICTION = "contradiction"
STATUS = "eventData.onboardingStatus"


def dvfc(n: int) -> dict[str, str]:
    return {"result_id": f"case-result-{n:03d}", "case_id": f"case-{n:03d}"}


CASES = [
    # W2's own sample: SUCCESS, but with quality issues and an errorCause at the same time.
    Case(
        "dvfc-doc-sample",
        {},
        REFER,
        "end_onboarding",
        (
            "eventData.onboardingStatus:SUCCESS",
            "onboardingResults.status:SUCCESS",
            "errorCause.code:USER_ERROR",
            "result.status:SUCCESS",
            "eventData.withQualityIssues:true",
            "analysisData.withQualityIssues:true",
        ),
        DOC_SUBJECT,
    ),
    Case(
        "dvfc-doc-sample",
        {"x-w2-topic": "DVFCWeb"},
        REFER,
        "end_onboarding",
        (
            "eventData.onboardingStatus:SUCCESS",
            "onboardingResults.status:SUCCESS",
            "errorCause.code:USER_ERROR",
            "result.status:SUCCESS",
            "eventData.withQualityIssues:true",
            "analysisData.withQualityIssues:true",
        ),
        DOC_SUBJECT,
    ),
    Case(
        "dvfc-start-onboarding",
        {},
        PENDING,
        "start_onboarding",
        (
            "eventData.onboardingStatus:CREATEAD",
            "onboardingResults.status:CREATEAD",
            "eventData.withQualityIssues:false",
            "notification.event:START_ONBOARDING",
        ),
        {**dvfc(1), "resource_id": "resource-001", "business_uid": "session-001"},
    ),
    Case(
        "dvfc-status-createad",
        {},
        PENDING,
        "end_onboarding",
        (
            "eventData.onboardingStatus:CREATEAD",
            "onboardingResults.status:CREATEAD",
            "eventData.withQualityIssues:false",
        ),
        dvfc(2),
    ),
    Case(
        "dvfc-status-created",
        {},
        PENDING,
        "end_onboarding",
        (
            "eventData.onboardingStatus:CREATED",
            "onboardingResults.status:CREATED",
            "eventData.withQualityIssues:false",
        ),
        dvfc(3),
    ),
    Case(
        "dvfc-status-clicked",
        {},
        PENDING,
        "end_onboarding",
        (
            "eventData.onboardingStatus:CLICKED",
            "onboardingResults.status:CLICKED",
            "eventData.withQualityIssues:false",
        ),
        dvfc(4),
    ),
    Case(
        "dvfc-status-capture-ongoing",
        {},
        PENDING,
        "end_onboarding",
        (
            "eventData.onboardingStatus:CAPTURE_ONGOING",
            "onboardingResults.status:CAPTURE_ONGOING",
            "eventData.withQualityIssues:false",
        ),
        dvfc(5),
    ),
    Case(
        "dvfc-status-success",
        {},
        PASS,
        "end_onboarding",
        (
            "eventData.onboardingStatus:SUCCESS",
            "onboardingResults.status:SUCCESS",
            "result.status:SUCCESS",
            "eventData.withQualityIssues:false",
            "analysisData.withQualityIssues:false",
        ),
        {**dvfc(6), "onboarding_uid": "onboarding-uid-006"},
    ),
    # A DVFC body under a topic name the docs do not give is still judged by its shape.
    Case(
        "dvfc-status-success",
        {"x-w2-topic": "DvfcOnboarding"},
        PASS,
        "end_onboarding",
        (
            "eventData.onboardingStatus:SUCCESS",
            "onboardingResults.status:SUCCESS",
            "result.status:SUCCESS",
            "eventData.withQualityIssues:false",
            "analysisData.withQualityIssues:false",
        ),
        dvfc(6),
    ),
    Case(
        "dvfc-status-success-quality-issues",
        {},
        REFER,
        "end_onboarding",
        (
            "contradiction",
            "eventData.onboardingStatus:SUCCESS",
            "onboardingResults.status:SUCCESS",
            "result.status:SUCCESS",
            "eventData.withQualityIssues:true",
            "analysisData.withQualityIssues:true",
        ),
        dvfc(7),
    ),
    Case(
        "dvfc-status-success-analysis-quality-issues",
        {},
        REFER,
        "end_onboarding",
        (
            "contradiction",
            "eventData.onboardingStatus:SUCCESS",
            "onboardingResults.status:SUCCESS",
            "result.status:SUCCESS",
            "eventData.withQualityIssues:false",
            "analysisData.withQualityIssues:true",
        ),
        dvfc(8),
    ),
    Case(
        "dvfc-status-expired",
        {},
        FAIL,
        "end_onboarding",
        (
            "eventData.onboardingStatus:EXPIRED",
            "onboardingResults.status:EXPIRED",
            "eventData.withQualityIssues:false",
        ),
        dvfc(9),
    ),
    Case(
        "dvfc-status-error-no-cause",
        {},
        SYSTEM_ERROR,
        "end_onboarding",
        (
            "eventData.onboardingStatus:ERROR",
            "onboardingResults.status:ERROR",
            "eventData.withQualityIssues:false",
        ),
        dvfc(10),
    ),
    Case(
        "dvfc-error-user-error",
        {},
        FAIL,
        "end_onboarding",
        (
            "errorCause.code:USER_ERROR",
            "eventData.onboardingStatus:ERROR",
            "onboardingResults.status:ERROR",
            "result.status:ERROR",
            "eventData.withQualityIssues:false",
            "analysisData.withQualityIssues:false",
        ),
        dvfc(11),
    ),
    Case(
        "dvfc-error-device-error",
        {},
        FAIL,
        "end_onboarding",
        (
            "errorCause.code:DEVICE_ERROR",
            "eventData.onboardingStatus:ERROR",
            "onboardingResults.status:ERROR",
            "result.status:ERROR",
            "eventData.withQualityIssues:false",
            "analysisData.withQualityIssues:false",
        ),
        dvfc(12),
    ),
    Case(
        "dvfc-error-document-error",
        {},
        FAIL,
        "end_onboarding",
        (
            "errorCause.code:DOCUMENT_ERROR",
            "eventData.onboardingStatus:ERROR",
            "onboardingResults.status:ERROR",
            "result.status:ERROR",
            "eventData.withQualityIssues:false",
            "analysisData.withQualityIssues:false",
        ),
        dvfc(13),
    ),
    Case(
        "dvfc-error-internal-error",
        {},
        SYSTEM_ERROR,
        "end_onboarding",
        (
            "errorCause.code:INTERNAL_ERROR",
            "eventData.onboardingStatus:ERROR",
            "onboardingResults.status:ERROR",
            "result.status:ERROR",
            "eventData.withQualityIssues:false",
            "analysisData.withQualityIssues:false",
        ),
        dvfc(14),
    ),
    Case(
        "dvfc-error-network-error",
        {},
        SYSTEM_ERROR,
        "end_onboarding",
        (
            "errorCause.code:NETWORK_ERROR",
            "eventData.onboardingStatus:ERROR",
            "onboardingResults.status:ERROR",
            "result.status:ERROR",
            "eventData.withQualityIssues:false",
            "analysisData.withQualityIssues:false",
        ),
        dvfc(15),
    ),
    Case(
        "dvfc-error-unknown-code",
        {},
        REFER,
        "end_onboarding",
        (
            "unrecognised_value",
            "eventData.onboardingStatus:ERROR",
            "onboardingResults.status:ERROR",
            "result.status:ERROR",
            "eventData.withQualityIssues:false",
            "analysisData.withQualityIssues:false",
        ),
        dvfc(16),
    ),
    Case(
        "dvfc-error-details-only",
        {},
        REFER,
        "end_onboarding",
        (
            "missing_value",
            "eventData.onboardingStatus:ERROR",
            "onboardingResults.status:ERROR",
            "eventData.withQualityIssues:false",
            "error",
        ),
        dvfc(17),
    ),
    Case(
        "dvfc-status-unknown",
        {},
        REFER,
        "end_onboarding",
        ("unrecognised_value", "unrecognised_value", "eventData.withQualityIssues:false"),
        dvfc(18),
    ),
    Case(
        "dvfc-status-disagree",
        {},
        REFER,
        "end_onboarding",
        (
            "eventData.onboardingStatus:SUCCESS",
            "onboardingResults.status:ERROR",
            "errorCause.code:DOCUMENT_ERROR",
            "result.status:SUCCESS",
            "eventData.withQualityIssues:false",
            "analysisData.withQualityIssues:false",
        ),
        dvfc(19),
    ),
    Case(
        "dvfc-result-status-disagree",
        {},
        REFER,
        "end_onboarding",
        (
            "contradiction",
            "eventData.onboardingStatus:SUCCESS",
            "onboardingResults.status:SUCCESS",
            "result.status:ERROR",
            "eventData.withQualityIssues:false",
            "analysisData.withQualityIssues:false",
        ),
        dvfc(20),
    ),
    Case(
        "dvfc-success-with-error-cause",
        {},
        REFER,
        "end_onboarding",
        (
            "eventData.onboardingStatus:SUCCESS",
            "onboardingResults.status:SUCCESS",
            "errorCause.code:USER_ERROR",
            "result.status:SUCCESS",
            "eventData.withQualityIssues:false",
            "analysisData.withQualityIssues:false",
        ),
        dvfc(21),
    ),
    Case(
        "dvfc-event-unknown",
        {},
        PENDING,
        "cancel_onboarding",
        ("unrecognised_event",),
        dvfc(22),
    ),
    Case(
        "dvfc-quality-flag-unrecognised",
        {},
        REFER,
        "end_onboarding",
        (
            "unrecognised_value",
            "eventData.onboardingStatus:SUCCESS",
            "onboardingResults.status:SUCCESS",
            "result.status:SUCCESS",
            "analysisData.withQualityIssues:false",
        ),
        dvfc(23),
    ),
    Case(
        "dvfc-sloppy-case-and-strings",
        {},
        PASS,
        "end_onboarding",
        (
            "eventData.onboardingStatus:SUCCESS",
            "onboardingResults.status:SUCCESS",
            "result.status:SUCCESS",
            "eventData.withQualityIssues:false",
            "analysisData.withQualityIssues:false",
        ),
        {"result_id": "30030", "case_id": "case-030"},
    ),
    Case(
        "dvfc-sloppy-nulls",
        {},
        PASS,
        "end_onboarding",
        (
            "eventData.onboardingStatus:SUCCESS",
            "onboardingResults.status:SUCCESS",
            "result.status:SUCCESS",
        ),
        dvfc(31),
    ),
    Case(
        "dvfc-sloppy-error-lowercase",
        {},
        FAIL,
        "end_onboarding",
        (
            "errorCause.code:USER_ERROR",
            "eventData.onboardingStatus:ERROR",
            "onboardingResults.status:ERROR",
            "result.status:ERROR",
            "eventData.withQualityIssues:0",
            "analysisData.withQualityIssues:false",
        ),
        dvfc(32),
    ),
    Case(
        "dvfc-sloppy-start-no-results",
        {},
        PENDING,
        "start_onboarding",
        (
            "eventData.onboardingStatus:CREATEAD",
            "eventData.withQualityIssues:false",
            "notification.event:START_ONBOARDING",
        ),
        dvfc(33),
    ),
    Case(
        "dvfc-status-only-in-results",
        {},
        SYSTEM_ERROR,
        "end_onboarding",
        (
            "errorCause.code:NETWORK_ERROR",
            "onboardingResults.status:ERROR",
            "result.status:ERROR",
            "eventData.withQualityIssues:false",
            "analysisData.withQualityIssues:false",
        ),
        dvfc(34),
    ),
    Case(
        "idnow-doc-sample",
        {},
        FAIL,
        "identification_process",
        ("identificationprocess.result:FRAUD_SUSPICION_CONFIRMED",),
        {"session_id": "00eb2d04-1e98-44eb-a5d8-bbcfc1c536d7"},
    ),
    Case(
        "idnow-success",
        {},
        PASS,
        "identification_process",
        ("identificationprocess.result:SUCCESS",),
        {
            "identification_process_id": "ident-040",
            "transaction_id": "tx-040",
            "session_id": "session-040",
        },
    ),
    Case(
        "idnow-fraud-suspicion-pending",
        {},
        REFER,
        "identification_process",
        ("identificationprocess.result:FRAUD_SUSPICION_PENDING",),
        {"identification_process_id": "ident-041"},
    ),
    Case(
        "idnow-aborted",
        {},
        FAIL,
        "identification_process",
        ("identificationprocess.result:ABORTED",),
        {"identification_process_id": "ident-042"},
    ),
    Case(
        "idnow-canceled",
        {},
        FAIL,
        "identification_process",
        ("identificationprocess.result:CANCELED",),
        {"identification_process_id": "ident-043"},
    ),
    Case(
        "idnow-review-pending",
        {},
        REFER,
        "identification_process",
        ("unrecognised_value",),
        {"identification_process_id": "ident-044"},
    ),
    Case(
        "idnow-success-data-changed",
        {},
        REFER,
        "identification_process",
        ("unrecognised_value",),
        {"identification_process_id": "ident-045"},
    ),
    Case(
        "idnow-sloppy-lowercase",
        {},
        PASS,
        "identification_process",
        ("identificationprocess.result:SUCCESS",),
        {"identification_process_id": "ident-046"},
    ),
    Case(
        "monitoring-doc-sample",
        MONITORING,
        REFER,
        "case_result_monitoring",
        ("alerts.status:Open", "alert", "alert"),
        {
            "result_id": "8e07475a-d00d-4d4e-b1cf-94d76922c24d",
            "case_id": "597d2eb0-83d4-452d-9fea-06723bbb8bab",
        },
    ),
    Case(
        "monitoring-false-positive-only",
        MONITORING,
        PENDING,
        "case_result_monitoring",
        ("alerts.status:False Positive", "alert", "alert"),
        {"result_id": "monitoring-result-051"},
    ),
    Case(
        "monitoring-no-alerts",
        MONITORING,
        PENDING,
        "case_result_monitoring",
        ("no_alerts",),
        {"result_id": "monitoring-result-052", "case_id": "case-052"},
    ),
    Case(
        "monitoring-unknown-alert-status",
        MONITORING,
        REFER,
        "case_result_monitoring",
        ("unrecognised_value", "alerts.status:Open", "alert", "alert"),
        {"result_id": "monitoring-result-053"},
    ),
    Case(
        "monitoring-alerts-not-listed",
        MONITORING,
        REFER,
        "case_result_monitoring",
        ("missing_value", "numberOfAlerts:2"),
        {"result_id": "monitoring-result-054"},
    ),
    Case(
        "monitoring-sloppy-pascal-case",
        {"x-w2-topic": "CaseResultMonitoring"},
        REFER,
        "case_result_monitoring",
        ("alerts.status:High Risk", "alerts.status:False Positive", "alert", "alert"),
        {"result_id": "monitoring-result-055"},
    ),
    # Pass, Fail and Refer alerts map directly; a dismissed (False Positive) one counts for
    # nothing; Pass beside Fail is a contradiction.
    Case(
        "monitoring-pass",
        MONITORING,
        PASS,
        "case_result_monitoring",
        ("alerts.status:Pass", "alert", "alert"),
        {"result_id": "monitoring-result-056", "case_id": "case-056"},
    ),
    Case(
        "monitoring-fail",
        MONITORING,
        FAIL,
        "case_result_monitoring",
        ("alerts.status:Fail", "alerts.status:False Positive", "alert", "alert"),
        {"result_id": "monitoring-result-057", "case_id": "case-057"},
    ),
    Case(
        "monitoring-refer",
        MONITORING,
        REFER,
        "case_result_monitoring",
        ("alerts.status:Refer", "alerts.status:Pass", "alert", "alert"),
        {"result_id": "monitoring-result-058", "case_id": "case-058"},
    ),
    Case(
        "monitoring-pass-and-fail",
        MONITORING,
        REFER,
        "case_result_monitoring",
        ("contradiction", "alerts.status:Pass", "alerts.status:Fail", "alert", "alert"),
        {"result_id": "monitoring-result-059", "case_id": "case-059"},
    ),
    Case(
        "monitoring-sloppy-pass-lower-case",
        MONITORING,
        PASS,
        "case_result_monitoring",
        ("alerts.status:Pass", "alerts.status:False Positive", "alert", "alert"),
        {"result_id": "monitoring-result-060", "case_id": "case-060"},
    ),
    Case(
        "alert-remediation-doc-sample",
        ALERT,
        REFER,
        "alert_remediation",
        ("AlertStatus:High Risk",),
        {
            "case_id": "xxxx62e0-a500-4xxe-a59e-77xxxxy721a1",
            "urn": "xxxx62e0-a500-4xxe-a59e-77xxxxy721a1",
            "alert_id": "123",
        },
    ),
    Case(
        "alert-remediation-open",
        ALERT,
        REFER,
        "alert_remediation",
        ("AlertStatus:Open",),
        {"alert_id": "600", "urn": "urn-600", "case_id": "case-060"},
    ),
    Case(
        "alert-remediation-high-risk",
        ALERT,
        REFER,
        "alert_remediation",
        ("AlertStatus:High Risk",),
        {"alert_id": "601"},
    ),
    Case(
        "alert-remediation-medium-risk",
        ALERT,
        REFER,
        "alert_remediation",
        ("AlertStatus:Medium Risk",),
        {"alert_id": "602"},
    ),
    Case(
        "alert-remediation-low-risk",
        ALERT,
        REFER,
        "alert_remediation",
        ("AlertStatus:Low Risk",),
        {"alert_id": "603"},
    ),
    Case(
        "alert-remediation-false-positive",
        ALERT,
        PENDING,
        "alert_remediation",
        ("AlertStatus:False Positive",),
        {"alert_id": "604"},
    ),
    Case(
        "alert-remediation-unknown-status",
        ALERT,
        REFER,
        "alert_remediation",
        ("unrecognised_value",),
        {"alert_id": "610"},
    ),
    Case(
        "alert-remediation-sloppy-keys",
        {"x-w2-topic": "alertremediation"},
        REFER,
        "alert_remediation",
        ("AlertStatus:Low Risk",),
        {"alert_id": "611", "urn": "urn-611", "case_id": "case-061"},
    ),
    Case(
        "bundle-remediation-doc-sample",
        BUNDLE,
        PASS,
        "bundle_remediation",
        ("BundleRemediationStatus:Pass",),
        {
            "case_id": "83xxxx3-2xxb-4d6c-8xxx-c677xxxx084a",
            "call_reference": "WSCRb83xxxx3-2xxb-4d6c-8xxx-c677xxxx084a",
            "client_reference": "your-client-ref",
        },
    ),
    Case(
        "bundle-remediation-fail",
        BUNDLE,
        FAIL,
        "bundle_remediation",
        ("BundleRemediationStatus:Fail",),
        {"call_reference": "WSCR-070"},
    ),
    Case(
        "bundle-remediation-refer",
        BUNDLE,
        REFER,
        "bundle_remediation",
        ("BundleRemediationStatus:Refer",),
        {"call_reference": "WSCR-071"},
    ),
    Case(
        "bundle-remediation-unknown-status",
        BUNDLE,
        REFER,
        "bundle_remediation",
        ("unrecognised_value",),
        {"call_reference": "WSCR-072"},
    ),
    Case(
        "bundle-remediation-bundlestatus-key",
        BUNDLE,
        FAIL,
        "bundle_remediation",
        ("BundleRemediationStatus:Fail",),
        {"call_reference": "WSCR-073"},
    ),
    Case(
        "bundle-remediation-sloppy-keys",
        {"x-w2-topic": "bundleremediation"},
        PASS,
        "bundle_remediation",
        ("BundleRemediationStatus:Pass",),
        {"call_reference": "WSCR-074", "case_id": "case-074"},
    ),
    Case(
        "topic-unknown",
        {"x-w2-topic": "caseResultDeleted"},
        PENDING,
        "case_result_deleted",
        ("unrecognised_event",),
        {"result_id": "result-080", "case_id": "case-080"},
    ),
]


def case_id(case: Case) -> str:
    topic = case.headers.get("x-w2-topic")
    return f"{case.file}[{topic}]" if topic else case.file


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_fixture(case: Case) -> None:
    result = classify(load(case.file), case.headers)
    assert result.outcome is case.outcome
    assert result.event == case.event
    assert tuple(reason.code for reason in result.reasons) == case.reasons
    assert case.subject.items() <= result.subject.items()


def test_every_fixture_is_in_the_table() -> None:
    # A file may be in the table more than once: under other topics.
    assert fixtures.names() == {case.file for case in CASES}


# --- every documented value ------------------------------------------------------------------


def onboarding(
    status: str | None,
    *,
    event: str = "END_ONBOARDING",
    cause: dict[str, Any] | None = None,
    quality: Any = False,
) -> bytes:
    body: dict[str, Any] = json.loads(load("dvfc-status-success"))
    notification = body["dvfcWebResult"]["notification"]
    results = body["dvfcWebResult"]["onboardingResults"]
    notification["event"] = event
    notification["eventData"]["onboardingStatus"] = status
    notification["eventData"]["withQualityIssues"] = quality
    results["status"] = status
    results["result"]["status"] = "ERROR" if status == "ERROR" else "SUCCESS"
    if cause is not None:
        results["errorCause"] = cause
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("CREATEAD", PENDING),
        ("CREATED", PENDING),
        ("CLICKED", PENDING),
        ("CAPTURE_ONGOING", PENDING),
        ("SUCCESS", PASS),
        ("EXPIRED", FAIL),
        ("ERROR", SYSTEM_ERROR),
        ("capture ongoing", PENDING),
        ("Expired", FAIL),
        ("NOT_A_STATUS", REFER),
        (None, REFER),
    ],
)
def test_onboarding_statuses(status: str | None, outcome: Outcome) -> None:
    assert classify(onboarding(status), {}).outcome is outcome
    # START_ONBOARDING is classified by its status too, but only END_ONBOARDING passes.
    start = classify(onboarding(status, event="START_ONBOARDING"), {})
    assert (start.outcome, start.event) == (
        REFER if outcome is PASS else outcome,
        "start_onboarding",
    )


def test_a_start_that_reports_success_is_a_contradiction() -> None:
    result = classify(onboarding("SUCCESS", event="START_ONBOARDING"), {})
    assert (result.outcome, result.event) == (REFER, "start_onboarding")
    first = result.reasons[0]
    assert (first.code, first.field) == (CONTRADICTION, STATUS)
    assert first.message == (
        "eventData.onboardingStatus:SUCCESS contradicts notification.event:START_ONBOARDING"
    )


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        ("USER_ERROR", FAIL),
        ("document error", FAIL),
        ("INTERNAL_ERROR", SYSTEM_ERROR),
        (None, SYSTEM_ERROR),
    ],
)
def test_a_start_that_ends_in_error_follows_the_error_rules(
    code: str | None, outcome: Outcome
) -> None:
    cause = None if code is None else {"code": code}
    result = classify(onboarding("ERROR", event="START_ONBOARDING", cause=cause), {})
    expected = (
        f"{STATUS}:ERROR" if code is None else f"errorCause.code:{code.upper().replace(' ', '_')}"
    )
    assert (result.outcome, result.reasons[0].code) == (outcome, expected)


def test_a_start_that_expired_fails() -> None:
    result = classify(onboarding("EXPIRED", event="START_ONBOARDING"), {})
    assert (result.outcome, result.reasons[0].code) == (FAIL, f"{STATUS}:EXPIRED")


@pytest.mark.parametrize("status", [None, "", "  "])
@pytest.mark.parametrize("event", ["START_ONBOARDING", "END_ONBOARDING"])
def test_a_missing_status_is_named(event: str, status: str | None) -> None:
    body = json.loads(onboarding(status, event=event))
    body["dvfcWebResult"]["onboardingResults"]["status"] = None
    result = classify(json.dumps(body).encode(), {})
    assert result.outcome is REFER
    assert [(r.code, r.field) for r in result.reasons if r.code == "missing_value"] == [
        ("missing_value", STATUS)
    ]
    assert result.reasons[0].code == "missing_value"


DETAILS = [
    "WRONG_TYPE",
    "MODEL_REJECTED",
    "ANALYSIS_EXPIRED_DOC",
    "UNIDENTIFIED",
    "INVALID_VERSO",
    "NO_FACE",
    "DOC_NOT_USABLE_FACEREC",
    "PVID_NOT_ELIGIBLE",
    "ETSI_NOT_ELIGIBLE",
    "QUALITY_ISSUES",
    "OPENTOK_API_ERROR",
    "SESSION_CLOSED_BY_USER",
    "NETWORK_TOO_SLOW_ERROR",
    "DEVICE_ROTATED_ERROR",
    "CAMERA_NOT_FOUND",
    "CAMERA_ACCESS_DENIED",
    "CAMERA_ACCESS_TIMEOUT",
    "CAMERA_NOT_READABLE",
    "BROWSER_NOT_SUPPORTED",
    "NO_AUDIO_DETECTED",
    "VIDEO_ERROR",
    "ONBOARDING_ALREADY_CONSUMED",
]
CODES = {
    "USER_ERROR": FAIL,
    "DEVICE_ERROR": FAIL,
    "DOCUMENT_ERROR": FAIL,
    "INTERNAL_ERROR": SYSTEM_ERROR,
    "NETWORK_ERROR": SYSTEM_ERROR,
}


@pytest.mark.parametrize("detail", DETAILS)
@pytest.mark.parametrize(("code", "outcome"), list(CODES.items()))
def test_error_causes(code: str, outcome: Outcome, detail: str) -> None:
    """The code decides (docs/outcomes.md); the details travel as the reason's message."""
    result = classify(onboarding("ERROR", cause={"code": code, "details": detail}), {})
    assert result.outcome is outcome
    assert (result.reasons[0].code, result.reasons[0].message) == (
        f"errorCause.code:{code}",
        detail,
    )
    # The status beside it is said, but decides nothing: the cause explains the ERROR.
    assert f"{STATUS}:ERROR" in [r.code for r in result.reasons]


@pytest.mark.parametrize("code", ["user_error", "Network_Error", "document error"])
def test_error_codes_ignore_case_and_separators(code: str) -> None:
    result = classify(onboarding("ERROR", cause={"code": code, "details": None}), {})
    assert result.outcome is CODES[code.upper().replace(" ", "_")]


CAUSES = [*({"code": code} for code in CODES), {"code": "QUOTA_ERROR"}, {"details": "x"}]


@pytest.mark.parametrize("cause", CAUSES)
@pytest.mark.parametrize("event", ["START_ONBOARDING", "END_ONBOARDING"])
def test_a_success_beside_any_error_cause_is_never_a_pass(
    event: str, cause: dict[str, Any]
) -> None:
    """W2's own sample sends SUCCESS with an errorCause: whatever the cause, no verdict passes."""
    result = classify(onboarding("SUCCESS", event=event, cause=cause), {})
    assert result.outcome in {REFER, SYSTEM_ERROR}


@pytest.mark.parametrize("cause", CAUSES[:3])
@pytest.mark.parametrize("status", ["CREATEAD", "CLICKED", "CAPTURE_ONGOING"])
def test_an_onboarding_in_progress_stays_pending_beside_a_cause(
    status: str, cause: dict[str, Any]
) -> None:
    result = classify(onboarding(status, cause=cause), {})
    assert (result.outcome, result.reasons[0].code) == (PENDING, f"{STATUS}:{status}")


def test_details_without_a_code_are_said_on_their_own() -> None:
    result = classify(onboarding("ERROR", cause={"code": None, "details": "CAMERA_NOT_FOUND"}), {})
    assert result.outcome is REFER
    assert (result.reasons[0].code, result.reasons[0].field) == ("missing_value", "errorCause.code")
    assert ("error", "CAMERA_NOT_FOUND") in [(r.code, r.message) for r in result.reasons]


@pytest.mark.parametrize("cause", [None, {}, {"code": None, "details": None}, {"code": ""}])
def test_error_without_a_cause_is_a_system_error(cause: dict[str, Any] | None) -> None:
    body = json.loads(onboarding("ERROR"))
    body["dvfcWebResult"]["onboardingResults"]["errorCause"] = cause
    assert classify(json.dumps(body).encode(), {}).outcome is SYSTEM_ERROR


@pytest.mark.parametrize(
    ("flag", "outcome"),
    [
        ("true", REFER),
        ("True", REFER),
        (True, REFER),
        (1, REFER),
        ("1", REFER),
        ("false", PASS),
        (False, PASS),
        (0, PASS),
        ("0", PASS),
        (None, PASS),
        ("sometimes", REFER),
        (7, REFER),
    ],
)
def test_quality_flag_as_bool_or_string(flag: Any, outcome: Outcome) -> None:
    assert classify(onboarding("SUCCESS", quality=flag), {}).outcome is outcome


@pytest.mark.parametrize(
    ("result", "outcome"),
    [
        ("SUCCESS", PASS),
        ("FRAUD_SUSPICION_CONFIRMED", FAIL),
        ("FRAUD_SUSPICION_PENDING", REFER),
        ("ABORTED", FAIL),
        ("CANCELED", FAIL),
        ("CANCELLED", FAIL),
        ("Fraud_Suspicion_Confirmed", FAIL),
        ("SUCCESS_DATA_CHANGED", REFER),
        ("REVIEW_PENDING", REFER),
        ("CHECK_PENDING", REFER),
        (None, REFER),
    ],
)
def test_identification_results(result: str | None, outcome: Outcome) -> None:
    body = json.loads(load("idnow-success"))
    body["identificationprocess"]["result"] = result
    assert classify(json.dumps(body).encode(), {}).outcome is outcome


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("Open", REFER),
        ("High Risk", REFER),
        ("HighRisk", REFER),
        ("Medium Risk", REFER),
        ("Low Risk", REFER),
        ("False Positive", PENDING),
        ("FalsePositive", PENDING),
        ("Pass", PASS),
        ("Fail", FAIL),
        ("Refer", REFER),
        (None, REFER),
    ],
)
def test_alert_statuses(status: str | None, outcome: Outcome) -> None:
    body = json.loads(load("alert-remediation-doc-sample"))
    body["AlertStatus"] = status
    assert classify(json.dumps(body).encode(), ALERT).outcome is outcome


@pytest.mark.parametrize(
    ("key", "status", "outcome"),
    [
        ("BundleRemediationStatus", "Pass", PASS),
        ("BundleRemediationStatus", "Fail", FAIL),
        ("BundleRemediationStatus", "Refer", REFER),
        ("BundleStatus", "pass", PASS),
        ("bundleRemediationStatus", "FAIL", FAIL),
        ("BundleRemediationStatus", None, REFER),
        ("BundleRemediationStatus", "Approved", REFER),
    ],
)
def test_bundle_statuses(key: str, status: str | None, outcome: Outcome) -> None:
    body = json.loads(load("bundle-remediation-doc-sample"))
    del body["BundleRemediationStatus"]
    body[key] = status
    assert classify(json.dumps(body).encode(), BUNDLE).outcome is outcome


# Enumerations W2 documents that decide nothing: each is accepted and changes no outcome.
DOC_TYPES = [
    *("ID", "P", "V", "DL", "HC", "RP", "SELFIE", "LIVENESS", "CAR_REG", "KBIS", "RIB"),
    *("ADR_PROOF", "PAY_SHEET", "TAX_SHEET", "OTHER"),
]
CAPTURE_SOURCES = ["WIDGET_CAMERA", "NATIVE_CAMERA", "UPLOAD", "UNKNOWN"]


@pytest.mark.parametrize("source", CAPTURE_SOURCES)
@pytest.mark.parametrize("doc_type", DOC_TYPES)
def test_document_types_and_capture_sources_decide_nothing(doc_type: str, source: str) -> None:
    body = json.loads(onboarding("SUCCESS"))
    body["dvfcWebResult"]["onboardingResults"]["result"]["analysisResults"] = [
        {"analysisData": {"docType": doc_type, "withQualityIssues": False}, "captureSource": source}
    ]
    result = classify(json.dumps(body).encode(), {})
    assert (result.outcome, [r.code for r in result.reasons]) == (
        PASS,
        [
            f"{STATUS}:SUCCESS",
            "onboardingResults.status:SUCCESS",
            "result.status:SUCCESS",
            "eventData.withQualityIssues:false",
            "analysisData.withQualityIssues:false",
        ],
    )


@pytest.mark.parametrize(
    ("build", "headers"),
    [
        # Upper-casing maps a long s (U+017F) to S and the separator-blind match dropped
        # non-ASCII letters: neither may make a verdict of a value W2 never sends (rule 1).
        (lambda: onboarding("SUCCESS\u00e9"), {}),
        (lambda: onboarding("SUCCESS", quality="fal\u017fe"), {}),
        (lambda: onboarding("ERROR", cause={"code": "U\u017fER_ERROR"}), {}),
        (lambda: json.dumps({"identificationprocess": {"result": "SUCCE\u017fS"}}).encode(), {}),
        (lambda: json.dumps({"AlertStatus": "pa\u017fs", "AlertId": 1}).encode(), ALERT),
        (lambda: json.dumps({"BundleRemediationStatus": "Fail\u200b"}).encode(), BUNDLE),
    ],
)
def test_non_ascii_lookalikes_are_unrecognised(build: Any, headers: dict[str, str]) -> None:
    result = classify(build(), headers)
    assert result.outcome is REFER
    assert UNRECOGNISED in [reason.code for reason in result.reasons]


def test_blank_vendor_codes_are_not_reasons() -> None:
    result = classify(onboarding("ERROR", cause={"code": " ", "details": "x"}), {})
    assert " " not in [reason.code for reason in result.reasons]
    body = {"identificationprocess": {"result": "  ", "reason": "x"}}
    result = classify(json.dumps(body).encode(), {})
    assert "" not in [reason.code for reason in result.reasons]


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("USER_CANCELLATION", "USER_CANCELLATION"),
        (" TECH_CONNECTION ", "TECH_CONNECTION"),
        ("A" * 5000, "A" * 64),
        # Free text (an agent's note may name the person) is never kept.
        ("Agent could not confirm the document", None),
        ("user_cancellation", None),
        ("CODE WITH SPACES", None),
        ("", None),
        (None, None),
    ],
)
def test_the_idnow_reason_is_kept_only_as_a_code(reason: str | None, message: str | None) -> None:
    body = json.loads(load("idnow-aborted"))
    body["identificationprocess"]["reason"] = reason
    result = classify(json.dumps(body).encode(), {})
    assert [(r.code, r.message) for r in result.reasons] == [
        ("identificationprocess.result:ABORTED", message)
    ]


def test_the_doc_samples_free_text_reason_is_dropped() -> None:
    result = classify(load("idnow-fraud-suspicion-pending"), {})
    assert [(r.code, r.message) for r in result.reasons] == [
        ("identificationprocess.result:FRAUD_SUSPICION_PENDING", None)
    ]


def test_notification_and_results_that_disagree_are_referred() -> None:
    body = json.loads(onboarding("SUCCESS"))
    body["dvfcWebResult"]["onboardingResults"]["status"] = "EXPIRED"
    result = classify(json.dumps(body).encode(), {})
    assert result.outcome is REFER
    assert result.reasons[0].code == CONTRADICTION
    assert result.reasons[0].message == (
        "eventData.onboardingStatus:SUCCESS contradicts onboardingResults.status:EXPIRED"
    )


def test_monitoring_notes_name_each_alert() -> None:
    result = classify(load("monitoring-fail"), MONITORING)
    assert [(r.code, r.message) for r in result.reasons if r.code == "alert"] == [
        ("alert", "alert 7000570 Fail (SISPlusCheck, Specially Designated Nationals List)"),
        ("alert", "alert 7000571 False Positive (SISPlusCheck, Politically Exposed Persons)"),
    ]


def test_alerts_counted_but_not_listed_are_missing() -> None:
    result = classify(load("monitoring-alerts-not-listed"), MONITORING)
    assert [(r.code, r.field) for r in result.reasons] == [
        ("missing_value", "alerts.status"),
        ("numberOfAlerts:2", "numberOfAlerts"),
    ]


@pytest.mark.parametrize("event", ["END_ONBOARDING!", "end onboarding.", "IDENTIFICATION_PROCESS"])
def test_an_unknown_event_is_never_decided_as_a_known_one(event: str) -> None:
    """Its word may be a known event's (``end_onboarding``); it is still an unknown event."""
    result = classify(onboarding("SUCCESS", event=event), {})
    assert (result.outcome, [r.code for r in result.reasons]) == (PENDING, ["unrecognised_event"])


def test_createad_and_created_agree() -> None:
    body = json.loads(onboarding("CREATEAD"))
    body["dvfcWebResult"]["onboardingResults"]["status"] = "CREATED"
    assert classify(json.dumps(body).encode(), {}).outcome is PENDING


# --- time, personal data, big bodies ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "headers", "expected"),
    [
        ("dvfc-doc-sample", {}, datetime(2017, 7, 21, 17, 32, 28, tzinfo=UTC)),
        (
            "idnow-doc-sample",
            {},
            datetime(2019, 6, 6, 9, 34, 10, tzinfo=timezone(timedelta(hours=2))),
        ),
        # .NET's DateTime.MinValue, as in W2's sample, means "not set".
        ("monitoring-doc-sample", MONITORING, None),
        # Naive times are taken as UTC.
        ("monitoring-no-alerts", MONITORING, datetime(2024, 3, 3, 12, tzinfo=UTC)),
        (
            "bundle-remediation-doc-sample",
            BUNDLE,
            datetime(2024, 5, 29, 0, 12, 46, 743943, tzinfo=timezone(timedelta(hours=1))),
        ),
    ],
)
def test_occurred_at(name: str, headers: dict[str, str], expected: datetime | None) -> None:
    assert classify(load(name), headers).occurred_at == expected


def test_a_garbled_timestamp_is_no_reason_to_dead_letter() -> None:
    body = json.loads(load("dvfc-status-success"))
    body["dvfcWebResult"]["notification"]["eventDate"] = "yesterday"
    result = classify(json.dumps(body).encode(), {})
    assert (result.outcome, result.occurred_at) == (PASS, None)


PERSONAL_KEYS = {
    "owner",
    "userdata",
    "contactdata",
    "customdata",
    "listcaptureddocs",
    "datasourcerecordname",
    "user",
    "comments",
}


def personal_values(value: Any, inside: bool = False) -> set[str]:
    """Every string (and year-sized number) under a key that holds personal data or images."""
    if isinstance(value, dict):
        found: set[str] = set()
        for key, item in value.items():
            # IDnow's per-field MATCH/CHANGE markers are not personal data.
            if not (inside and key == "status"):
                found |= personal_values(item, inside or key.lower() in PERSONAL_KEYS)
        return found
    if isinstance(value, list):
        return set().union(*(personal_values(item, inside) for item in value))
    if not inside or isinstance(value, bool) or value is None:
        return set()
    if isinstance(value, int):
        return {str(value)} if value >= 1000 else set()
    return {str(value)} if len(str(value)) >= 3 else set()


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_no_personal_data_in_reasons_or_subject(case: Case) -> None:
    body = load(case.file)
    result = classify(body, case.headers)
    shown = json.dumps(
        {
            "reasons": [[r.code, r.message, r.field] for r in result.reasons],
            "subject": result.subject,
        }
    )
    for value in personal_values(json.loads(body)):
        assert value not in shown


def test_doc_samples_personal_data_is_checked() -> None:
    """Guard for the test above: it really looks at the names, birth dates and images."""
    values = personal_values(json.loads(load("dvfc-doc-sample")))
    assert {
        "TESTPERSONA",
        "FAKEFIRSTNAME",
        "1990",
        "RkFLRS1JTUFHRS1CWVRFUy1GT1ItVEVTVFM=",
    } <= values
    assert {"FAKEFIRSTNAME", "1901-02-03"} <= personal_values(json.loads(load("idnow-doc-sample")))


def test_a_body_of_several_megabytes() -> None:
    body = json.loads(load("dvfc-status-success"))
    image = "QUJD" * 1_500_000  # 6 MB of base64
    body["dvfcWebResult"]["onboardingResults"]["result"]["analysisResults"][0][
        "listCapturedDocs"
    ] = [image, image]
    result = classify(json.dumps(body).encode(), {})
    assert result.outcome is PASS
    assert all(len(r.message or "") < 200 for r in result.reasons)


# --- identity --------------------------------------------------------------------------------


def test_identity_is_the_case_result_event_and_status() -> None:
    result = classify(load("dvfc-doc-sample"), {})
    assert result.identity == ("case-result-guid", "END_ONBOARDING", "SUCCESS")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_a_retry_has_the_same_identity(case: Case) -> None:
    body = load(case.file)
    reformatted = json.dumps(json.loads(body), separators=(",", ":"), sort_keys=True).encode()
    first = classify(body, case.headers)
    assert classify(body, case.headers).identity == first.identity
    assert classify(reformatted, case.headers).identity == first.identity


def test_different_events_have_different_identities() -> None:
    identities: dict[tuple[str, ...], str] = {}
    for case in CASES:
        identity = classify(load(case.file), case.headers).identity
        if identity is not None:
            assert identities.setdefault(identity, case.file) == case.file


def test_start_and_end_of_one_onboarding_differ() -> None:
    start = classify(onboarding("CREATEAD", event="START_ONBOARDING"), {})
    clicked = classify(onboarding("CLICKED"), {})
    end = classify(onboarding("SUCCESS"), {})
    assert len({start.identity, clicked.identity, end.identity}) == 3
    assert None not in {start.identity, clicked.identity, end.identity}


def test_no_id_falls_back_to_the_body_hash() -> None:
    body = json.loads(load("dvfc-status-success"))
    del body["id"]
    assert classify(json.dumps(body).encode(), {}).identity is None


# --- undecodable -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "headers", "path"),
    [
        *((body, {}, None) for body in mutations.NOT_OBJECTS),
        (b'"a string"', {}, None),
        (b"{}", {}, "`$`"),
        (b'{"id": "x", "caseId": "y"}', {}, "`$`"),
        (b'{"dvfcWebResult": "x"}', {}, "`$.dvfcWebResult`"),
        (b'{"dvfcWebResult": {"notification": []}}', {}, "`$.dvfcWebResult.notification`"),
        (
            b'{"dvfcWebResult": {"notification": {"eventData": {"onboardingStatus": 5}}}}',
            {},
            "`$.dvfcWebResult.notification.eventData.onboardingStatus`",
        ),
        (
            b'{"dvfcWebResult": {"onboardingResults": {"errorCause": {"code": ["X"]}}}}',
            {},
            "`$.dvfcWebResult.onboardingResults.errorCause.code`",
        ),
        (b'{"identificationprocess": ["SUCCESS"]}', {}, "`$.identificationprocess`"),
        (b"[]", BUNDLE, None),
        (b"[]", {"x-w2-topic": "somethingNew"}, None),
        # Topic keys match whatever their case; errors name them as the body spells them.
        (b'{"AlertStatus": ["Open"]}', ALERT, "`$.AlertStatus`"),
        (b'{"alerts": [{"status": 1}]}', MONITORING, "`$.alerts[0].status`"),
        (b'{"Alerts": [{"Status": 1}]}', MONITORING, "`$.Alerts[0].Status`"),
        (b'{"Alerts": [{"ok": 1}, {"STATUS": []}]}', MONITORING, "`$.Alerts[1].STATUS`"),
        (b'{"alerts": "none"}', MONITORING, "`$.alerts`"),
        (b'{"BundleRemediationStatus": {"x": 1}}', BUNDLE, "`$.BundleRemediationStatus`"),
        (b'{"CaseID": {"x": 1}}', BUNDLE, "`$.CaseID`"),
        (b'{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", {}, None),
        (b"[" * 100_000 + b"]" * 100_000, MONITORING, None),
    ],
)
def test_undecodable(body: bytes, headers: dict[str, str], path: str | None) -> None:
    mutations.assert_undecodable(classify, body, path, headers)


# --- properties ------------------------------------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
TOPICS = st.sampled_from(
    [{}, MONITORING, ALERT, BUNDLE, {"x-w2-topic": "DVFCWeb"}, {"x-w2-topic": "brandNew"}]
)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_mutated_fixtures_classify_or_are_undecodable(data: st.DataObject) -> None:
    case = data.draw(st.sampled_from(CASES))
    doc = mutations.mutate(data.draw, json.loads(load(case.file)), values=JSON)
    headers = case.headers if data.draw(st.booleans()) else data.draw(TOPICS)
    mutations.classified_or_undecodable(classify, json.dumps(doc).encode(), headers)


KNOWN_VALUES = [
    *["CREATEAD", "CREATED", "CLICKED", "CAPTURE_ONGOING", "SUCCESS", "EXPIRED", "ERROR"],
    *CODES,
    *["FRAUD_SUSPICION_CONFIRMED", "FRAUD_SUSPICION_PENDING", "ABORTED", "CANCELED"],
    *["CANCELLED", "Open", "High Risk", "Medium Risk", "Low Risk", "False Positive"],
    *["Pass", "Fail", "Refer"],
]
UNRECOGNISED_TEXT = mutations.unknown_words(KNOWN_VALUES, blank=True)


Slot = tuple[Any, Any]  # a container and a key (or index) in it


def verdict_paths(doc: dict[str, Any]) -> list[list[Slot]]:
    """The verdict fields of a fixture, each choice a set of slots replaced together."""
    if isinstance(doc.get("dvfcWebResult"), dict):
        web = doc["dvfcWebResult"]
        data = ((web.get("notification") or {}).get("eventData")) or {}
        results = web.get("onboardingResults") or {}
        statuses = [(c, "onboardingStatus" if c is data else "status") for c in (data, results)]
        present = [(c, k) for c, k in statuses if k in c]
        choices = [present]
        cause = results.get("errorCause")
        status = (data.get("onboardingStatus") or results.get("status") or "").upper()
        if status == "ERROR" and isinstance(cause, dict):
            choices.append([(cause, "code")])
        return choices
    if "identificationprocess" in doc:
        return [[(doc["identificationprocess"], "result")]]
    lowered = {key.lower(): key for key in doc}
    alerts = doc.get(lowered.get("alerts", ""))
    if isinstance(alerts, list) and alerts:
        return [[(alert, k)] for alert in alerts for k in alert if k.lower() == "status"]
    names = ("alertstatus", "bundleremediationstatus", "bundlestatus")
    return [[(doc, lowered[name]) for name in names if name in lowered]]


# Monitoring results without alerts and unknown topics carry no verdict field to replace.
VERDICT_CASES = [
    case
    for case in CASES
    if case.file != "topic-unknown" and any(verdict_paths(json.loads(load(case.file))))
]


@settings(max_examples=200, deadline=None)
@given(data=st.data(), junk=UNRECOGNISED_TEXT)
def test_an_unrecognised_verdict_is_never_pass_or_fail(data: st.DataObject, junk: str) -> None:
    case = data.draw(st.sampled_from(VERDICT_CASES))
    doc = json.loads(load(case.file))
    choice = data.draw(st.sampled_from([c for c in verdict_paths(doc) if c]))
    for container, key in choice:
        container[key] = junk
    result = classify(json.dumps(doc).encode(), case.headers)
    assert result.outcome not in {PASS, FAIL}, (case.file, junk, result)
