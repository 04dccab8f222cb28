"""Sumsub adapter: every fixture classified per the outcome policy, plus properties."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.outcome import Outcome
from tests.vendors import mutations
from tests.vendors.mutations import PROPERTY, encode, encoded
from workers.vendors import CLASSIFIERS, policy, sumsub

fixtures = mutations.Fixtures("sumsub")
load, body_of = fixtures.load, fixtures.body
classify = CLASSIFIERS["sumsub"]

GREEN = "reviewResult.reviewAnswer:GREEN"
RED = "reviewResult.reviewAnswer:RED"
FINAL = "reviewResult.reviewRejectType:FINAL"
RETRY = "reviewResult.reviewRejectType:RETRY"
# The labels of Sumsub's RED/FINAL example, in its order.
LABELS = (
    "reviewResult.rejectLabels:UNSATISFACTORY_PHOTOS",
    "reviewResult.rejectLabels:GRAPHIC_EDITOR",
    "reviewResult.rejectLabels:FORGERY",
)
COMPLETED = "reviewStatus:completed"
INIT = "reviewStatus:init"
ON_HOLD = "reviewStatus:onHold"
CONTRADICTION = "contradiction"
MISSING = "missing_value"
UNRECOGNISED = "unrecognised_value"
UNKNOWN_EVENT = "unrecognised_event"

# (fixture, outcome, event, reason codes)
TABLE: list[tuple[str, str, str, tuple[str, ...]]] = [
    # --- the examples in the notes, verbatim
    ("applicantCreated--init", "pending", "applicant_created", ("applicant_created", INIT)),
    ("applicantReviewed--green", "pass", "applicant_reviewed", (GREEN, COMPLETED)),
    (
        "applicantReviewed--green--official-excerpt",
        "pass",
        "applicant_reviewed",
        (GREEN, COMPLETED),
    ),
    (
        "applicantReviewed--red-final",
        "fail",
        "applicant_reviewed",
        (FINAL, RED, *LABELS, COMPLETED),
    ),
    # --- the identity review: every reviewResult combination the policy names
    (
        "applicantReviewed--red-retry",
        "pending",
        "applicant_reviewed",
        (RETRY, RED, *LABELS, COMPLETED),
    ),
    (
        "applicantReviewed--red--no-reject-type",
        "refer",
        "applicant_reviewed",
        ("no_reject_type", RED, COMPLETED),
    ),
    (
        "applicantReviewed--red--no-reject-type--labels",
        "refer",
        "applicant_reviewed",
        (LABELS[0], RED, *LABELS[1:], COMPLETED),
    ),
    (
        "applicantReviewed--red--unknown-reject-type",
        "refer",
        "applicant_reviewed",
        (UNRECOGNISED, RED, *LABELS, COMPLETED),
    ),
    (
        "applicantReviewed--green--reject-type-final",
        "refer",
        "applicant_reviewed",
        (CONTRADICTION, FINAL, GREEN, *LABELS, COMPLETED),
    ),
    (
        "applicantReviewed--green--reject-type-retry",
        "refer",
        "applicant_reviewed",
        (CONTRADICTION, RETRY, GREEN, COMPLETED),
    ),
    (
        "applicantReviewed--green--reject-labels",
        "refer",
        "applicant_reviewed",
        (CONTRADICTION, GREEN, "reviewResult.rejectLabels:SCREENSHOTS", COMPLETED),
    ),
    (
        "applicantReviewed--green--empty-reject-labels",
        "pass",
        "applicant_reviewed",
        (GREEN, COMPLETED),
    ),
    (
        "applicantReviewed--green--null-reject-fields",
        "pass",
        "applicant_reviewed",
        (GREEN, COMPLETED),
    ),
    ("applicantReviewed--yellow", "refer", "applicant_reviewed", (UNRECOGNISED, COMPLETED)),
    ("applicantReviewed--no-review-result", "refer", "applicant_reviewed", (MISSING, COMPLETED)),
    ("applicantReviewed--null-review-answer", "refer", "applicant_reviewed", (MISSING, COMPLETED)),
    (
        "applicantWorkflowCompleted--green",
        "pass",
        "applicant_workflow_completed",
        (GREEN, COMPLETED),
    ),
    (
        "applicantWorkflowCompleted--red-final",
        "fail",
        "applicant_workflow_completed",
        (FINAL, RED, *LABELS, COMPLETED),
    ),
    (
        "applicantWorkflowCompleted--red-retry",
        "pending",
        "applicant_workflow_completed",
        (RETRY, RED, *LABELS, COMPLETED),
    ),
    (
        "applicantWorkflowCompleted--no-review-result",
        "refer",
        "applicant_workflow_completed",
        (MISSING, COMPLETED),
    ),
    # --- on hold
    ("applicantOnHold--on-hold", "refer", "applicant_on_hold", ("applicant_on_hold", ON_HOLD)),
    (
        "applicantActionOnHold--on-hold",
        "refer",
        "applicant_action_on_hold",
        ("applicant_action_on_hold", ON_HOLD),
    ),
    (
        "applicantKytOnHold--on-hold",
        "refer",
        "applicant_kyt_on_hold",
        ("applicant_kyt_on_hold", ON_HOLD),
    ),
    ("amlCaseOnHold--on-hold", "refer", "aml_case_on_hold", ("aml_case_on_hold", ON_HOLD)),
    # --- a review of something other than the identity: refer, unless a reviewResult decides
    (
        "applicantActionReviewed--no-review-result",
        "refer",
        "applicant_action_reviewed",
        ("applicant_action_reviewed", COMPLETED),
    ),
    ("applicantActionReviewed--green", "pass", "applicant_action_reviewed", (GREEN, COMPLETED)),
    (
        "applicantActionReviewed--red-final",
        "fail",
        "applicant_action_reviewed",
        (FINAL, RED, *LABELS, COMPLETED),
    ),
    (
        "applicantActionReviewed--red-retry",
        "pending",
        "applicant_action_reviewed",
        (RETRY, RED, *LABELS, COMPLETED),
    ),
    (
        "applicantActionReviewed--yellow",
        "refer",
        "applicant_action_reviewed",
        (UNRECOGNISED, COMPLETED),
    ),
    (
        "applicantKytTxnReviewed--no-review-result",
        "refer",
        "applicant_kyt_txn_reviewed",
        ("applicant_kyt_txn_reviewed", COMPLETED),
    ),
    ("applicantKytTxnReviewed--green", "pass", "applicant_kyt_txn_reviewed", (GREEN, COMPLETED)),
    (
        "applicantKytTxnReviewed--red-final",
        "fail",
        "applicant_kyt_txn_reviewed",
        (FINAL, RED, *LABELS, COMPLETED),
    ),
    (
        "kytCaseReviewed--no-review-result",
        "refer",
        "kyt_case_reviewed",
        ("kyt_case_reviewed", COMPLETED),
    ),
    ("kytCaseReviewed--green", "pass", "kyt_case_reviewed", (GREEN, COMPLETED)),
    ("kytCaseReviewed--red-final", "fail", "kyt_case_reviewed", (FINAL, RED, *LABELS, COMPLETED)),
    # --- approvals and rejections of AML cases and transactions: the name counts as a verdict
    (
        "amlCaseApproved--no-review-result",
        "refer",
        "aml_case_approved",
        ("aml_case_approved", COMPLETED),
    ),
    (
        "amlCaseApproved--green",
        "pass",
        "aml_case_approved",
        (GREEN, "type:amlCaseApproved", COMPLETED),
    ),
    (
        "amlCaseApproved--red--contradiction",
        "refer",
        "aml_case_approved",
        (CONTRADICTION, RED, "type:amlCaseApproved", COMPLETED),
    ),
    (
        "amlCaseApproved--red-final--contradiction",
        "refer",
        "aml_case_approved",
        (CONTRADICTION, FINAL, RED, *LABELS, "type:amlCaseApproved", COMPLETED),
    ),
    (
        "applicantKytTxnApproved--no-review-result",
        "refer",
        "applicant_kyt_txn_approved",
        ("applicant_kyt_txn_approved", COMPLETED),
    ),
    (
        "applicantKytTxnApproved--green",
        "pass",
        "applicant_kyt_txn_approved",
        (GREEN, "type:applicantKytTxnApproved", COMPLETED),
    ),
    (
        "applicantKytTxnApproved--red-final--contradiction",
        "refer",
        "applicant_kyt_txn_approved",
        (CONTRADICTION, FINAL, RED, *LABELS, "type:applicantKytTxnApproved", COMPLETED),
    ),
    (
        "applicantKytTxnApproved--green-retry--contradiction",
        "refer",
        "applicant_kyt_txn_approved",
        (CONTRADICTION, RETRY, GREEN, "type:applicantKytTxnApproved", COMPLETED),
    ),
    (
        "amlCaseRejected--no-review-result",
        "refer",
        "aml_case_rejected",
        ("aml_case_rejected", COMPLETED),
    ),
    (
        "amlCaseRejected--red-final",
        "fail",
        "aml_case_rejected",
        (FINAL, RED, *LABELS, "type:amlCaseRejected", COMPLETED),
    ),
    (
        "amlCaseRejected--red-retry",
        "pending",
        "aml_case_rejected",
        (RETRY, RED, *LABELS, "type:amlCaseRejected", COMPLETED),
    ),
    (
        "amlCaseRejected--green--contradiction",
        "refer",
        "aml_case_rejected",
        (CONTRADICTION, GREEN, "type:amlCaseRejected", COMPLETED),
    ),
    (
        "applicantKytTxnRejected--no-review-result",
        "refer",
        "applicant_kyt_txn_rejected",
        ("applicant_kyt_txn_rejected", COMPLETED),
    ),
    (
        "applicantKytTxnRejected--red-final",
        "fail",
        "applicant_kyt_txn_rejected",
        (FINAL, RED, *LABELS, "type:applicantKytTxnRejected", COMPLETED),
    ),
    (
        "applicantKytTxnRejected--red--no-reject-type",
        "refer",
        "applicant_kyt_txn_rejected",
        (RED, "type:applicantKytTxnRejected", COMPLETED),
    ),
    (
        "applicantKytTxnRejected--green--contradiction",
        "refer",
        "applicant_kyt_txn_rejected",
        (CONTRADICTION, GREEN, "type:applicantKytTxnRejected", COMPLETED),
    ),
    # --- progress
    (
        "applicantPending--pending",
        "pending",
        "applicant_pending",
        ("applicant_pending", "reviewStatus:pending"),
    ),
    (
        "applicantPending--awaiting-service",
        "pending",
        "applicant_pending",
        ("applicant_pending", "reviewStatus:awaitingService"),
    ),
    (
        "applicantPrechecked--prechecked",
        "pending",
        "applicant_prechecked",
        ("applicant_prechecked", "reviewStatus:prechecked"),
    ),
    ("applicantReset--init", "pending", "applicant_reset", ("applicant_reset", INIT)),
    (
        "applicantActionPending--pending",
        "pending",
        "applicant_action_pending",
        ("applicant_action_pending", "reviewStatus:pending"),
    ),
    (
        "applicantActionLevelChanged--init",
        "pending",
        "applicant_action_level_changed",
        ("applicant_action_level_changed", INIT),
    ),
    (
        "applicantLevelChanged--init",
        "pending",
        "applicant_level_changed",
        ("applicant_level_changed", INIT),
    ),
    (
        "applicantPersonalInfoChanged--init",
        "pending",
        "applicant_personal_info_changed",
        ("applicant_personal_info_changed", INIT),
    ),
    (
        "applicantTagsChanged--init",
        "pending",
        "applicant_tags_changed",
        ("applicant_tags_changed", INIT),
    ),
    ("applicantActivated--init", "pending", "applicant_activated", ("applicant_activated", INIT)),
    (
        "applicantDeactivated--init",
        "pending",
        "applicant_deactivated",
        ("applicant_deactivated", INIT),
    ),
    ("applicantDeleted--init", "pending", "applicant_deleted", ("applicant_deleted", INIT)),
    (
        "applicantPersonalDataDeleted--init",
        "pending",
        "applicant_personal_data_deleted",
        ("applicant_personal_data_deleted", INIT),
    ),
    (
        "videoIdentStatusChanged--init",
        "pending",
        "video_ident_status_changed",
        ("video_ident_status_changed", INIT),
    ),
    (
        "videoIdentCompositionCompleted--init",
        "pending",
        "video_ident_composition_completed",
        ("video_ident_composition_completed", INIT),
    ),
    (
        "applicantKytTxnCreated--init",
        "refer",
        "applicant_kyt_txn_created",
        ("applicant_kyt_txn_created", INIT),
    ),
    (
        "applicantKytTxnDataChanged--init",
        "refer",
        "applicant_kyt_txn_data_changed",
        ("applicant_kyt_txn_data_changed", INIT),
    ),
    (
        "applicantKytTxnAwaitingUser--awaiting-user",
        "refer",
        "applicant_kyt_txn_awaiting_user",
        ("applicant_kyt_txn_awaiting_user", "reviewStatus:awaitingUser"),
    ),
    (
        "applicantKytTxnDeleted--init",
        "refer",
        "applicant_kyt_txn_deleted",
        ("applicant_kyt_txn_deleted", INIT),
    ),
    ("kytCaseCreated--init", "pending", "kyt_case_created", ("kyt_case_created", INIT)),
    (
        "kytCaseStatusChanged--init",
        "pending",
        "kyt_case_status_changed",
        ("kyt_case_status_changed", INIT),
    ),
    ("travelRuleAction--init", "pending", "travel_rule_action", ("travel_rule_action", INIT)),
    ("kybCompanyActivity--init", "pending", "kyb_company_activity", ("kyb_company_activity", INIT)),
    # --- events the adapter does not know
    (
        "unknown--applicant-workflow-run-completed",
        "pending",
        "applicant_workflow_run_completed",
        (UNKNOWN_EVENT,),
    ),
    ("unknown--lookalike-of-applicant-reviewed", "pending", "unknown", (UNKNOWN_EVENT,)),
    ("unknown--no-type", "pending", "unknown", (UNKNOWN_EVENT,)),
    ("unknown--null-type", "pending", "unknown", (UNKNOWN_EVENT,)),
    # --- letter case, separators, numbers
    ("case--review-answer-lower-case", "pass", "applicant_reviewed", (GREEN, COMPLETED)),
    ("case--type-upper-case", "fail", "applicant_reviewed", (FINAL, RED, *LABELS, COMPLETED)),
    ("case--type-snake-case", "pass", "applicant_reviewed", (GREEN, COMPLETED)),
    (
        "case--red-retry-title-case",
        "pending",
        "applicant_reviewed",
        (RETRY, RED, *LABELS, COMPLETED),
    ),
    (
        "case--reject-labels-lower-case",
        "refer",
        "applicant_reviewed",
        (
            "reviewResult.rejectLabels:FORGERY",
            RED,
            "reviewResult.rejectLabels:SCREENSHOTS",
            COMPLETED,
        ),
    ),
    (
        "case--review-status-snake-case",
        "refer",
        "applicant_on_hold",
        ("applicant_on_hold", ON_HOLD),
    ),
    ("case--created-at-ms-epoch-number", "pass", "applicant_reviewed", (GREEN, COMPLETED)),
    ("case--ids-as-numbers", "pending", "applicant_created", ("applicant_created", INIT)),
]
NAMES = [row[0] for row in TABLE]

# The examples in the notes (sumsub-webhooks-notes.md, section 5), kept as published.
VERBATIM = (
    "applicantReviewed--green--official-excerpt",
    "applicantCreated--init",
    "applicantReviewed--green",
    "applicantReviewed--red-final",
)

# Sumsub's free text, which may name the person: none of it may reach an outcome.
PERSONAL = ("Suspected fraudulent account", "could not verify your profile", "clientSupportEmail")

SUBJECT = {
    "applicant_id": "applicantId",
    "inspection_id": "inspectionId",
    "external_user_id": "externalUserId",
    "level_name": "levelName",
    "client_id": "clientId",
    "applicant_action_id": "applicantActionId",
    "external_applicant_action_id": "externalApplicantActionId",
    "kyt_txn_id": "kytTxnId",
    "kyt_data_txn_id": "kytDataTxnId",
}


def _with(name: str, **changes: Any) -> bytes:
    return fixtures.updated(name, changes)


def _review(name: str, **changes: Any) -> bytes:
    return fixtures.updated(name, changes, within=("reviewResult",))


@pytest.mark.parametrize(("name", "outcome", "event", "codes"), TABLE)
def test_fixture_classified(name: str, outcome: str, event: str, codes: tuple[str, ...]) -> None:
    body = body_of(name)
    result = classify(load(name), {})

    mutations.assert_classified(result, outcome, event, codes)
    assert result.subject == {
        key: str(body[field]) for key, field in SUBJECT.items() if body.get(field) not in (None, "")
    }
    if body.get("correlationId"):
        assert result.identity is not None
        assert result.identity[0] == body["correlationId"]
    if isinstance(body.get("createdAtMs"), str):
        assert result.occurred_at == datetime.fromisoformat(body["createdAtMs"]).replace(tzinfo=UTC)
    mutations.assert_says_none_of(result, PERSONAL)


def test_every_fixture_is_in_the_table() -> None:
    fixtures.assert_all_in_table(NAMES)
    assert set(VERBATIM) <= set(NAMES)


def test_every_documented_event_status_and_value_has_a_fixture() -> None:
    events = {row[2] for row in TABLE}
    assert events >= set(sumsub.WORDS.values())
    statuses = {body_of(name).get("reviewStatus") for name in NAMES}
    assert statuses >= {"init", "pending", "prechecked", "completed", "onHold"}
    assert statuses >= {"awaitingUser", "awaitingService"}
    codes = {code for row in TABLE for code in row[3]}
    assert codes >= {GREEN, RED, FINAL, RETRY, CONTRADICTION, MISSING, UNRECOGNISED}
    assert codes >= {"no_reject_type", UNKNOWN_EVENT}


def test_the_table_names_every_event_the_adapter_knows_and_no_other() -> None:
    table = policy.load("sumsub")
    assert set(table.events) == set(sumsub.WORDS.values())
    assert len(set(sumsub.WORDS.values())) == len(sumsub.EVENT_NAMES)
    for group in (group for event in table.events.values() for group in event.agree):
        # The evaluator matches a group by the names in reasons: a renamed key would never agree.
        assert all(table.fields[key].name in (None, key) for key in group)


def test_verbatim_examples_keep_the_vendors_sample_data() -> None:
    red = body_of("applicantReviewed--red-final")
    assert red["reviewResult"]["clientComment"] == "Suspected fraudulent account."
    assert red["reviewResult"]["rejectLabels"] == [
        "UNSATISFACTORY_PHOTOS",
        "GRAPHIC_EDITOR",
        "FORGERY",
    ]
    assert body_of("applicantCreated--init")["sandboxMode"] == "false"
    assert body_of("applicantReviewed--green--official-excerpt")["levelName"] == "id-and-liveness"


def test_free_text_and_personal_data_never_reach_an_outcome() -> None:
    personal = {
        "firstName": "JANE",
        "lastName": "TESTPERSON",
        "dob": "1990-01-01",
        "idDocs": [{"number": "X0000000", "imageUrl": "https://example.test/fake-doc.jpg"}],
        "addresses": [{"street": "1 Fake Street"}],
    }
    for name in NAMES:
        body = body_of(name)
        body.update(info=personal, fixedInfo=personal)
        if isinstance(body.get("reviewResult"), dict):
            body["reviewResult"].update(
                clientComment="JANE TESTPERSON, X0000000", moderationComment="fake-doc.jpg"
            )
        text = encoded(classify(encode(body), {}))
        for value in ("JANE", "TESTPERSON", "1990-01-01", "X0000000", "fake-doc", "Fake Street"):
            assert value not in text, (name, value)


def test_unrecognised_values_name_field_and_value() -> None:
    mutations.assert_names_field_and_value(
        classify(load("applicantReviewed--yellow"), {}).reasons[0],
        "reviewResult.reviewAnswer",
        "YELLOW",
    )
    mutations.assert_names_field_and_value(
        classify(load("applicantReviewed--red--unknown-reject-type"), {}).reasons[0],
        "reviewResult.reviewRejectType",
        "EXTERNAL",
    )


def test_contradictions_name_both_values() -> None:
    messages = {
        name: classify(load(name), {}).reasons[0].message
        for name in (
            "applicantReviewed--green--reject-type-final",
            "applicantReviewed--green--reject-type-retry",
            "applicantReviewed--green--reject-labels",
            "amlCaseApproved--red--contradiction",
            "amlCaseRejected--green--contradiction",
        )
    }
    assert messages == {
        "applicantReviewed--green--reject-type-final": f"{GREEN} contradicts {FINAL}",
        "applicantReviewed--green--reject-type-retry": f"{RETRY} contradicts {GREEN}",
        "applicantReviewed--green--reject-labels": (
            f"{GREEN} contradicts reviewResult.rejectLabels:SCREENSHOTS"
        ),
        "amlCaseApproved--red--contradiction": f"type:amlCaseApproved contradicts {RED}",
        "amlCaseRejected--green--contradiction": f"{GREEN} contradicts type:amlCaseRejected",
    }


@pytest.mark.parametrize(
    ("name", "changes", "outcome"),
    [
        # A reject type without an answer: the answer is missing, whatever the type says.
        ("applicantReviewed--red-final", {"reviewAnswer": None}, Outcome.REFER),
        ("amlCaseApproved--red-final--contradiction", {"reviewAnswer": " "}, Outcome.REFER),
        ("amlCaseRejected--red-final", {"reviewAnswer": ""}, Outcome.REFER),
        # An approval's RED is a contradiction whatever its reject type.
        ("amlCaseApproved--red-final--contradiction", {"reviewRejectType": "RETRY"}, Outcome.REFER),
        ("amlCaseApproved--red-final--contradiction", {"reviewRejectType": None}, Outcome.REFER),
        # A rejection's RED without a reject type refers, as the identity review's.
        (
            "amlCaseRejected--red-final",
            {"reviewRejectType": None, "rejectLabels": None},
            Outcome.REFER,
        ),
        # Blank reject fields are absent ones.
        (
            "applicantReviewed--green",
            {"reviewRejectType": "", "rejectLabels": ["", " "]},
            Outcome.PASS,
        ),
        ("applicantReviewed--red-final", {"rejectLabels": None}, Outcome.FAIL),
        (
            "applicantReviewed--red-retry",
            {"rejectLabels": [], "buttonIds": ["badPhoto"]},
            Outcome.PENDING,
        ),
    ],
)
def test_review_result_combinations(name: str, changes: dict[str, Any], outcome: Outcome) -> None:
    assert classify(_review(name, **changes), {}).outcome is outcome


def test_a_missing_answer_beside_a_reject_type_says_both() -> None:
    result = classify(_review("applicantReviewed--red-final", reviewAnswer=None), {})
    assert [(r.code, r.field) for r in result.reasons][:2] == [
        (MISSING, "reviewResult.reviewAnswer"),
        (FINAL, "reviewResult.reviewRejectType"),
    ]


def test_review_result_is_read_only_where_the_event_reads_it() -> None:
    # A progress event carrying a reviewResult stays progress, whatever the result says.
    for answer in ("GREEN", "RED", "YELLOW"):
        body = body_of("applicantPending--pending")
        body["reviewResult"] = {"reviewAnswer": answer, "reviewRejectType": "FINAL"}
        result = classify(encode(body), {})
        assert result.outcome is Outcome.PENDING
        assert [r.code for r in result.reasons] == ["applicant_pending", "reviewStatus:pending"]
    # On hold is a reviewer's call whatever the result says, unless it is unreadable.
    body = body_of("applicantOnHold--on-hold")
    body["reviewResult"] = {"reviewAnswer": "GREEN"}
    assert classify(encode(body), {}).outcome is Outcome.REFER


def test_button_ids_are_said() -> None:
    result = classify(
        _review("applicantReviewed--red-retry", buttonIds=["badPhoto_screenshot"]), {}
    )
    assert result.outcome is Outcome.PENDING
    assert "reviewResult.buttonIds:badPhoto_screenshot" in [r.code for r in result.reasons]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        # Upper-casing maps a ligature or a long s to ASCII letters; a lookalike never matches.
        (("reviewResult", "reviewAnswer"), "GR\u0395EN"),
        (("reviewResult", "reviewAnswer"), "GREEN\u200b"),
        (("reviewResult", "reviewAnswer"), "GREEN!"),
        (("reviewResult", "reviewRejectType"), "\ufb01NAL"),
        (("reviewResult", "reviewRejectType"), "RETRY."),
    ],
)
def test_lookalikes_are_unrecognised(path: tuple[str, ...], value: str) -> None:
    name = "applicantReviewed--red-retry" if "Reject" in path[-1] else "applicantReviewed--green"
    result = classify(fixtures.changed(name, path, value), {})
    assert result.outcome is Outcome.REFER
    assert result.reasons[0].code == UNRECOGNISED


@pytest.mark.parametrize(
    "name", ["applicantReviewed!", "applicant.reviewed", "applicantRevi\u0435wed"]
)
def test_a_lookalike_of_a_known_event_is_not_that_event(name: str) -> None:
    result = classify(_with("applicantReviewed--green", type=name), {})
    assert result.outcome is Outcome.PENDING
    assert result.event in ("unknown", "applicant_revi_wed")
    assert result.reasons[0].code == UNKNOWN_EVENT
    assert result.reasons[0].field == "type"


def test_a_hostile_event_name_is_cut_to_a_routable_word() -> None:
    result = classify(_with("applicantReviewed--green", type="xY." * 5000), {})
    mutations.assert_a_short_unknown_event(result)


def test_long_vendor_values_are_capped() -> None:
    result = classify(_review("applicantReviewed--red-final", rejectLabels=["X" * 1000]), {})
    assert result.outcome is Outcome.FAIL
    assert all(len(reason.code) <= 64 for reason in result.reasons)


# ------------------------------------------------------------------------------ identity


@pytest.mark.parametrize("name", NAMES)
def test_retry_equal_bodies_classify_equally(name: str) -> None:
    # A retry may come re-serialised: whitespace and key order may differ, the event does not.
    assert classify(mutations.reserialised(body_of(name)), {}) == classify(load(name), {})


def test_same_event_same_identity() -> None:
    name = "applicantReviewed--red-final"
    identity = classify(load(name), {}).identity
    assert identity == (
        "req-fa94263f-0b23-42d7-9393-ab10b28ef42d",
        "applicantReviewed",
        "5cb744200a975a67ed1798a4",
        "",
        "",
        "2020-02-21 13:23:19.001",
    )
    assert classify(load(name), {}).identity == identity
    # Another spelling of the event name is the same event; what decides nothing changes nothing.
    assert classify(_with(name, type="APPLICANT_REVIEWED"), {}).identity == identity
    assert classify(_with(name, sandboxMode=True, levelName="other"), {}).identity == identity


def test_different_events_differ() -> None:
    name = "applicantReviewed--green"
    identity = classify(load(name), {}).identity
    for changes in (
        # Sumsub: several events of one operation may share a correlationId.
        {"correlationId": "req-00000000-0000-4000-8000-000000000000"},
        {"type": "applicantWorkflowCompleted"},
        {"applicantId": "5cb56e8e0a975a35f3330000"},
        {"createdAtMs": "2020-02-21 13:23:20.000"},
        {"applicantActionId": "6a0000000000000000000001"},
        {"kytTxnId": "64a7dc05fbf57c624afcb72d"},
    ):
        assert classify(_with(name, **changes), {}).identity != identity, changes


def test_fixture_identities_are_the_events_they_describe() -> None:
    # Fixtures derived from one example keep its correlationId and time: only those that are
    # the same event (the same type too) may share an identity.
    seen: dict[tuple[str, ...], tuple[str, Any, Any, Any]] = {}
    for name in NAMES:
        result = classify(load(name), {})
        if result.identity is None:
            continue
        body = body_of(name)
        event = (
            result.event,
            body.get("correlationId"),
            body.get("applicantId"),
            body.get("createdAtMs"),
        )
        if result.event == "unknown":
            continue
        assert seen.setdefault(result.identity, event) == event, name
    verbatim = [classify(load(name), {}).identity for name in VERBATIM]
    assert len(set(verbatim)) == len(verbatim)


def test_without_correlation_id_sumsubs_own_key_stands_in() -> None:
    name = "applicantReviewed--green"
    body = body_of(name)
    del body["correlationId"]
    identity = classify(encode(body), {}).identity
    assert identity == (
        "",
        "applicantReviewed",
        "5cb56e8e0a975a35f333cb83",
        "",
        "",
        "2020-02-21 13:23:19.321",
    )
    assert classify(encode(dict(reversed(list(body.items())))), {}).identity == identity
    # No time to tell two events of the applicant apart: the body hash.
    del body["createdAtMs"]
    assert classify(encode(body), {}).identity is None
    assert classify(_with(name, correlationId="", createdAtMs=None), {}).identity is None


def test_a_later_final_event_may_contradict_an_earlier_one() -> None:
    # Sumsub: "approved, but later ... detected as a fraudster ... a second RED webhook".
    green = classify(load("applicantReviewed--green"), {})
    body = body_of("applicantReviewed--red-final")
    body.update(
        applicantId="5cb56e8e0a975a35f333cb83",
        inspectionId="5cb56e8e0a975a35f333cb84",
        correlationId="req-11111111-1111-4111-8111-111111111111",
        createdAtMs="2020-03-02 09:00:00.000",
    )
    red = classify(encode(body), {})
    assert (green.outcome, red.outcome) == (Outcome.PASS, Outcome.FAIL)
    assert green.subject["applicant_id"] == red.subject["applicant_id"]
    assert green.identity != red.identity
    assert green.occurred_at is not None
    assert red.occurred_at is not None
    assert red.occurred_at > green.occurred_at


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"createdAtMs": "2021-05-14 16:00:25.032"}, datetime(2021, 5, 14, 16, 0, 25, 32000, UTC)),
        (
            {"createdAtMs": "2025-01-30 11:41:55+0000"},
            datetime(2025, 1, 30, 11, 41, 55, tzinfo=UTC),
        ),
        ({"createdAtMs": 1582291399321}, datetime(2020, 2, 21, 13, 23, 19, 321000, UTC)),
        ({"createdAtMs": "1582291399321"}, datetime(2020, 2, 21, 13, 23, 19, 321000, UTC)),
        (
            {"createdAtMs": None, "createdAt": "2024-04-24 11:15:09+0000"},
            datetime(2024, 4, 24, 11, 15, 9, tzinfo=UTC),
        ),
        ({"createdAtMs": "2020-02-\u2026(truncated)"}, None),
        ({"createdAtMs": "9" * 30}, None),
        ({"createdAtMs": ""}, None),
    ],
)
def test_event_time(changes: dict[str, Any], expected: datetime | None) -> None:
    result = classify(_with("applicantReviewed--green", **changes), {})
    assert result.occurred_at == expected
    assert result.outcome is Outcome.PASS


def test_subject_of_actions_and_transactions() -> None:
    body = body_of("applicantKytTxnApproved--green")
    body.update(
        kytTxnId="64a7dc05fbf57c624afcb72d",
        kytDataTxnId="uauu08x44xexbohyh4lkp9",
        kytTxnType="finance",
        applicantActionId="6a0000000000000000000001",
        externalApplicantActionId="action-42",
        clientId="coolClientId",
    )
    result = classify(encode(body), {})
    assert result.outcome is Outcome.PASS
    assert result.subject == {
        "applicant_id": "5cb56e8e0a975a35f333cb83",
        "inspection_id": "5cb56e8e0a975a35f333cb84",
        "external_user_id": "$user_id",
        "level_name": "basic-kyc-level",
        "client_id": "coolClientId",
        "applicant_action_id": "6a0000000000000000000001",
        "external_applicant_action_id": "action-42",
        "kyt_txn_id": "64a7dc05fbf57c624afcb72d",
        "kyt_data_txn_id": "uauu08x44xexbohyh4lkp9",
    }
    assert result.identity is not None
    assert "64a7dc05fbf57c624afcb72d" in result.identity


# ------------------------------------------------------------------------------ undecodable


@pytest.mark.parametrize(
    ("body", "path"),
    [
        *((body, None) for body in mutations.NOT_OBJECTS),
        (b'[{"type": "applicantReviewed"}]', None),
        (b'"applicantReviewed"', None),
        (b"{}", "`type`"),
        (b'{"levelName": "basic-kyc-level", "reviewStatus": "completed"}', "`type`"),
        (b'{"type": null}', "`type`"),
        (b'{"type": 7}', "$.type"),
        (b'{"type": ["applicantReviewed"]}', "$.type"),
        (b'{"type": "applicantReviewed", "reviewResult": "GREEN"}', "$.reviewResult"),
        (
            b'{"type": "applicantReviewed", "reviewResult": {"reviewAnswer": 1}}',
            "$.reviewResult.reviewAnswer",
        ),
        (
            b'{"type": "applicantReviewed", "reviewResult": {"rejectLabels": "FORGERY"}}',
            "$.reviewResult.rejectLabels",
        ),
        (b'{"type": "applicantReviewed", "applicantId": {}}', "$.applicantId"),
        (b'{"type": "applicantReviewed", "applicantId": true}', "$.applicantId"),
        (b'{"type": "applicantReviewed", "createdAtMs": [2020]}', "$.createdAtMs"),
        (b'{"type": "applicantReviewed", "reviewStatus": {"a": 1}}', "$.reviewStatus"),
    ],
)
def test_undecodable(body: bytes, path: str | None) -> None:
    mutations.assert_undecodable(classify, body, path)


def test_a_body_with_sumsubs_ids_but_no_type_is_an_unknown_event() -> None:
    for ids in ({"applicantId": "5c9e"}, {"correlationId": "req-1"}, {"kytTxnId": 64}):
        result = classify(encode(ids), {})
        assert (result.outcome, result.event) == (Outcome.PENDING, "unknown")
        assert result.reasons[0].code == UNKNOWN_EVENT


def test_undeclared_fields_of_any_shape_are_accepted_and_never_read() -> None:
    name = "applicantReviewed--green"
    for value in ({"a": "fake-user-0009"}, "fake-user-0009", [1], 3, None, True):
        result = classify(
            _with(name, sandboxMode=value, applicantMemberOf=value, videoIdentReviewStatus=value),
            {},
        )
        assert result.outcome is Outcome.PASS
        mutations.assert_says_none_of(result, ["fake-user"])


# ------------------------------------------------------------------------------ properties

KNOWN = ("GREEN", "RED", "FINAL", "RETRY", *sumsub.EVENT_NAMES)
unknown_words = mutations.unknown_words(KNOWN)
unknown_events = mutations.unknown_words(KNOWN, max_size=30, blank=True)


@PROPERTY
@given(mutations.mutated(body_of, NAMES))
def test_mutations_classify_or_are_undecodable(body: bytes) -> None:
    mutations.classified_or_undecodable(classify, body)


REVIEWED = [name for name in NAMES if isinstance(body_of(name).get("reviewResult"), dict)]


@PROPERTY
@given(
    st.sampled_from(REVIEWED),
    st.sampled_from(["reviewAnswer", "reviewRejectType"]),
    unknown_words,
)
def test_unrecognised_verdict_value_is_never_pass_or_fail(
    name: str, field: str, value: str
) -> None:
    result = classify(_review(name, **{field: value}), {})
    assert result.outcome not in (Outcome.PASS, Outcome.FAIL)


@PROPERTY
@given(st.sampled_from(NAMES), unknown_events)
def test_unrecognised_event_is_pending(name: str, value: str) -> None:
    mutations.assert_an_unknown_event(classify(_with(name, type=value), {}))


KNOWN_EVENTS = [
    row[0] for row in TABLE if row[2] != "unknown" and not row[0].startswith("unknown--")
]


@PROPERTY
@given(st.sampled_from(KNOWN_EVENTS), st.lists(st.booleans(), min_size=1, max_size=8))
def test_letter_case_changes_nothing(name: str, flips: list[bool]) -> None:
    body = body_of(name)
    body["type"] = mutations.random_case(body["type"], flips)
    if isinstance(body.get("reviewStatus"), str):
        body["reviewStatus"] = mutations.random_case(body["reviewStatus"], flips)
    review = body.get("reviewResult")
    if isinstance(review, dict):
        for field in ("reviewAnswer", "reviewRejectType"):
            if isinstance(review.get(field), str):
                review[field] = mutations.random_case(review[field], flips)
    recased = classify(encode(body), {})
    original = classify(load(name), {})
    assert (recased.outcome, recased.event, recased.identity) == (
        original.outcome,
        original.event,
        original.identity,
    )
    assert [r.code for r in recased.reasons] == [r.code for r in original.reasons]
