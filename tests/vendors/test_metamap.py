"""MetaMap adapter: every fixture classified per docs/outcomes.md, plus properties."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.outcome import Outcome
from tests.vendors import mutations
from tests.vendors.mutations import PROPERTY
from workers.vendors import CLASSIFIERS

fixtures = mutations.Fixtures("metamap")
load, body_of = fixtures.load, fixtures.body
classify = CLASSIFIERS["metamap"]

# (fixture, outcome, event, reason codes, step id or "" for a lifecycle event)
TABLE: list[tuple[str, str, str, tuple[str, ...], str]] = [
    (
        "document-reading--completed--proof-of-residency",
        "pending",
        "step_completed",
        ("step_completed",),
        "document-reading",
    ),
    (
        "document-reading--completed--passport",
        "pending",
        "step_completed",
        ("step_completed",),
        "document-reading",
    ),
    (
        "document-reading--step-error--custom-document-not-provided",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:document-reading",
            "step.error.code:customDocument.notProvided",
        ),
        "document-reading",
    ),
    (
        "electronic-signature-document-validation--step-error--not-valid-params",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:electronic-signature-document-validation",
            "step.error.code:eSignature.notValidParams",
        ),
        "electronic-signature-document-validation",
    ),
    (
        "electronic-signature-document-validation--step-error--email-step-failed",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:electronic-signature-document-validation",
            "step.error.code:eSignature.emailStepFailed",
        ),
        "electronic-signature-document-validation",
    ),
    (
        "electronic-signature-document-validation--step-error--ip-step-failed",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:electronic-signature-document-validation",
            "step.error.code:eSignature.ipStepFailed",
        ),
        "electronic-signature-document-validation",
    ),
    (
        "electronic-signature-document-validation--step-error--phone-step-failed",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:electronic-signature-document-validation",
            "step.error.code:eSignature.phoneStepFailed",
        ),
        "electronic-signature-document-validation",
    ),
    (
        "electronic-signature-document-validation--step-error--full-name-mismatch",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:electronic-signature-document-validation",
            "step.error.code:eSignature.fullNameMismatch",
        ),
        "electronic-signature-document-validation",
    ),
    (
        "document-reading--step-error--custom-document-skipped",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:document-reading",
            "step.error.code:customDocument.skipped",
        ),
        "document-reading",
    ),
    (
        "document-reading--system-error--request-rejected-503",
        "system_error",
        "step_completed",
        ("step.error.type:REQUEST_REJECTED", "step.id:document-reading", "step.error.code:503"),
        "document-reading",
    ),
    (
        "document-reading--system-error--build-public-url-bare",
        "system_error",
        "step_completed",
        (
            "step.error.type:SystemError",
            "step.id:document-reading",
            "step.error.code:system.internalError",
        ),
        "document-reading",
    ),
    (
        "document-reading--system-error--private-folder-caller-id",
        "system_error",
        "step_completed",
        (
            "step.error.type:SystemError",
            "step.id:document-reading",
            "step.error.code:system.internalError",
        ),
        "document-reading",
    ),
    (
        "document-reading--system-error--parameters-validation",
        "system_error",
        "step_completed",
        (
            "step.error.type:SystemError",
            "step.id:document-reading",
            "step.error.code:system.internalError",
        ),
        "document-reading",
    ),
    (
        "document-reading--system-error--get-document-metadata-rejected",
        "system_error",
        "step_completed",
        (
            "step.error.type:SystemError",
            "step.id:document-reading",
            "step.error.code:system.internalError",
        ),
        "document-reading",
    ),
    (
        "document-reading--system-error--medias-get-rejected",
        "system_error",
        "step_completed",
        (
            "step.error.type:SystemError",
            "step.id:document-reading",
            "step.error.code:system.internalError",
        ),
        "document-reading",
    ),
    (
        "document-reading--system-error--build-public-url-proof-of-residency",
        "system_error",
        "step_completed",
        (
            "step.error.type:SystemError",
            "step.id:document-reading",
            "step.error.code:system.internalError",
        ),
        "document-reading",
    ),
    (
        "document-reading--system-error--step-timeout-driving-license",
        "system_error",
        "step_completed",
        (
            "step.error.type:SystemError",
            "step.id:document-reading",
            "step.error.code:system.internalError",
        ),
        "document-reading",
    ),
    (
        "document-reading--system-error--media-url-undefined",
        "system_error",
        "step_completed",
        (
            "step.error.type:SystemError",
            "step.id:document-reading",
            "step.error.code:system.internalError",
        ),
        "document-reading",
    ),
    (
        "document-reading--system-error--service-not-available",
        "system_error",
        "step_completed",
        (
            "step.error.type:SystemError",
            "step.id:document-reading",
            "step.error.code:system.internalError",
        ),
        "document-reading",
    ),
    (
        "template-matching--completed",
        "pending",
        "step_completed",
        ("step_completed",),
        "template-matching",
    ),
    (
        "template-matching--step-error--no-match-found",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:template-matching",
            "step.error.code:templateMatching.noMatchFound",
        ),
        "template-matching",
    ),
    (
        "template-matching--step-error--node-failed",
        "fail",
        "step_completed",
        ("step.error.type:StepError", "step.id:template-matching", "step.error.code:node.failed"),
        "template-matching",
    ),
    (
        "template-matching--system-error--service-unavailable",
        "system_error",
        "step_completed",
        (
            "step.error.type:SystemError",
            "step.id:template-matching",
            "step.error.code:system.serviceUnavailable",
        ),
        "template-matching",
    ),
    (
        "template-matching--system-error--step-timeout",
        "system_error",
        "step_completed",
        (
            "step.error.type:SystemError",
            "step.id:template-matching",
            "step.error.code:system.internalError",
        ),
        "template-matching",
    ),
    ("age-check--completed", "pending", "step_completed", ("step_completed",), "age-check"),
    (
        "age-check--step-error--no-dob",
        "fail",
        "step_completed",
        ("step.error.type:StepError", "step.id:age-check", "step.error.code:underage.noDOB"),
        "age-check",
    ),
    (
        "age-check--step-error--underage",
        "fail",
        "step_completed",
        ("step.error.type:StepError", "step.id:age-check", "step.error.code:underage.error"),
        "age-check",
    ),
    (
        "age-check--step-error--input-failed",
        "fail",
        "step_completed",
        ("step.error.type:StepError", "step.id:age-check", "step.error.code:input.failed"),
        "age-check",
    ),
    (
        "duplicate-user-detection--completed--number-int-status",
        "pending",
        "step_completed",
        ("step_completed",),
        "duplicate-user-detection",
    ),
    (
        "duplicate-user-detection--completed",
        "pending",
        "step_completed",
        ("step_completed",),
        "duplicate-user-detection",
    ),
    (
        "duplicate-user-detection--step-error--not-valid-params-document-number",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:duplicate-user-detection",
            "step.error.code:duplicateUserDetection.notValidParams",
        ),
        "duplicate-user-detection",
    ),
    (
        "duplicate-user-detection--step-error--matches-found",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:duplicate-user-detection",
            "step.error.code:duplicateUserDetection.matchesFound",
        ),
        "duplicate-user-detection",
    ),
    (
        "duplicate-user-detection--step-error--not-valid-params-birth-date",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:duplicate-user-detection",
            "step.error.code:duplicateUserDetection.notValidParams",
        ),
        "duplicate-user-detection",
    ),
    (
        "duplicate-user-detection--step-error--input-failed",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:duplicate-user-detection",
            "step.error.code:input.failed",
        ),
        "duplicate-user-detection",
    ),
    (
        "duplicate-user-detection--step-error--not-valid-params-full-name",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:duplicate-user-detection",
            "step.error.code:duplicateUserDetection.notValidParams",
        ),
        "duplicate-user-detection",
    ),
    (
        "duplicate-user-detection--system-error-section--not-valid-params-document-number",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:duplicate-user-detection",
            "step.error.code:duplicateUserDetection.notValidParams",
        ),
        "duplicate-user-detection",
    ),
    (
        "duplicate-user-detection--system-error-section--matches-found",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:duplicate-user-detection",
            "step.error.code:duplicateUserDetection.matchesFound",
        ),
        "duplicate-user-detection",
    ),
    (
        "duplicate-user-detection--system-error-section--not-valid-params-birth-date",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:duplicate-user-detection",
            "step.error.code:duplicateUserDetection.notValidParams",
        ),
        "duplicate-user-detection",
    ),
    (
        "duplicate-user-detection--system-error-section--input-failed",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:duplicate-user-detection",
            "step.error.code:input.failed",
        ),
        "duplicate-user-detection",
    ),
    (
        "duplicate-user-detection--system-error-section--not-valid-params-full-name",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:duplicate-user-detection",
            "step.error.code:duplicateUserDetection.notValidParams",
        ),
        "duplicate-user-detection",
    ),
    (
        "alteration-detection--completed",
        "pending",
        "step_completed",
        ("step_completed",),
        "alteration-detection",
    ),
    (
        "alteration-detection--step-error--negligence-blurred",
        "refer",
        "step_completed",
        (
            "step.error.code:alterationDetection.negligence",
            "step.error.type:StepError",
            "step.id:alteration-detection",
            "step.error.reasonCode:blurred",
        ),
        "alteration-detection",
    ),
    (
        "alteration-detection--step-error--fraud-attempt-screenshot",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:alteration-detection",
            "step.error.code:alterationDetection.fraudAttempt",
            "step.error.reasonCode:screenshot",
        ),
        "alteration-detection",
    ),
    (
        "alteration-detection--step-error--tampered",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:alteration-detection",
            "step.error.code:alterationDetection.tampered",
        ),
        "alteration-detection",
    ),
    (
        "alteration-detection--step-error--input-failed",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:alteration-detection",
            "step.error.code:input.failed",
        ),
        "alteration-detection",
    ),
    (
        "alteration-detection--system-error--internal-error",
        "system_error",
        "step_completed",
        (
            "step.error.type:SystemError",
            "step.id:alteration-detection",
            "step.error.code:system.internalError",
        ),
        "alteration-detection",
    ),
    (
        "alteration-detection--system-error--step-timeout",
        "system_error",
        "step_completed",
        (
            "step.error.type:SystemError",
            "step.id:alteration-detection",
            "step.error.code:system.internalError",
        ),
        "alteration-detection",
    ),
    (
        "facematch--completed--score-100",
        "pending",
        "step_completed",
        ("step_completed",),
        "facematch",
    ),
    (
        "facematch--completed--score-99",
        "pending",
        "step_completed",
        ("step_completed",),
        "facematch",
    ),
    (
        "facematch--legacy-error--face-did-not-match",
        "fail",
        "step_completed",
        ("step.error.type:LegacyError", "step.id:facematch", "step.error.code:legacy.error"),
        "facematch",
    ),
    (
        "facematch--legacy-error--selfie-download-error",
        "fail",
        "step_completed",
        ("step.error.type:LegacyError", "step.id:facematch", "step.error.code:legacy.error"),
        "facematch",
    ),
    (
        "facematch--legacy-error--doc-photo-download-error",
        "fail",
        "step_completed",
        ("step.error.type:LegacyError", "step.id:facematch", "step.error.code:legacy.error"),
        "facematch",
    ),
    (
        "facematch--legacy-error--owner-not-confirmed",
        "fail",
        "step_completed",
        ("step.error.type:LegacyError", "step.id:facematch", "step.error.code:legacy.error"),
        "facematch",
    ),
    (
        "facematch--step-error--input-failed",
        "fail",
        "step_completed",
        ("step.error.type:StepError", "step.id:facematch", "step.error.code:input.failed"),
        "facematch",
    ),
    (
        "facematch--system-error--step-timeout",
        "system_error",
        "step_completed",
        (
            "step.error.type:SystemError",
            "step.id:facematch",
            "step.error.code:system.internalError",
        ),
        "facematch",
    ),
    (
        "liveness--completed--unknown-step-id",
        "pending",
        "step_completed",
        ("step_completed",),
        "liveness",
    ),
    (
        "liveness--step-error--unknown-step-id",
        "fail",
        "step_completed",
        ("step.error.type:StepError", "step.id:liveness", "step.error.code:liveness.notDetected"),
        "liveness",
    ),
    (
        "email-ownership-validation--completed--unknown-step-id",
        "pending",
        "step_completed",
        ("step_completed",),
        "email-ownership-validation",
    ),
    (
        "phone-ownership-validation--step-error--unknown-step-id",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:phone-ownership-validation",
            "step.error.code:phoneOwnership.skipped",
        ),
        "phone-ownership-validation",
    ),
    (
        "watchlists--step-error--matches-found",
        "refer",
        "step_completed",
        (
            "step.id:watchlists",
            "step.error.type:StepError",
            "step.error.code:watchlists.matchesFound",
        ),
        "watchlists",
    ),
    (
        "watchlists--completed--no-match",
        "pending",
        "step_completed",
        ("step_completed",),
        "watchlists",
    ),
    (
        "watchlists--system-error--internal-error",
        "system_error",
        "step_completed",
        (
            "step.error.type:SystemError",
            "step.id:watchlists",
            "step.error.code:system.internalError",
        ),
        "watchlists",
    ),
    (
        "custom-watchlists-validation--completed",
        "pending",
        "step_completed",
        ("step_completed",),
        "custom-watchlists-validation",
    ),
    (
        "custom-watchlists-validation--step-error--not-enough-params-could-not-run",
        "refer",
        "step_completed",
        (
            "step.id:custom-watchlists-validation",
            "step.error.type:StepError",
            "step.error.code:customWatchlists.notEnoughParams",
        ),
        "custom-watchlists-validation",
    ),
    (
        "custom-watchlists-validation--step-error--node-failed-could-not-run",
        "refer",
        "step_completed",
        (
            "step.id:custom-watchlists-validation",
            "step.error.type:StepError",
            "step.error.code:node.failed",
        ),
        "custom-watchlists-validation",
    ),
    (
        "premium-aml-watchlists--legacy-error--match",
        "refer",
        "step_completed",
        (
            "step.id:premium-aml-watchlists-search-validation",
            "step.error.type:LegacyError",
            "step.error.code:legacy.error",
        ),
        "premium-aml-watchlists-search-validation",
    ),
    (
        "re-facematch--unknown-error-type",
        "refer",
        "step_completed",
        ("unrecognised_value", "step.id:re-facematch", "step.error.code:422"),
        "re-facematch",
    ),
    (
        "re-facematch--error-without-type",
        "refer",
        "step_completed",
        ("missing_value", "step.id:re-facematch", "step.error.code:facematch.differentPerson"),
        "re-facematch",
    ),
    (
        "alteration-detection--step-error--other-negligence-code",
        "refer",
        "step_completed",
        (
            "step.error.code:documentReading.negligence",
            "step.error.type:LegacyError",
            "step.id:alteration-detection",
        ),
        "alteration-detection",
    ),
    (
        "case--step-completed-mixed-case-fraud-attempt",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:alteration-detection",
            "step.error.code:alterationDetection.fraudAttempt",
        ),
        "alteration-detection",
    ),
    (
        "case--step-completed-upper-case-system-error",
        "system_error",
        "step_completed",
        (
            "step.error.type:SystemError",
            "step.id:template-matching",
            "step.error.code:system.serviceUnavailable",
        ),
        "template-matching",
    ),
    (
        "case--request-rejected-lower-case",
        "system_error",
        "step_completed",
        ("step.error.type:REQUEST_REJECTED", "step.id:document-reading", "step.error.code:503"),
        "document-reading",
    ),
    (
        "case--negligence-upper-case",
        "refer",
        "step_completed",
        (
            "step.error.code:alterationDetection.negligence",
            "step.error.type:StepError",
            "step.id:alteration-detection",
            "step.error.reasonCode:glare",
        ),
        "alteration-detection",
    ),
    (
        "sloppy--status-and-score-as-strings",
        "pending",
        "step_completed",
        ("step_completed",),
        "facematch",
    ),
    ("sloppy--nulls-step-completed", "pending", "step_completed", ("step_completed",), "age-check"),
    (
        "metadata--object--step-completed",
        "pending",
        "step_completed",
        ("step_completed",),
        "duplicate-user-detection",
    ),
    (
        "metadata--json-string--step-error",
        "fail",
        "step_completed",
        (
            "step.error.type:StepError",
            "step.id:duplicate-user-detection",
            "step.error.code:duplicateUserDetection.matchesFound",
        ),
        "duplicate-user-detection",
    ),
    ("verification-started", "pending", "verification_started", ("verification_started",), ""),
    (
        "verification-started--running",
        "pending",
        "verification_started",
        ("verification_started", "identityStatus:running"),
        "",
    ),
    (
        "verification-inputs-completed",
        "pending",
        "verification_inputs_completed",
        ("verification_inputs_completed",),
        "",
    ),
    (
        "verification-completed--verified",
        "pass",
        "verification_completed",
        ("identityStatus:verified",),
        "",
    ),
    (
        "verification-completed--rejected",
        "fail",
        "verification_completed",
        ("identityStatus:rejected",),
        "",
    ),
    (
        "verification-completed--reviewneeded",
        "refer",
        "verification_completed",
        ("identityStatus:reviewNeeded",),
        "",
    ),
    (
        "verification-completed--postponed",
        "pending",
        "verification_completed",
        ("identityStatus:postponed",),
        "",
    ),
    (
        "verification-completed--pending",
        "pending",
        "verification_completed",
        ("identityStatus:pending",),
        "",
    ),
    (
        "verification-completed--running",
        "pending",
        "verification_completed",
        ("identityStatus:running",),
        "",
    ),
    (
        "verification-completed--deleted-not-in-policy",
        "refer",
        "verification_completed",
        ("unrecognised_value",),
        "",
    ),
    (
        "verification-completed--unknown-identity-status",
        "refer",
        "verification_completed",
        ("unrecognised_value",),
        "",
    ),
    (
        "verification-completed--no-identity-status",
        "pending",
        "verification_completed",
        ("missing_value",),
        "",
    ),
    # A blank identityStatus is an absent one.
    (
        "sloppy--verification-completed--blank-identity-status",
        "pending",
        "verification_completed",
        ("missing_value",),
        "",
    ),
    (
        "verification-completed--null-identity-status-lagging-status",
        "pending",
        "verification_completed",
        ("missing_value",),
        "",
    ),
    (
        "verification-completed--verified-lagging-status",
        "pass",
        "verification_completed",
        ("identityStatus:verified",),
        "",
    ),
    (
        "verification-completed--metadata-object",
        "pass",
        "verification_completed",
        ("identityStatus:verified",),
        "",
    ),
    (
        "verification-completed--metadata-json-string",
        "fail",
        "verification_completed",
        ("identityStatus:rejected",),
        "",
    ),
    (
        "case--verification-completed-upper-case",
        "pass",
        "verification_completed",
        ("identityStatus:verified",),
        "",
    ),
    (
        "case--review-needed-snake-case",
        "refer",
        "verification_completed",
        ("identityStatus:reviewNeeded",),
        "",
    ),
    ("case--rejected-title-case", "fail", "verification_updated", ("identityStatus:rejected",), ""),
    (
        "verification-updated--verified",
        "pass",
        "verification_updated",
        ("identityStatus:verified",),
        "",
    ),
    (
        "verification-updated--rejected",
        "fail",
        "verification_updated",
        ("identityStatus:rejected",),
        "",
    ),
    (
        "verification-updated--reviewneeded",
        "refer",
        "verification_updated",
        ("identityStatus:reviewNeeded",),
        "",
    ),
    (
        "verification-updated--deleted-not-in-policy",
        "refer",
        "verification_updated",
        ("unrecognised_value",),
        "",
    ),
    (
        "verification-updated--no-identity-status",
        "pending",
        "verification_updated",
        ("missing_value",),
        "",
    ),
    (
        "verification-postponed",
        "pending",
        "verification_postponed",
        ("verification_postponed", "identityStatus:postponed"),
        "",
    ),
    ("verification-expired", "fail", "verification_expired", ("verification_expired",), ""),
    (
        "verification-expired--pending",
        "fail",
        "verification_expired",
        ("verification_expired", "identityStatus:pending"),
        "",
    ),
    (
        "verification-expired--contradicting-verified",
        "refer",
        "verification_expired",
        ("contradiction", "identityStatus:verified"),
        "",
    ),
    ("verification-signed", "pending", "verification_signed", ("verification_signed",), ""),
    (
        "verification-started--unknown-identity-status",
        "refer",
        "verification_started",
        ("unrecognised_value",),
        "",
    ),
    (
        "unknown-event--verification-resubmitted",
        "pending",
        "verification_resubmitted",
        ("unrecognised_event",),
        "",
    ),
    ("unknown-event--dotted-name", "pending", "verification_archived", ("unrecognised_event",), ""),
    (
        "sloppy--resource-trailing-slash-other-host",
        "pass",
        "verification_completed",
        ("identityStatus:verified",),
        "",
    ),
    (
        "sloppy--no-resource-no-flow",
        "fail",
        "verification_completed",
        ("identityStatus:rejected",),
        "",
    ),
]
NAMES = [row[0] for row in TABLE]

# Fixtures that come from the examples in metamap-document-verification-webhooks.txt.
DOC_EXAMPLE_PREFIXES = (
    "document-reading--",
    "electronic-signature-document-validation--",
    "template-matching--",
    "age-check--",
    "duplicate-user-detection--",
    "alteration-detection--",
    "facematch--",
)

# Values made up for the fixtures' personal data and metadata: none may reach an outcome.
PERSONAL = ("JANE", "SAMPLE", "TESTPERSON", "fake-user", "X0000000", "1990-01-01", "Fake Street")


@pytest.mark.parametrize(("name", "outcome", "event", "codes", "step_id"), TABLE)
def test_fixture_classified(
    name: str, outcome: str, event: str, codes: tuple[str, ...], step_id: str
) -> None:
    body = body_of(name)
    result = classify(load(name), {})

    mutations.assert_classified(result, outcome, event, codes)
    if step_id:
        assert result.subject["step_id"] == step_id
    else:
        assert "step_id" not in result.subject
    resource = body.get("resource")
    if resource:
        assert result.subject["verification_id"] == resource.rstrip("/").split("/")[-1]
        assert re.fullmatch(r"[0-9a-f]{24}", result.subject["verification_id"])
        assert result.identity is not None
        assert result.identity[0] == result.subject["verification_id"]
    else:
        assert "verification_id" not in result.subject
        assert result.identity is None
    assert result.subject.get("flow_id") == body.get("flowId")
    if body.get("timestamp"):
        assert result.occurred_at is not None
        assert result.occurred_at.utcoffset() is not None
    mutations.assert_says_none_of(result, PERSONAL)


def test_every_fixture_is_in_the_table() -> None:
    fixtures.assert_all_in_table(NAMES)


def test_every_document_example_has_a_fixture() -> None:
    # 18 document-reading (incl. e-signature), 5 template-matching, 4 age-check,
    # 12 duplicate-user-detection, 7 alteration-detection, 8 facematch.
    doc = [row for row in TABLE if row[0].startswith(DOC_EXAMPLE_PREFIXES)]
    assert len([row for row in doc if "other-negligence" not in row[0]]) == 55


def test_step_error_reason_carries_vendor_code_and_message() -> None:
    result = classify(load("alteration-detection--step-error--fraud-attempt-screenshot"), {})
    by_field = {reason.field: reason for reason in result.reasons}
    assert by_field["step.error.type"].code == "step.error.type:StepError"
    code = by_field["step.error.code"]
    assert code.code == "step.error.code:alterationDetection.fraudAttempt"
    assert code.message == "Document is considered as fraud attempt"
    assert by_field["step.error.reasonCode"].code == "step.error.reasonCode:screenshot"


def test_unrecognised_values_name_field_and_value() -> None:
    (reason,) = classify(load("verification-completed--unknown-identity-status"), {}).reasons
    mutations.assert_names_field_and_value(reason, "identityStatus", "approvedWithConditions")
    mutations.assert_names_field_and_value(
        classify(load("re-facematch--unknown-error-type"), {}).reasons[0],
        "step.error.type",
        "VALIDATION_ERROR",
    )


@pytest.mark.parametrize(
    ("name", "path", "value"),
    [
        # Upper-casing maps the "fi" ligature (U+FB01) to FI, and the separator-blind match
        # dropped non-ASCII letters: neither may make a verdict of a value MetaMap never sends.
        ("verification-completed--verified", ("identityStatus",), "veri\ufb01ed"),
        ("verification-completed--verified", ("identityStatus",), "verified\u00e9"),
        ("verification-completed--rejected", ("identityStatus",), "\u00e9rejected"),
        (
            "template-matching--step-error--no-match-found",
            ("step", "error", "type"),
            "Step\u00e9Error",
        ),
        ("age-check--step-error--underage", ("step", "error", "type"), "StepError\u200b"),
    ],
)
def test_non_ascii_lookalikes_are_unrecognised(
    name: str, path: tuple[str, ...], value: str
) -> None:
    result = classify(fixtures.changed(name, path, value), {})
    assert result.outcome is Outcome.REFER
    assert result.reasons[0].code == "unrecognised_value"


def test_a_hostile_event_name_is_cut_to_a_routable_word() -> None:
    result = classify(_with("verification-completed--verified", eventName="x." * 5000), {})
    mutations.assert_a_short_unknown_event(result)


def test_blank_error_codes_are_not_reasons() -> None:
    body = body_of("alteration-detection--step-error--negligence-blurred")
    body["step"]["error"].update(code=" ", reasonCode="  ")
    result = classify(json.dumps(body).encode(), {})
    assert [reason.code for reason in result.reasons] == [
        "step.error.type:StepError",
        "step.id:alteration-detection",
    ]
    assert result.outcome is Outcome.FAIL


# ------------------------------------------------------------------------------ identity


def _with(name: str, **changes: Any) -> bytes:
    return fixtures.updated(name, changes)


@pytest.mark.parametrize("name", NAMES)
def test_retry_equal_bodies_classify_equally(name: str) -> None:
    # MetaMap re-serialises on retry: whitespace and key order may differ, the event does not.
    assert classify(mutations.reserialised(body_of(name)), {}) == classify(load(name), {})


def test_same_event_same_identity() -> None:
    name = "alteration-detection--step-error--tampered"
    assert classify(load(name), {}).identity == classify(load(name), {}).identity
    # Another letter case of the event name is the same event.
    upper = classify(_with(name, eventName="STEP_COMPLETED"), {})
    assert upper.identity == classify(load(name), {}).identity


def test_different_events_differ() -> None:
    mutations.assert_identities_differ({name: classify(load(name), {}).identity for name in NAMES})

    name = "verification-completed--verified"
    base_identity = classify(load(name), {}).identity
    for changes in (
        {"eventName": "verification_updated"},
        {"timestamp": "2021-08-15T09:00:00.000Z"},
        {"resource": "https://api.getmati.com/v2/verifications/6118d3f0aaaaaaaaaaaaaaaa"},
    ):
        assert classify(_with(name, **changes), {}).identity != base_identity

    step = body_of("template-matching--completed")
    other_step = dict(step, step={"status": 200, "id": "age-check", "error": None})
    assert (
        classify(json.dumps(other_step).encode(), {}).identity
        != classify(json.dumps(step).encode(), {}).identity
    )


# ------------------------------------------------------------------------------ undecodable


@pytest.mark.parametrize(
    ("body", "path"),
    [
        *((body, None) for body in mutations.NOT_OBJECTS),
        (b'[{"eventName": "step_completed"}]', None),
        (b'"step_completed"', None),
        (b"{}", "`eventName`"),
        (b'{"eventName": 7}', "$.eventName"),
        (b'{"eventName": null}', "$.eventName"),
        (b'{"eventName": "step_completed"}', "`step`"),
        (b'{"eventName": "step_completed", "step": "document-reading"}', "$.step"),
        (b'{"eventName": "step_completed", "step": {"id": 5}}', "$.step.id"),
        (b'{"eventName": "step_completed", "step": {"error": ["x"]}}', "$.step.error"),
        (b'{"eventName": "step_completed", "step": {"error": {"code": {}}}}', "$.step.error.code"),
        (b'{"eventName": "verification_completed", "identityStatus": {}}', "$.identityStatus"),
        (b'{"eventName": "verification_completed", "resource": []}', "$.resource"),
        (b'{"eventName": "verification_completed", "timestamp": 1629000000}', "$.timestamp"),
    ],
)
def test_undecodable(body: bytes, path: str | None) -> None:
    mutations.assert_undecodable(classify, body, path)


def test_metadata_of_any_shape_is_accepted_and_never_read() -> None:
    name = "verification-completed--verified"
    for metadata in ({"a": "fake-user-0009"}, '{"a": "fake-user-0009"}', "not json", [1], 3, None):
        result = classify(_with(name, metadata=metadata), {})
        assert result.outcome is Outcome.PASS
        mutations.assert_says_none_of(result, ["fake-user"])


# ------------------------------------------------------------------------------ properties

KNOWN = {
    # identityStatus values, error types and event names.
    *("verified", "rejected", "reviewNeeded", "postponed", "pending", "running"),
    *("StepError", "LegacyError", "SystemError", "RequestRejected"),
    *("step_completed", "verification_started", "verification_inputs_completed"),
    *("verification_completed", "verification_updated", "verification_postponed"),
    *("verification_expired", "verification_signed"),
}
unknown_words = mutations.unknown_words(KNOWN)


@PROPERTY
@given(mutations.mutated(body_of, NAMES))
def test_mutations_classify_or_are_undecodable(body: bytes) -> None:
    mutations.classified_or_undecodable(classify, body)


VERDICT_FIELDS: list[mutations.Place] = [
    (name, ("identityStatus",)) for name in NAMES if "identityStatus" in body_of(name)
] + [
    (name, ("step", "error", "type"))
    for name in NAMES
    if isinstance(body_of(name).get("step", {}).get("error"), dict)
]


@PROPERTY
@given(st.sampled_from(VERDICT_FIELDS), unknown_words)
def test_unrecognised_verdict_value_is_never_pass_or_fail(
    case: mutations.Place, value: str
) -> None:
    result = classify(fixtures.changed(*case, value), {})
    assert result.outcome not in (Outcome.PASS, Outcome.FAIL)


@PROPERTY
@given(st.sampled_from(NAMES), unknown_words)
def test_unrecognised_event_is_pending(name: str, value: str) -> None:
    mutations.assert_an_unknown_event(classify(_with(name, eventName=value), {}))


# --- decisions on the shared helpers ---------------------------------------------------------


@pytest.mark.parametrize("value", ["", " ", "\t"])
def test_a_blank_identity_status_is_absent(value: str) -> None:
    result = classify(_with("verification-completed--verified", identityStatus=value), {})
    assert result.outcome is Outcome.PENDING
    assert [(r.code, r.field) for r in result.reasons] == [("missing_value", "identityStatus")]


@pytest.mark.parametrize(
    ("value", "outcome"),
    [
        ("reviewNeeded", Outcome.REFER),
        ("REVIEW_NEEDED", Outcome.REFER),
        ("review needed", Outcome.REFER),
        ("Review-Needed", Outcome.REFER),
        ("VERIFIED", Outcome.PASS),
        ("verified!", Outcome.REFER),
        ("veri.fied", Outcome.REFER),
        ("rejected?", Outcome.REFER),
    ],
)
def test_identity_status_matching(value: str, outcome: Outcome) -> None:
    result = classify(_with("verification-completed--verified", identityStatus=value), {})
    assert result.outcome is outcome
    if value.strip("!?.") != value or "." in value:
        assert result.reasons[0].code == "unrecognised_value"


def test_step_error_type_punctuation_is_unrecognised() -> None:
    body = body_of("alteration-detection--completed")
    body["step"]["error"] = {"type": "Step.Error", "code": "x" * 1000}
    result = classify(json.dumps(body).encode(), {})
    assert result.outcome is Outcome.REFER
    assert result.reasons[0].code == "unrecognised_value"
    assert all(len(reason.code) <= 64 for reason in result.reasons)
