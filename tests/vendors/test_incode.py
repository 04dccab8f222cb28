"""Incode adapter: every fixture classified per docs/outcomes.md, plus properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.outcome import Outcome
from tests.vendors import mutations
from tests.vendors.mutations import PROPERTY, encode
from workers.vendors import CLASSIFIERS

fixtures = mutations.Fixtures("incode")
load, body_of = fixtures.load, fixtures.body
classify = CLASSIFIERS["incode"]

AUTH = "authentication"
ONBOARDING = "onboarding_status"
WATCHLIST = "watchlist_update"

# (fixture, outcome, event, reason codes)
TABLE: list[tuple[str, str, str, tuple[str, ...]]] = [
    # The examples of incode-authentication-webhook-1to1.txt.
    (
        "doc--authentication--pass",
        "pass",
        AUTH,
        (
            "overallStatus:PASS",
            "hasLenses:false",
            "hasFaceMask:false",
            "spoofAttempt:false",
            "faceMatch:true",
        ),
    ),
    (
        "doc--authentication--fail-4004-non-existing-customer",
        "fail",
        AUTH,
        ("overallStatus:FAIL", "errorCode:4004", "faceMatch:false"),
    ),
    (
        "doc--authentication--fail-4005-spoof-attempt",
        "fail",
        AUTH,
        ("overallStatus:FAIL", "errorCode:4005", "spoofAttempt:true", "faceMatch:false"),
    ),
    (
        "doc--authentication--fail-4015-user-not-recognized",
        "fail",
        AUTH,
        ("overallStatus:FAIL", "errorCode:4015", "spoofAttempt:false", "faceMatch:false"),
    ),
    (
        "doc--authentication--fail-4003-user-blacklisted",
        "fail",
        AUTH,
        ("overallStatus:FAIL", "errorCode:4003", "faceMatch:false"),
    ),
    (
        "doc--authentication--fail-lenses",
        "fail",
        AUTH,
        (
            "overallStatus:FAIL",
            "hasLenses:true",
            "hasFaceMask:false",
            "spoofAttempt:false",
            "faceMatch:false",
        ),
    ),
    (
        "doc--authentication--fail-face-mask",
        "fail",
        AUTH,
        (
            "overallStatus:FAIL",
            "hasLenses:false",
            "hasFaceMask:true",
            "spoofAttempt:false",
            "faceMatch:false",
        ),
    ),
    # Authentication beyond the examples: 1:N, the policy's other branches.
    (
        "authentication--1-to-n--pass",
        "pass",
        AUTH,
        (
            "overallStatus:PASS",
            "hasLenses:false",
            "hasFaceMask:false",
            "spoofAttempt:false",
            "faceMatch:true",
        ),
    ),
    (
        "authentication--1-to-n--fail-4015-no-candidates",
        "fail",
        AUTH,
        ("overallStatus:FAIL", "errorCode:4015", "spoofAttempt:false", "faceMatch:false"),
    ),
    (
        "authentication--fail-hat-no-error-fields",
        "fail",
        AUTH,
        (
            "overallStatus:FAIL",
            "hasLenses:false",
            "hasFaceMask:false",
            "spoofAttempt:false",
            "faceMatch:false",
        ),
    ),
    (
        "authentication--system-error--fail-api-exception",
        "system_error",
        AUTH,
        ("errorCode:5000", "overallStatus:FAIL", "faceMatch:false"),
    ),
    (
        "authentication--system-error--pass-with-api-exception-code",
        "system_error",
        AUTH,
        ("errorCode:1003", "overallStatus:PASS", "spoofAttempt:false", "faceMatch:true"),
    ),
    (
        "authentication--system-error--no-status-api-exception",
        "system_error",
        AUTH,
        ("errorCode:500", "missing_value"),
    ),
    (
        "authentication--refer--pass-with-user-error-code",
        "refer",
        AUTH,
        (
            "contradiction",
            "overallStatus:PASS",
            "errorCode:4005",
            "spoofAttempt:false",
            "faceMatch:true",
        ),
    ),
    (
        "authentication--refer--pass-with-face-mismatch",
        "refer",
        AUTH,
        ("contradiction", "overallStatus:PASS", "spoofAttempt:false", "faceMatch:false"),
    ),
    (
        "authentication--refer--missing-overall-status",
        "refer",
        AUTH,
        ("missing_value", "spoofAttempt:false", "faceMatch:true"),
    ),
    (
        "authentication--refer--null-overall-status-user-error",
        "refer",
        AUTH,
        ("missing_value", "errorCode:4003", "faceMatch:false"),
    ),
    (
        "authentication--refer--unknown-overall-status",
        "refer",
        AUTH,
        ("unrecognised_value", "faceMatch:true"),
    ),
    (
        "authentication--refer--error-without-code",
        "refer",
        AUTH,
        ("missing_value", "overallStatus:FAIL", "faceMatch:false", "error"),
    ),
    (
        "case--authentication--pass-lower-case",
        "pass",
        AUTH,
        (
            "overallStatus:PASS",
            "hasLenses:false",
            "hasFaceMask:false",
            "spoofAttempt:false",
            "faceMatch:true",
        ),
    ),
    (
        "case--authentication--fail-title-case",
        "fail",
        AUTH,
        ("overallStatus:FAIL", "errorCode:4003", "faceMatch:false"),
    ),
    (
        "sloppy--authentication--error-code-as-string",
        "fail",
        AUTH,
        ("overallStatus:FAIL", "errorCode:4005", "spoofAttempt:true", "faceMatch:false"),
    ),
    (
        "sloppy--authentication--booleans-and-scores-as-strings",
        "pass",
        AUTH,
        (
            "overallStatus:PASS",
            "hasLenses:false",
            "hasFaceMask:false",
            "spoofAttempt:false",
            "faceMatch:true",
        ),
    ),
    ("sloppy--authentication--nulls", "pass", AUTH, ("overallStatus:PASS", "faceMatch:true")),
    (
        "sloppy--authentication--fail-empty-error-fields",
        "fail",
        AUTH,
        ("overallStatus:FAIL", "hasLenses:true", "faceMatch:false"),
    ),
    # Onboarding status: every documented status, then the odd ones.
    (
        "onboarding-status--id-validation-finished",
        "pending",
        ONBOARDING,
        ("onboardingStatus:ID_VALIDATION_FINISHED",),
    ),
    (
        "onboarding-status--id-validation-finished-second-id",
        "pending",
        ONBOARDING,
        ("onboardingStatus:ID_VALIDATION_FINISHED_SECOND_ID",),
    ),
    (
        "onboarding-status--post-processing-finished",
        "pending",
        ONBOARDING,
        ("onboardingStatus:POST_PROCESSING_FINISHED",),
    ),
    (
        "onboarding-status--face-validation-finished",
        "pending",
        ONBOARDING,
        ("onboardingStatus:FACE_VALIDATION_FINISHED",),
    ),
    (
        "onboarding-status--government-validation-finished",
        "pending",
        ONBOARDING,
        ("onboardingStatus:GOVERNMENT_VALIDATION_FINISHED",),
    ),
    (
        "onboarding-status--onboarding-finished",
        "pending",
        ONBOARDING,
        ("onboardingStatus:ONBOARDING_FINISHED",),
    ),
    (
        "onboarding-status--manual-review-approved",
        "pass",
        ONBOARDING,
        ("onboardingStatus:MANUAL_REVIEW_APPROVED",),
    ),
    (
        "onboarding-status--manual-review-rejected",
        "fail",
        ONBOARDING,
        ("onboardingStatus:MANUAL_REVIEW_REJECTED",),
    ),
    (
        "onboarding-status--minimal",
        "pending",
        ONBOARDING,
        ("onboardingStatus:ONBOARDING_FINISHED",),
    ),
    (
        "onboarding-status--unlisted-finished-status",
        "pending",
        ONBOARDING,
        ("onboardingStatus:CURP_VALIDATION_FINISHED",),
    ),
    ("onboarding-status--unknown-status", "refer", ONBOARDING, ("unrecognised_value",)),
    ("onboarding-status--null-status", "refer", ONBOARDING, ("missing_value",)),
    (
        "case--onboarding-status--approved-lower-case",
        "pass",
        ONBOARDING,
        ("onboardingStatus:MANUAL_REVIEW_APPROVED",),
    ),
    (
        "case--onboarding-status--rejected-spaced",
        "fail",
        ONBOARDING,
        ("onboardingStatus:MANUAL_REVIEW_REJECTED",),
    ),
    (
        "sloppy--onboarding-status--nulls-and-numeric-ids",
        "pending",
        ONBOARDING,
        ("onboardingStatus:FACE_VALIDATION_FINISHED",),
    ),
    # Global watchlist update, and a kind of Incode webhook the adapter does not know.
    ("watchlist-update", "refer", WATCHLIST, ("watchlist_update",)),
    ("sloppy--watchlist-update--search-id-as-string", "refer", WATCHLIST, ("watchlist_update",)),
    ("unknown-kind--interview-with-new-fields", "pending", "unknown", ("unrecognised_event",)),
]

# subject name -> the body key it comes from, per event word.
SUBJECT_KEYS: dict[str, dict[str, str]] = {
    AUTH: {
        "customer_id": "customerId",
        "interview_id": "interviewId",
        "transaction_id": "transactionId",
    },
    ONBOARDING: {
        "interview_id": "interviewId",
        "external_id": "externalId",
        "client_id": "clientId",
        "flow_id": "flowId",
    },
    WATCHLIST: {"interview_id": "interviewId", "ref": "ref", "search_id": "search_id"},
    "unknown": {"interview_id": "interviewId", "customer_id": "customerId"},
}

NAMES = [row[0] for row in TABLE]


@pytest.mark.parametrize(("name", "outcome", "event", "codes"), TABLE)
def test_fixture_classified(name: str, outcome: str, event: str, codes: tuple[str, ...]) -> None:
    body = body_of(name)
    result = classify(load(name), {})

    mutations.assert_classified(result, outcome, event, codes)
    expected = {
        subject: str(body[key])
        for subject, key in SUBJECT_KEYS[event].items()
        if body.get(key) not in (None, "")
    }
    assert result.subject == expected
    assert result.occurred_at is None


def test_every_fixture_is_in_the_table() -> None:
    fixtures.assert_all_in_table(NAMES)


def test_every_document_example_has_a_fixture() -> None:
    # One successful and six failed examples in incode-authentication-webhook-1to1.txt.
    assert len([name for name in NAMES if name.startswith("doc--")]) == 7


def test_vendor_error_code_and_message_are_reasons() -> None:
    result = classify(load("doc--authentication--fail-4005-spoof-attempt"), {})
    reason = result.reasons[1]
    assert (reason.code, reason.field) == ("errorCode:4005", "errorCode")
    assert reason.message == "Spoof attempt detected. Spoof confidence 1.0"
    # Without errorMessage, the error title is the message.
    reason = classify(load("doc--authentication--fail-4015-user-not-recognized"), {}).reasons[1]
    assert reason.message == "User is not recognized"
    # Incode's "NA" is no message at all: the error title is.
    body = dict(body_of("doc--authentication--fail-4003-user-blacklisted"), errorMessage="NA")
    reason = classify(encode(body), {}).reasons[1]
    assert (reason.code, reason.message) == ("errorCode:4003", "User blacklisted")
    # And "NA" alone reports no error: the FAIL stands, no errorCode is asked for.
    body = dict(body_of("doc--authentication--fail-lenses"), error="NA", errorMessage=" na ")
    result = classify(encode(body), {})
    assert result.outcome is Outcome.FAIL
    assert all(reason.field != "errorCode" for reason in result.reasons)


def test_an_api_exception_names_its_code() -> None:
    # Any code outside the four user errors is an API exception, a recognised value ("*"): the
    # reason is errorCode:<code>, carrying Incode's message ("NA" is none: the error title is).
    reason = classify(load("authentication--system-error--no-status-api-exception"), {}).reasons[0]
    assert (reason.code, reason.field) == ("errorCode:500", "errorCode")
    assert reason.message == "Internal server error"
    reason = classify(load("authentication--system-error--fail-api-exception"), {}).reasons[0]
    assert (reason.code, reason.field) == ("errorCode:5000", "errorCode")
    assert reason.message == "Unexpected error while processing the request"


def test_error_text_without_a_code_asks_for_the_code_and_keeps_the_text() -> None:
    result = classify(load("authentication--refer--error-without-code"), {})
    assert result.outcome is Outcome.REFER
    missing, *_, note = result.reasons
    assert (missing.code, missing.field) == ("missing_value", "errorCode")
    assert (note.code, note.message, note.field) == ("error", "Something went wrong", "errorCode")


def test_unrecognised_values_name_field_and_value() -> None:
    reason = classify(load("authentication--refer--unknown-overall-status"), {}).reasons[0]
    mutations.assert_names_field_and_value(reason, "overallStatus", "MANUAL_REVIEW")
    (reason,) = classify(load("onboarding-status--unknown-status"), {}).reasons
    mutations.assert_names_field_and_value(reason, "onboardingStatus", "USER_CANCELLED")


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        # Upper-casing maps a long s (U+017F) to S and the separator pattern turned PASSé into
        # PASS: neither may make a verdict of a value Incode never sends (rule 1).
        ("doc--authentication--pass", "overallStatus", "PA\u017fS"),
        ("doc--authentication--pass", "overallStatus", "PASS\u00e9"),
        ("doc--authentication--fail-lenses", "overallStatus", "\u00e9FAIL"),
        (
            "onboarding-status--manual-review-approved",
            "onboardingStatus",
            "MANUAL_REVIEW_APPROVED\u00e9",
        ),
        (
            "onboarding-status--manual-review-rejected",
            "onboardingStatus",
            "MANUAL_REVIEW_REJECTED\u200b",
        ),
    ],
)
def test_non_ascii_lookalikes_are_unrecognised(name: str, field: str, value: str) -> None:
    result = classify(encode({**body_of(name), field: value}), {})
    assert result.outcome is Outcome.REFER
    assert (result.reasons[0].code, result.reasons[0].field) == ("unrecognised_value", field)


def test_contradiction_names_the_field() -> None:
    # The field is the PASS's; the message names both sides as field:value.
    reason = classify(load("authentication--refer--pass-with-user-error-code"), {}).reasons[0]
    assert (reason.code, reason.field) == ("contradiction", "overallStatus")
    assert reason.message == "overallStatus:PASS contradicts errorCode:4005"
    reason = classify(load("authentication--refer--pass-with-face-mismatch"), {}).reasons[0]
    assert (reason.code, reason.field) == ("contradiction", "overallStatus")
    assert reason.message == "overallStatus:PASS contradicts faceMatch:false"


def test_a_pass_with_a_spoof_attempt_is_a_contradiction() -> None:
    body = dict(body_of("doc--authentication--pass"), spoofAttempt=True)
    result = classify(encode(body), {})
    assert result.outcome is Outcome.REFER
    assert result.reasons[0].message == "overallStatus:PASS contradicts spoofAttempt:true"


def test_a_pass_with_a_face_mismatch_and_an_api_exception_is_a_system_error() -> None:
    # An API exception is a recognised system_error, and errors come first: it outranks the
    # contradiction between the PASS and the face mismatch (Incode's own failure, no verdict).
    body = dict(body_of("authentication--refer--pass-with-face-mismatch"), errorCode=5000)
    result = classify(encode(body), {})
    assert result.outcome is Outcome.SYSTEM_ERROR
    assert [r.code for r in result.reasons] == [
        "errorCode:5000",
        "overallStatus:PASS",
        "spoofAttempt:false",
        "faceMatch:false",
    ]


def test_credentials_in_the_body_never_reach_the_outcome() -> None:
    body = body_of("doc--authentication--pass")
    body.update(token="fake-session-token-0001", interviewToken="fake-interview-token-0001")
    result = classify(encode(body), {})
    assert result.outcome is Outcome.PASS
    assert "fake-" not in repr(result)


# ------------------------------------------------------------------------------ identity


@pytest.mark.parametrize("name", NAMES)
def test_retry_equal_bodies_classify_equally(name: str) -> None:
    assert classify(mutations.reserialised(body_of(name)), {}) == classify(load(name), {})


def test_identity_per_shape() -> None:
    auth = classify(load("doc--authentication--pass"), {})
    assert auth.identity == (AUTH, "549994d9r3474bfcbbbdc5a5")
    onboarding = classify(load("onboarding-status--onboarding-finished"), {})
    assert onboarding.identity == (ONBOARDING, "6750bb000000000000000005", "ONBOARDING_FINISHED")
    watchlist = classify(load("watchlist-update"), {})
    assert watchlist.identity == (
        WATCHLIST,
        "6760dd000000000000000001",
        "1700000000-FaKeReF1",
        "987654321",
    )
    # Without transactionId the body hash is the identity: customerId repeats across attempts.
    assert classify(load("doc--authentication--fail-4003-user-blacklisted"), {}).identity is None


def test_same_event_same_identity() -> None:
    name = "onboarding-status--manual-review-approved"
    lower = body_of(name)
    lower["onboardingStatus"] = lower["onboardingStatus"].lower()
    assert classify(encode(lower), {}).identity == classify(load(name), {}).identity
    # The error code as a number or a string is the same event.
    name = "doc--authentication--fail-4005-spoof-attempt"
    text = body_of(name)
    text["errorCode"] = "4005"
    assert classify(encode(text), {}) == classify(load(name), {})


def test_different_events_differ() -> None:
    # Incode's lenses and mask examples reuse one transactionId; the identity follows it.
    shared = {"doc--authentication--fail-lenses", "doc--authentication--fail-face-mask"}
    mutations.assert_identities_differ(
        {name: classify(load(name), {}).identity for name in NAMES if name not in shared}
    )

    base = body_of("onboarding-status--onboarding-finished")
    for changes in (
        {"onboardingStatus": "FACE_VALIDATION_FINISHED"},
        {"interviewId": "6750bb0000000000000000ff"},
    ):
        assert (
            classify(encode({**base, **changes}), {}).identity
            != classify(encode(base), {}).identity
        )
    watch = body_of("watchlist-update")
    assert (
        classify(encode({**watch, "search_id": 1}), {}).identity
        != classify(encode(watch), {}).identity
    )
    auth = body_of("doc--authentication--pass")
    assert (
        classify(encode({**auth, "transactionId": "other"}), {}).identity
        != classify(encode(auth), {}).identity
    )


# ------------------------------------------------------------------------------ undecodable


@pytest.mark.parametrize(
    ("body", "path"),
    [
        *((body, None) for body in mutations.NOT_OBJECTS),
        (b'[{"overallStatus": "PASS"}]', None),
        (b'"PASS"', None),
        (b"{}", "`$`"),
        (b'{"status": "PASS", "score": 1}', "`$`"),
        (b'{"interviewId": null}', "`$`"),
        (b'{"overallStatus": 5}', "$.overallStatus"),
        (b'{"overallStatus": "PASS", "faceMatch": "maybe"}', "$.faceMatch"),
        (b'{"overallStatus": "FAIL", "errorCode": true}', "$.errorCode"),
        (b'{"overallStatus": "FAIL", "errorCode": {"code": 4003}}', "$.errorCode"),
        (b'{"overallStatus": "FAIL", "errorMessage": 7}', "$.errorMessage"),
        (
            b'{"overallStatus": "PASS", "recognitionConfidence": {"candidates": {}}}',
            "$.recognitionConfidence.candidates",
        ),
        (b'{"overallStatus": "PASS", "recognitionConfidence": []}', "$.recognitionConfidence"),
        (b'{"onboardingStatus": ["ONBOARDING_FINISHED"]}', "$.onboardingStatus"),
        (b'{"onboardingStatus": "ONBOARDING_FINISHED", "interviewId": []}', "$.interviewId"),
        (b'{"interviewId": "x", "ref": {}}', "$.ref"),
        (b'{"interviewId": "x", "search_id": 1.5}', "$.search_id"),
    ],
)
def test_undecodable(body: bytes, path: str | None) -> None:
    mutations.assert_undecodable(classify, body, path)


# ------------------------------------------------------------------------------ properties


# Fixtures whose verdict value only a pattern of incode.toml matches (CURP_VALIDATION_FINISHED).
PATTERN_MATCHED = {"onboarding-status--unlisted-finished-status"}


@PROPERTY
@given(mutations.mutated(body_of, NAMES))
def test_mutations_classify_or_are_undecodable(body: bytes) -> None:
    mutations.classified_or_undecodable(classify, body)


@PROPERTY
@given(st.text() | st.integers(min_value=-(2**63), max_value=2**64 - 1))
def test_any_error_code_classifies(code: str | int) -> None:
    body = body_of("doc--authentication--fail-4005-spoof-attempt")
    result = classify(encode(dict(body, errorCode=code)), {})
    text = str(code).strip()
    if not text:
        # The error text remains, without a code: neither documented failure nor exception.
        assert result.outcome is Outcome.REFER
    elif _is_user_error(text):
        assert result.outcome is Outcome.FAIL
    else:
        assert result.outcome is Outcome.SYSTEM_ERROR


USER_ERRORS = ("4003", "4004", "4005", "4015")


def _is_user_error(code: str) -> bool:
    """One of Incode's four user errors, read as every table value is read (rule 4)."""
    if not code.isascii():
        return False
    if code.isdigit():
        return code.lstrip("0") in USER_ERRORS
    # Spaces, _ and - between the words of a value are ignored: "40_03" is 4003, "04_003" not.
    words = re.split(r"[\s_-]+", code, flags=re.ASCII)
    return all(re.fullmatch(r"[A-Za-z0-9]+", word) for word in words) and (
        "".join(words) in USER_ERRORS
    )


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        ("0004003", Outcome.FAIL),
        ("40_03", Outcome.FAIL),
        ("4-005", Outcome.FAIL),
        ("04_003", Outcome.SYSTEM_ERROR),
        ("4003.0", Outcome.SYSTEM_ERROR),
        ("-4003", Outcome.SYSTEM_ERROR),
        ("4003!", Outcome.SYSTEM_ERROR),
        ("\u0664\u0660\u0660\u0663", Outcome.SYSTEM_ERROR),  # Arabic-Indic digits: not ASCII
    ],
)
def test_error_codes_read_as_values(code: str, outcome: Outcome) -> None:
    body = body_of("doc--authentication--fail-4005-spoof-attempt")
    assert _is_user_error(code) is (outcome is Outcome.FAIL)
    assert classify(encode(dict(body, errorCode=code)), {}).outcome is outcome


