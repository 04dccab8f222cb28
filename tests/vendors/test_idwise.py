"""IDWise adapter: every fixture classified per docs/outcomes.md, plus properties."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.outcome import Outcome
from tests.vendors import mutations
from tests.vendors.mutations import PROPERTY, encode
from workers.vendors import CLASSIFIERS, policy

fixtures = mutations.Fixtures("idwise")
# A fixture is a hook: the event's name beside its body.
load, hook_of = fixtures.load, fixtures.body
classify = CLASSIFIERS["idwise"]

FJ = "finished_journey"
MR = "manually_reviewed"
UJ = "updated_journey"
AML = "aml_monitor_update"
VUR = "verification_update_required"

S_COMPLETE, S_INCOMPLETE, S_REFER = (
    "systemDecision:Complete",
    "systemDecision:Incomplete",
    "systemDecision:Refer",
)
F_COMPLETE, F_INCOMPLETE, F_REFER, F_APPROVED, F_REJECTED = (
    "finalDecision:Complete",
    "finalDecision:Incomplete",
    "finalDecision:Refer",
    "finalDecision:Approved",
    "finalDecision:Rejected",
)
M_APPROVED, M_REJECTED, M_RESUBMIT = (
    "manualDecision:Approved",
    "manualDecision:Rejected",
    "manualDecision:Resubmission Requested",
)
REVIEW = "manualReviewDetails.journeyReviewDecision"

# (fixture, outcome, event, reason codes)
TABLE: list[tuple[str, str, str, tuple[str, ...]]] = [
    # The one example of idwise-webhook-specification.txt, placeholders and all.
    (
        "doc--placeholder-example",
        "pending",
        "event_name",
        ("unrecognised_event",),
    ),
    (
        "finished-journey--complete",
        "pass",
        FJ,
        ("finalDecision:Complete", "systemDecision:Complete"),
    ),
    (
        "finished-journey--incomplete",
        "pending",
        FJ,
        ("finalDecision:Incomplete", "systemDecision:Incomplete"),
    ),
    ("finished-journey--refer", "refer", FJ, ("finalDecision:Refer", "systemDecision:Refer")),
    ("finished-journey--system-decision-only", "pass", FJ, ("systemDecision:Complete",)),
    ("finished-journey--final-null-falls-back-to-system", "refer", FJ, ("systemDecision:Refer",)),
    ("finished-journey--no-decision", "pending", FJ, ("missing_value",)),
    (
        "finished-journey--unknown-final-decision",
        "refer",
        FJ,
        ("unrecognised_value", "systemDecision:Complete"),
    ),
    (
        "finished-journey--unknown-system-decision",
        "refer",
        FJ,
        ("unrecognised_value",),
    ),
    (
        "finished-journey--final-contradicts-system",
        "refer",
        FJ,
        ("contradiction", "finalDecision:Rejected", "systemDecision:Complete"),
    ),
    (
        "legacy--finished-journey--no-event-id",
        "pass",
        FJ,
        ("finalDecision:Complete", "systemDecision:Complete"),
    ),
    (
        "manually-reviewed--approved",
        "pass",
        MR,
        ("manualDecision:Approved", "finalDecision:Approved", "systemDecision:Refer"),
    ),
    (
        "manually-reviewed--rejected",
        "fail",
        MR,
        ("manualDecision:Rejected", "finalDecision:Rejected", "systemDecision:Complete"),
    ),
    (
        "manually-reviewed--manual-null",
        "refer",
        MR,
        ("finalDecision:Refer", "systemDecision:Refer"),
    ),
    (
        "manually-reviewed--contradiction-approved-final-rejected",
        "refer",
        MR,
        (
            "contradiction",
            "manualDecision:Approved",
            "finalDecision:Rejected",
            "systemDecision:Refer",
        ),
    ),
    (
        "manually-reviewed--final-null-manual-rejected",
        "refer",
        MR,
        ("contradiction", "manualDecision:Rejected", "systemDecision:Refer"),
    ),
    (
        "manually-reviewed--unknown-manual-decision",
        "refer",
        MR,
        ("unrecognised_value", "finalDecision:Refer", "systemDecision:Refer"),
    ),
    (
        "manually-reviewed--resubmission-requested",
        "pending",
        MR,
        ("manualDecision:Resubmission Requested", "finalDecision:Refer", "systemDecision:Refer"),
    ),
    (
        "finished-user-steps--refer",
        "pending",
        "finished_user_steps",
        ("provisional", "systemDecision:Refer", "finalDecision:Refer"),
    ),
    (
        "finished-user-steps--complete",
        "pending",
        "finished_user_steps",
        ("provisional", "systemDecision:Complete", "finalDecision:Complete"),
    ),
    (
        "finished-step--incomplete",
        "pending",
        "finished_step",
        ("provisional", "systemDecision:Incomplete", "finalDecision:Incomplete"),
    ),
    (
        "finished-step--unknown-decision",
        "pending",
        "finished_step",
        ("provisional", "systemDecision:Processing"),
    ),
    ("legacy--step-submitted", "pending", "step_submitted", ("provisional",)),
    ("legacy--step-submitted--selfie-numeric-step", "pending", "step_submitted", ("provisional",)),
    (
        "aml-monitor-update--refer",
        "refer",
        AML,
        ("systemDecision:Refer", "previousSystemDecision:Complete"),
    ),
    (
        "aml-monitor-update--complete",
        "pass",
        AML,
        ("systemDecision:Complete", "previousSystemDecision:Refer"),
    ),
    (
        "aml-monitor-update--doc-spelling-monior",
        "refer",
        AML,
        ("systemDecision:Refer", "previousSystemDecision:Complete"),
    ),
    (
        "aml-monitor-update--with-final-decision",
        "pass",
        AML,
        (
            "manualDecision:Approved",
            "finalDecision:Approved",
            "systemDecision:Refer",
            "previousSystemDecision:Complete",
        ),
    ),
    ("finished-spot-check--complete", "pass", "finished_spot_check", ("systemDecision:Complete",)),
    ("finished-spot-check--refer", "refer", "finished_spot_check", ("systemDecision:Refer",)),
    (
        "finished-ongoing-check--complete",
        "pass",
        "finished_ongoing_check",
        ("systemDecision:Complete",),
    ),
    ("finished-ongoing-check--refer", "refer", "finished_ongoing_check", ("systemDecision:Refer",)),
    (
        "updated-journey--step-update",
        "pass",
        UJ,
        ("finalDecision:Complete", "systemDecision:Complete", "action:Step Update"),
    ),
    (
        "updated-journey--aml-amend",
        "refer",
        UJ,
        ("finalDecision:Refer", "systemDecision:Refer", "action:AML Amend"),
    ),
    (
        "updated-journey--aml-ogm-update",
        "refer",
        UJ,
        ("finalDecision:Refer", "systemDecision:Refer", "action:AML OGM Update"),
    ),
    (
        "updated-journey--manual-review-approved",
        "pass",
        UJ,
        (
            "manualDecision:Approved",
            "manualReviewDetails.journeyReviewDecision:Approved",
            "finalDecision:Approved",
            "systemDecision:Refer",
            "action:Manual Review",
            "manualReviewDetails.reasonCode:APPROVE_MINOR_ISSUE",
        ),
    ),
    (
        "updated-journey--manual-review-rejected",
        "fail",
        UJ,
        (
            "manualDecision:Rejected",
            "manualReviewDetails.journeyReviewDecision:Rejected",
            "finalDecision:Rejected",
            "systemDecision:Refer",
            "action:Manual Review",
            "manualReviewDetails.reasonCode:REJECT_NOT_ELIGIBLE",
        ),
    ),
    (
        "updated-journey--manual-review-resubmission",
        "pending",
        UJ,
        (
            "manualReviewDetails.journeyReviewDecision:Resubmission Requested",
            "finalDecision:Refer",
            "systemDecision:Refer",
            "action:Manual Review",
            "manualReviewDetails.reasonCode:RESUBMIT_BAD_QUALITY",
        ),
    ),
    (
        "updated-journey--manual-review-details-contradict",
        "refer",
        UJ,
        (
            "contradiction",
            "manualDecision:Approved",
            "manualReviewDetails.journeyReviewDecision:Rejected",
            "finalDecision:Approved",
            "systemDecision:Refer",
            "action:Manual Review",
        ),
    ),
    (
        "updated-journey--unknown-action",
        "pass",
        UJ,
        ("finalDecision:Complete", "systemDecision:Complete", "action:Document Expiry Update"),
    ),
    (
        "verification-update-required--manual-review",
        "pending",
        VUR,
        (
            "verification_update_required",
            "systemDecision:Refer",
            "finalDecision:Refer",
            "trigger:Manual Review",
            "requiredSteps.stepId:0",
            "requiredSteps.stepId:2",
            "requiredSteps.reasonCode:RESUBMIT_BAD_QUALITY",
            "requiredSteps.reasonCode:RESUBMIT_SELFIE_MISMATCH",
        ),
    ),
    (
        "verification-update-required--kyc-renewal",
        "pending",
        VUR,
        (
            "verification_update_required",
            "systemDecision:Complete",
            "finalDecision:Complete",
            "trigger:KYC Renewal",
            "requiredSteps.stepId:0",
            "requiredSteps.reasonCode:DOCUMENT_EXPIRING",
        ),
    ),
    (
        "kyc-renewal-deadline-exceeded",
        "fail",
        "kyc_renewal_deadline_exceeded",
        ("kyc_renewal_deadline_exceeded", "requiredSteps.stepId:0"),
    ),
    (
        "unknown-event--journey-started",
        "pending",
        "journey_started",
        ("unrecognised_event",),
    ),
    (
        "unknown-event--missing-event-name",
        "pending",
        "unknown",
        ("unrecognised_event",),
    ),
    (
        "case--finished-journey--upper-case",
        "pass",
        FJ,
        ("finalDecision:Complete", "systemDecision:Complete"),
    ),
    (
        "case--manually-reviewed--snake-case-event-lower-decisions",
        "fail",
        MR,
        ("manualDecision:Rejected", "finalDecision:Rejected", "systemDecision:Refer"),
    ),
    (
        "case--updated-journey--resubmission-snake-case",
        "pending",
        UJ,
        (
            "manualDecision:Resubmission Requested",
            "finalDecision:Refer",
            "systemDecision:Refer",
            "action:Manual Review",
        ),
    ),
    (
        "sloppy--numbers-as-strings-and-numeric-reference",
        "refer",
        AML,
        ("systemDecision:Refer", "previousSystemDecision:Complete"),
    ),
    ("sloppy--nulls-everywhere-but-system", "pass", FJ, ("systemDecision:Complete",)),
    ("sloppy--empty-string-decisions", "refer", FJ, ("systemDecision:Refer",)),
    ("sloppy--extra-fields", "pass", FJ, ("finalDecision:Complete", "systemDecision:Complete")),
]

SUBJECT_KEYS = {
    "journey_id": "journeyId",
    "reference_no": "referenceNo",
    "spot_check_journey_id": "spotCheckJourneyId",
    "ongoing_check_id": "ongoingCheckId",
    "step_id": "stepId",
}

NAMES = [row[0] for row in TABLE]


def _with(name: str, **changes: Any) -> bytes:
    return fixtures.updated(name, changes, within=("body",))


@pytest.mark.parametrize(("name", "outcome", "event", "codes"), TABLE)
def test_fixture_classified(name: str, outcome: str, event: str, codes: tuple[str, ...]) -> None:
    body = hook_of(name)["body"]
    result = classify(load(name), {})

    mutations.assert_classified(result, outcome, event, codes)
    expected = {
        subject: str(body[key])
        for subject, key in SUBJECT_KEYS.items()
        if body.get(key) not in (None, "")
    }
    assert result.subject == expected
    assert result.identity == ((body["eventId"],) if body.get("eventId") else None)
    assert result.occurred_at is None


def test_every_fixture_is_in_the_table() -> None:
    fixtures.assert_all_in_table(NAMES)


def test_every_event_and_decision_value_has_a_fixture() -> None:
    events = {row[2] for row in TABLE}
    assert events >= {
        FJ,
        MR,
        "finished_user_steps",
        "finished_step",
        AML,
        "finished_spot_check",
        "finished_ongoing_check",
        UJ,
        VUR,
        "kyc_renewal_deadline_exceeded",
        "step_submitted",
    }
    codes = {code for row in TABLE for code in row[3]}
    assert codes >= {S_COMPLETE, S_INCOMPLETE, S_REFER, M_APPROVED, M_REJECTED}
    assert codes >= {F_COMPLETE, F_INCOMPLETE, F_REFER, F_APPROVED, F_REJECTED}
    actions = {hook_of(name)["body"].get("action") for name in NAMES}
    assert actions >= {"Step Update", "AML Amend", "AML OGM Update", "Manual Review"}
    triggers = {hook_of(name)["body"].get("trigger") for name in NAMES}
    assert triggers >= {"Manual Review", "KYC Renewal"}


def test_unrecognised_values_name_field_and_value() -> None:
    reason = classify(load("finished-journey--unknown-final-decision"), {}).reasons[0]
    mutations.assert_names_field_and_value(reason, "finalDecision", "Passed")
    reason = classify(load("manually-reviewed--unknown-manual-decision"), {}).reasons[0]
    mutations.assert_names_field_and_value(reason, "manualDecision", "Escalated")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        # IDWise documents Complete/Incomplete/Refer for the system, Approved/Rejected for the
        # reviewer: a value from the other list is not one this field can carry.
        ("systemDecision", "Approved"),
        ("systemDecision", "Rejected"),
        ("systemDecision", "Resubmit"),
        ("manualDecision", "Complete"),
        ("manualDecision", "Refer"),
    ],
)
def test_a_decision_outside_its_fields_documented_values_is_referred(
    field: str, value: str
) -> None:
    result = classify(_with("finished-journey--no-decision", **{field: value}), {})
    assert result.outcome is Outcome.REFER
    mutations.assert_names_field_and_value(result.reasons[0], field, repr(value))


def test_aml_monitor_update_maps_only_system_decisions() -> None:
    result = classify(_with("aml-monitor-update--complete", systemDecision="Rejected"), {})
    assert result.outcome is Outcome.REFER
    assert result.reasons[0].field == "systemDecision"


@pytest.mark.parametrize(
    ("system", "manual", "review", "final", "outcome", "first"),
    [
        # No review: the final decision, agreeing with the system's (an Incomplete final beside a
        # Complete system is no pass).
        ("Complete", None, None, "Incomplete", "refer", "contradiction"),
        ("Incomplete", None, None, "Complete", "refer", "contradiction"),
        ("Complete", None, None, "Refer", "refer", "contradiction"),
        ("Incomplete", None, None, "Incomplete", "pending", "finalDecision:Incomplete"),
        # A reviewer decided: the final decision mirrors them, the system's is history.
        ("Refer", "Approved", "Approved", "Approved", "pass", "manualDecision:Approved"),
        ("Refer", "Approved", None, "Refer", "refer", "contradiction"),
        ("Refer", "Approved", None, "Incomplete", "refer", "contradiction"),
        ("Refer", "Approved", "Resubmit", "Approved", "refer", "contradiction"),
        ("Approved", "Approved", None, "Approved", "refer", "unrecognised_value"),
        # A resubmission request: pending beside a final Refer (the journey held in review), a
        # contradiction beside an approval or a rejection.
        ("Refer", "Resubmit", None, "Refer", "pending", "manualDecision:Resubmit"),
        ("Refer", None, "Resubmit", "Incomplete", "pending", f"{REVIEW}:Resubmit"),
        ("Refer", "Resubmit", None, "Approved", "refer", "contradiction"),
        ("Refer", "Resubmit", None, "Rejected", "refer", "contradiction"),
        ("Refer", "Resubmit", None, "Complete", "refer", "contradiction"),
        # A reviewer decided and the final decision is null: the system's stands in for it.
        ("Complete", "Approved", None, None, "pass", "manualDecision:Approved"),
        ("Refer", "Approved", None, None, "refer", "contradiction"),
        ("Refer", "Resubmit", None, None, "pending", "manualDecision:Resubmit"),
        (None, "Rejected", None, None, "fail", "manualDecision:Rejected"),
    ],
)
def test_decisions_must_agree(
    system: str | None,
    manual: str | None,
    review: str | None,
    final: str | None,
    outcome: str,
    first: str,
) -> None:
    hook = hook_of("updated-journey--manual-review-approved")
    hook["body"].update(systemDecision=system, manualDecision=manual, finalDecision=final)
    hook["body"]["manualReviewDetails"]["journeyReviewDecision"] = review
    result = classify(encode(hook), {})
    assert (result.outcome, result.reasons[0].code) == (Outcome(outcome), first)


@pytest.mark.parametrize(
    "name", ["Finished Journey!", "Finished Journey\u00e9", "FINISHED.JOURNEY"]
)
def test_a_lookalike_of_a_known_event_is_not_that_event(name: str) -> None:
    # Its word would be finished_journey, which the table would decide by its decisions.
    hook = hook_of("finished-journey--complete")
    hook["event"] = name
    result = classify(encode(hook), {})
    assert (result.outcome, result.event) == (Outcome.PENDING, "unknown")
    assert result.reasons[0].code == "unrecognised_event"
    assert result.reasons[0].message is not None
    assert repr(name) in result.reasons[0].message


def test_the_table_reads_only_fields_it_defines() -> None:
    table = policy.load("idwise")
    names = {field.name or key for key, field in table.fields.items()}
    for event in table.events.values():
        assert set(event.fields) <= set(table.fields)
        assert set(event.required) <= set(event.fields)
        for group in event.agree:
            assert set(group) <= set(event.fields) | names


@pytest.mark.parametrize(
    "value",
    # Upper-casing turns a long s (U+017F) into S and the separator-blind match dropped
    # non-ASCII letters: neither may make a pass or fail of a value IDWise never sends (rule 1).
    ["Approved\u00e9", "\u00e9Rejected", "Compl\u00e9te", "Complete\u200b", "Incomplete\u0301"],
)
def test_non_ascii_lookalikes_are_unrecognised(value: str) -> None:
    result = classify(_with("finished-journey--no-decision", finalDecision=value), {})
    assert result.outcome is Outcome.REFER
    assert result.reasons[0].code == "unrecognised_value"


def test_a_hostile_event_name_is_cut_to_a_routable_word() -> None:
    hook = hook_of("finished-journey--complete")
    hook["event"] = "Journey Archived " * 1000
    mutations.assert_a_short_unknown_event(classify(encode(hook), {}))


def test_blank_vendor_reason_codes_are_not_reasons() -> None:
    hook = hook_of("updated-journey--manual-review-approved")
    hook["body"]["manualReviewDetails"]["reasonCode"] = "  "
    hook["body"]["requiredSteps"] = [{"stepId": 0, "reasonCode": " "}]
    reasons = classify(encode(hook), {}).reasons
    codes = [reason.code for reason in reasons]
    assert "  " not in codes
    assert " " not in codes
    # A blank reason code is no value: the step is still said, by its id.
    fields = {reason.field for reason in reasons}
    assert not fields & {"manualReviewDetails.reasonCode", "requiredSteps.reasonCode"}
    assert "requiredSteps.stepId:0" in codes


def test_contradiction_names_both_decisions() -> None:
    reason = classify(load("manually-reviewed--contradiction-approved-final-rejected"), {}).reasons[
        0
    ]
    assert reason.code == "contradiction"
    assert reason.field == "manualDecision"
    assert reason.message is not None
    assert "finalDecision:Rejected" in reason.message
    assert "manualDecision:Approved" in reason.message


def test_required_steps_carry_the_vendor_reason_code() -> None:
    result = classify(load("verification-update-required--manual-review"), {})
    steps = [r for r in result.reasons if (r.field or "").startswith("requiredSteps.")]
    # Each step's id and IDWise's reason for it, in the order of the steps.
    assert [(r.code, r.field) for r in steps] == [
        ("requiredSteps.stepId:0", "requiredSteps.stepId"),
        ("requiredSteps.stepId:2", "requiredSteps.stepId"),
        ("requiredSteps.reasonCode:RESUBMIT_BAD_QUALITY", "requiredSteps.reasonCode"),
        ("requiredSteps.reasonCode:RESUBMIT_SELFIE_MISMATCH", "requiredSteps.reasonCode"),
    ]


# ------------------------------------------------------------------------------ identity


@pytest.mark.parametrize("name", NAMES)
def test_retry_equal_bodies_classify_equally(name: str) -> None:
    assert classify(mutations.reserialised(hook_of(name)), {}) == classify(load(name), {})


def test_same_event_same_identity() -> None:
    name = "finished-journey--complete"
    # A retry keeps eventId; the identity does not depend on anything else in the body.
    assert classify(load(name), {}).identity == classify(load(name), {}).identity
    assert (
        classify(_with(name, referenceNo="other"), {}).identity == classify(load(name), {}).identity
    )


def test_different_events_differ() -> None:
    mutations.assert_identities_differ({name: classify(load(name), {}).identity for name in NAMES})
    name = "finished-journey--complete"
    assert (
        classify(_with(name, eventId="4f0e0000-0000-4000-8000-0000000000ff"), {}).identity
        != classify(load(name), {}).identity
    )


def test_legacy_without_event_id_falls_back_to_the_body_hash() -> None:
    for name in ("legacy--finished-journey--no-event-id", "legacy--step-submitted"):
        assert classify(load(name), {}).identity is None
    # An empty eventId is no eventId.
    assert classify(_with("finished-journey--complete", eventId=""), {}).identity is None


# ------------------------------------------------------------------------------ undecodable


@pytest.mark.parametrize(
    ("body", "path"),
    [
        *((body, None) for body in mutations.NOT_OBJECTS),
        (b'[{"event": "Finished Journey", "body": {}}]', None),
        (b'"Finished Journey"', None),
        (b"{}", "`body`"),
        (b'{"event": "Finished Journey"}', "`body`"),
        (b'{"event": "Finished Journey", "body": null}', "$.body"),
        (b'{"event": "Finished Journey", "body": []}', "$.body"),
        (b'{"event": 5, "body": {}}', "$.event"),
        (b'{"event": "Finished Journey", "body": {"systemDecision": 1}}', "$.body.systemDecision"),
        (b'{"event": "Finished Journey", "body": {"finalDecision": {}}}', "$.body.finalDecision"),
        (b'{"event": "Finished Journey", "body": {"eventId": true}}', "$.body.eventId"),
        (b'{"event": "Finished Journey", "body": {"journeyId": []}}', "$.body.journeyId"),
        (
            b'{"event": "Verification Update Required", "body": {"requiredSteps": {}}}',
            "$.body.requiredSteps",
        ),
        (
            b'{"event": "Updated Journey", "body": {"manualReviewDetails": "Approved"}}',
            "$.body.manualReviewDetails",
        ),
    ],
)
def test_undecodable(body: bytes, path: str | None) -> None:
    mutations.assert_undecodable(classify, body, path)


# ------------------------------------------------------------------------------ properties


DECISIONS_KNOWN = (
    "Complete",
    "Incomplete",
    "Refer",
    "Approved",
    "Rejected",
    "Resubmission Requested",
    "Resubmit",
)
EVENTS_KNOWN = (
    "Finished Journey",
    "Manually Reviewed",
    "Finished User Steps",
    "Finished Step",
    "AML Monitor Update",
    "AML Monior Update",
    "Finished Spot Check",
    "Finished Ongoing Check",
    "Updated Journey",
    "Verification Update Required",
    "KYC Renewal Deadline Exceeded",
    "Step Submitted",
)
VERDICT_EVENTS = {
    FJ,
    MR,
    AML,
    "finished_spot_check",
    "finished_ongoing_check",
    UJ,
}

# A blank decision is no decision (IDWise's null): the property is about values it cannot know.
unknown_decisions = mutations.unknown_words(DECISIONS_KNOWN)
unknown_events = mutations.unknown_words(EVENTS_KNOWN, max_size=30, blank=True)


@PROPERTY
@given(mutations.mutated(hook_of, NAMES))
def test_mutations_classify_or_are_undecodable(body: bytes) -> None:
    mutations.classified_or_undecodable(classify, body)


VERDICT_NAMES = [row[0] for row in TABLE if row[2] in VERDICT_EVENTS]


@PROPERTY
@given(
    st.sampled_from(VERDICT_NAMES),
    st.sampled_from(["systemDecision", "manualDecision", "finalDecision"]),
    unknown_decisions,
)
def test_unrecognised_decision_is_never_pass_or_fail(name: str, field: str, value: str) -> None:
    result = classify(_with(name, **{field: value}), {})
    assert result.outcome is Outcome.REFER
    unrecognised = [r.field for r in result.reasons if r.code == "unrecognised_value"]
    assert field in unrecognised


@PROPERTY
@given(st.sampled_from(NAMES), unknown_events)
def test_unrecognised_event_is_pending(name: str, value: str) -> None:
    hook = hook_of(name)
    hook["event"] = value
    mutations.assert_an_unknown_event(classify(encode(hook), {}))


@PROPERTY
@given(st.sampled_from(NAMES), st.lists(st.booleans(), min_size=1))
def test_letter_case_changes_nothing(name: str, flips: list[bool]) -> None:
    hook = hook_of(name)
    if isinstance(hook.get("event"), str):
        hook["event"] = mutations.random_case(hook["event"], flips)
    for field in ("systemDecision", "manualDecision", "finalDecision"):
        if isinstance(hook["body"].get(field), str):
            hook["body"][field] = mutations.random_case(hook["body"][field], flips)
    recased = classify(encode(hook), {})
    original = classify(load(name), {})
    assert (recased.outcome, recased.event) == (original.outcome, original.event)
    assert len(recased.reasons) == len(original.reasons)
    assert recased.identity == original.identity


# --- decisions on the shared helpers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "outcome"),
    [
        ("Approved", Outcome.PASS),
        ("APPROVED", Outcome.PASS),
        ("resubmission_requested", Outcome.PENDING),
        ("Approved.", Outcome.REFER),
        ("Approved!", Outcome.REFER),
        # Hyphens are ignored between any two letters, as in "review-needed".
        ("Re-jected", Outcome.FAIL),
    ],
)
def test_decision_matching(value: str, outcome: Outcome) -> None:
    result = classify(
        _with("manually-reviewed--approved", finalDecision=value, manualDecision=value), {}
    )
    assert result.outcome is outcome


@pytest.mark.parametrize("value", [None, "", "  "])
def test_no_decision_is_a_missing_final_decision(value: str | None) -> None:
    changes = dict.fromkeys(("systemDecision", "manualDecision", "finalDecision"), value)
    result = classify(_with("finished-journey--complete", **changes), {})
    assert result.outcome is Outcome.PENDING
    assert [(r.code, r.field) for r in result.reasons] == [("missing_value", "finalDecision")]


def test_long_vendor_codes_are_capped() -> None:
    hook = hook_of("verification-update-required--manual-review")
    for step in hook["body"]["requiredSteps"]:
        step["reasonCode"] = "R" * 10_000
    hook["body"]["action"] = "A" * 10_000
    result = classify(encode(hook), {})
    assert all(len(reason.code) <= 64 for reason in result.reasons)