def test_huge_digit_string_error_code_is_an_api_exception() -> None:
    body = body_of("doc--authentication--fail-4005-spoof-attempt")
    result = classify(encode(dict(body, errorCode="9" * 5000)), {})
    assert result.outcome is Outcome.SYSTEM_ERROR


AUTH_NAMES = [row[0] for row in TABLE if row[2] == AUTH]
ONBOARDING_NAMES = [row[0] for row in TABLE if row[2] == ONBOARDING]


@PROPERTY
@given(st.sampled_from(AUTH_NAMES), mutations.unknown_words(("PASS", "FAIL"), blank=True))
def test_unrecognised_overall_status_is_never_pass_or_fail(name: str, value: str) -> None:
    body = body_of(name)
    body["overallStatus"] = value
    result = classify(encode(body), {})
    assert result.outcome not in (Outcome.PASS, Outcome.FAIL)


@PROPERTY
@given(
    st.sampled_from(ONBOARDING_NAMES),
    mutations.unknown_words(
        ("MANUAL_REVIEW_APPROVED", "MANUAL_REVIEW_REJECTED"), max_size=30, blank=True
    ),
)
def test_unrecognised_onboarding_status_is_never_pass_or_fail(name: str, value: str) -> None:
    body = body_of(name)
    body["onboardingStatus"] = value
    result = classify(encode(body), {})
    assert result.outcome not in (Outcome.PASS, Outcome.FAIL)


@PROPERTY
@given(st.sampled_from(AUTH_NAMES + ONBOARDING_NAMES), st.lists(st.booleans(), min_size=1))
def test_letter_case_of_the_verdict_changes_nothing(name: str, flips: list[bool]) -> None:
    body = body_of(name)
    field = "overallStatus" if "overallStatus" in body else "onboardingStatus"
    if not isinstance(body.get(field), str):
        return
    value = mutations.random_case(body[field], flips)
    recased = classify(encode(dict(body, **{field: value})), {})
    original = classify(load(name), {})
    assert recased.outcome == original.outcome
    codes = [r.code for r in original.reasons]
    if name in PATTERN_MATCHED:
        # A value matched by a pattern is said as sent: its reason follows the new case.
        codes[0] = f"{field}:{value.strip()}"
    assert [r.code for r in recased.reasons] == codes
    assert recased.identity == original.identity


# --- decisions on the shared helpers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "outcome", "code"),
    [
        # Listed in incode.toml: progress, said in the table's spelling.
        (
            "ID_VALIDATION_FINISHED_SECOND_ID",
            Outcome.PENDING,
            "onboardingStatus:ID_VALIDATION_FINISHED_SECOND_ID",
        ),
        (
            "id validation-finished",
            Outcome.PENDING,
            "onboardingStatus:ID_VALIDATION_FINISHED",
        ),
        # Any other status ending in _FINISHED matches "*_FINISHED": progress, said as sent
        # (stripped), case and separators ignored in the match only.
        ("CURP_VALIDATION_FINISHED", Outcome.PENDING, "onboardingStatus:CURP_VALIDATION_FINISHED"),
        ("curp validation-finished", Outcome.PENDING, "onboardingStatus:curp validation-finished"),
        (" KYC_VALIDATION_FINISHED  ", Outcome.PENDING, "onboardingStatus:KYC_VALIDATION_FINISHED"),
        ("NOT_FINISHED", Outcome.PENDING, "onboardingStatus:NOT_FINISHED"),
        ("KYC_VALIDATION_FINISHED", Outcome.PENDING, "onboardingStatus:KYC_VALIDATION_FINISHED"),
        ("CURP.VALIDATION_FINISHED", Outcome.PENDING, "onboardingStatus:CURP.VALIDATION_FINISHED"),
        # Anything else is referred, never guessed at: FINISHED must end the status, after a
        # separator, and a pattern is never a verdict.
        ("FINISHED_NOT", Outcome.REFER, "unrecognised_value"),
        ("FINISHED", Outcome.REFER, "unrecognised_value"),
        ("UNFINISHED", Outcome.REFER, "unrecognised_value"),
        ("SOMETHING_ELSE_FINISHED_SECOND_ID", Outcome.REFER, "unrecognised_value"),
        ("MANUAL_REVIEW_APPROVED!", Outcome.REFER, "unrecognised_value"),
    ],
)
def test_every_finished_onboarding_status_is_progress(
    status: str, outcome: Outcome, code: str
) -> None:
    body = body_of("onboarding-status--minimal")
    result = classify(encode(dict(body, onboardingStatus=status)), {})
    assert result.outcome is outcome
    assert result.reasons[0].code == code


def test_a_long_unlisted_finished_status_is_a_capped_code() -> None:
    # Progress ("*_FINISHED"), said as sent: the reason code is cut at 64 characters.
    body = body_of("onboarding-status--minimal")
    status = "X_" * 50_000 + "FINISHED"
    result = classify(encode(dict(body, onboardingStatus=status)), {})
    assert result.outcome is Outcome.PENDING
    (reason,) = result.reasons
    assert reason.code == ("onboardingStatus:" + "X_" * 50)[:64]
    assert reason.field == "onboardingStatus"
    assert reason.message is None


@pytest.mark.parametrize("value", ["PASS!", "PA-SS.", "pass?"])
def test_punctuation_other_than_separators_is_unrecognised(value: str) -> None:
    body = body_of("doc--authentication--pass")
    result = classify(encode(dict(body, overallStatus=value)), {})
    assert result.outcome is Outcome.REFER
    assert result.reasons[0].code == "unrecognised_value"


@pytest.mark.parametrize("value", ["pass", " Pass ", "P_A_S_S", "p-a-s-s"])
def test_separators_and_case_are_ignored(value: str) -> None:
    body = body_of("doc--authentication--pass")
    result = classify(encode(dict(body, overallStatus=value)), {})
    assert result.outcome is Outcome.PASS
    assert result.reasons[0].code == "overallStatus:PASS"


def test_a_huge_error_code_is_a_capped_code() -> None:
    # An API exception ("*"), said as errorCode:<code>: the code is cut at 64 characters and
    # the message is Incode's, never the code.
    body = body_of("doc--authentication--fail-4005-spoof-attempt")
    result = classify(encode(dict(body, errorCode="9" * 100_000)), {})
    assert result.outcome is Outcome.SYSTEM_ERROR
    reason = result.reasons[0]
    assert (reason.code, reason.field) == ("errorCode:" + "9" * 54, "errorCode")
    assert reason.message == "Spoof attempt detected. Spoof confidence 1.0"
    assert all(len(r.code) <= 64 for r in result.reasons)
    assert all("9" * 65 not in (r.message or "") for r in result.reasons)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_overall_status_names_the_field(value: str | None) -> None:
    body = body_of("doc--authentication--pass")
    result = classify(encode(dict(body, overallStatus=value)), {})
    assert result.outcome is Outcome.REFER
    assert (result.reasons[0].code, result.reasons[0].field) == ("missing_value", "overallStatus")


@pytest.mark.parametrize("flag", ["hasLenses", "hasFaceMask"])
def test_a_pass_with_lenses_or_a_mask_stays_a_pass(flag: str) -> None:
    body = body_of("doc--authentication--pass")
    result = classify(encode(dict(body, **{flag: True})), {})
    assert result.outcome is Outcome.PASS
