"""Jumio adapter: every fixture classified per docs/outcomes.md, plus properties."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.outcome import Outcome
from tests.vendors import mutations
from tests.vendors.mutations import PROPERTY, encode
from workers.vendors import CLASSIFIERS, policy

fixtures = mutations.Fixtures("jumio")
load, body_of = fixtures.load, fixtures.body
classify = CLASSIFIERS["jumio"]

STATUS = "workflowExecution.status"
EXAMPLE = "processed--documented-example"

# (fixture, outcome, event, reason codes)
TABLE: list[tuple[str, str, str, tuple[str, ...]]] = [
    # Jumio's own example (J2): the result is only fetched from the Retrieval API.
    (
        EXAMPLE,
        "pending",
        "processed",
        ("result_not_in_webhook", "workflowExecution.status:PROCESSED"),
    ),
    (
        "processed--with-user-reference",
        "pending",
        "processed",
        ("result_not_in_webhook", "workflowExecution.status:PROCESSED"),
    ),
    # A decision, credentials and extracted data in a callback are not Jumio's: never read.
    (
        "processed--undocumented-decision-and-personal-data",
        "pending",
        "processed",
        ("result_not_in_webhook", "workflowExecution.status:PROCESSED"),
    ),
    ("initiated--derived", "pending", "initiated", ("workflowExecution.status:INITIATED",)),
    ("acquired--derived", "pending", "acquired", ("workflowExecution.status:ACQUIRED",)),
    (
        "session-expired--derived",
        "fail",
        "session_expired",
        ("workflowExecution.status:SESSION_EXPIRED",),
    ),
    (
        "token-expired--derived",
        "fail",
        "token_expired",
        ("workflowExecution.status:TOKEN_EXPIRED",),
    ),
    # Statuses the policy does not list (ACQUISITION_STARTED: a third-party spec only): rule 2.
    ("callback--acquisition-started-third-party", "refer", "callback", ("unrecognised_value",)),
    ("callback--unknown-status", "refer", "callback", ("unrecognised_value",)),
    ("callback--status-absent", "refer", "callback", ("missing_value",)),
    ("callback--status-null", "refer", "callback", ("missing_value",)),
    ("callback--status-blank", "refer", "callback", ("missing_value",)),
    (
        "case--processed-lower-case",
        "pending",
        "processed",
        ("result_not_in_webhook", "workflowExecution.status:PROCESSED"),
    ),
    (
        "case--session-expired-title-case",
        "fail",
        "session_expired",
        ("workflowExecution.status:SESSION_EXPIRED",),
    ),
    (
        "case--token-expired-spaces",
        "fail",
        "token_expired",
        ("workflowExecution.status:TOKEN_EXPIRED",),
    ),
    (
        "case--definition-key-as-number",
        "pending",
        "processed",
        ("result_not_in_webhook", "workflowExecution.status:PROCESSED"),
    ),
    ("case--status-with-punctuation", "refer", "callback", ("unrecognised_value",)),
]
NAMES = [row[0] for row in TABLE]

# Made-up personal data and retrieval links in the fixtures: none may reach an outcome.
PERSONAL = (
    "JANE",
    "SAMPLE",
    "1990-01-01",
    "X0000000",
    "Fake Street",
    "fake-internal",
    "https://",
    "jumio.ai",
    "PASSED",
)


def _with_status(name: str, status: Any) -> bytes:
    return fixtures.changed(name, ("workflowExecution", "status"), status)


@pytest.mark.parametrize(("name", "outcome", "event", "codes"), TABLE)
def test_fixture_classified(name: str, outcome: str, event: str, codes: tuple[str, ...]) -> None:
    body = body_of(name)
    execution = body["workflowExecution"]
    result = classify(load(name), {})

    mutations.assert_classified(result, outcome, event, codes)
    assert all(r.field == STATUS for r in result.reasons if r.code != "result_not_in_webhook")

    expected = {
        "workflow_execution_id": execution["id"],
        "account_id": body["account"]["id"],
        "definition_key": str(execution["definitionKey"]),
    }
    if "userReference" in body:
        expected["user_reference"] = body["userReference"]
    assert result.subject == expected
    assert result.identity is not None
    assert result.identity[0] == execution["id"]
    assert result.occurred_at == datetime(2021, 1, 21, 14, 55, 1, 917000, tzinfo=UTC)
    mutations.assert_says_none_of(result, PERSONAL)


def test_every_fixture_is_in_the_table() -> None:
    fixtures.assert_all_in_table(NAMES)


def test_every_documented_status_has_a_fixture() -> None:
    events = {row[2] for row in TABLE}
    assert {"initiated", "acquired", "processed", "session_expired", "token_expired"} <= events
    assert set(policy.load("jumio").events) == events


# Fixtures derived from Jumio's example by changing its status only (the others add fields, or
# change the definition key's type).
DERIVED = [
    name
    for name in NAMES
    if name.split("--")[0] in ("initiated", "acquired", "session-expired", "token-expired")
    or name.startswith("callback--")
    or (name.startswith("case--") and name != "case--definition-key-as-number")
]


@pytest.mark.parametrize("name", DERIVED)
def test_derived_fixtures_change_only_the_status(name: str) -> None:
    body, example = body_of(name), body_of(EXAMPLE)
    body["workflowExecution"].pop("status", None)
    example["workflowExecution"].pop("status")
    assert body == example


def test_unrecognised_status_is_named() -> None:
    (reason,) = classify(load("callback--unknown-status"), {}).reasons
    mutations.assert_names_field_and_value(reason, STATUS, "PAUSED")


def test_a_hostile_status_is_refer_with_a_short_reason() -> None:
    result = classify(_with_status(EXAMPLE, "x." * 5000), {})
    assert result.outcome is Outcome.REFER
    assert result.event == "callback"
    message = result.reasons[0].message
    assert message is not None
    assert message.endswith("...")
    assert len(message) < 130


@pytest.mark.parametrize(
    "value",
    [
        # Upper-casing maps the "fi" ligature (U+FB01) to FI: never a status Jumio sends.
        "SESSION_EXPIRED\u00e9",
        "T\u00d6KEN_EXPIRED",
        "PROCESSED\u200b",
        "sess\ufb01on_expired",
    ],
)
def test_non_ascii_lookalikes_are_unrecognised(value: str) -> None:
    result = classify(_with_status(EXAMPLE, value), {})
    assert result.outcome is Outcome.REFER
    assert result.event == "callback"
    assert result.reasons[0].code == "unrecognised_value"


def test_no_definition_key_account_or_time() -> None:
    body = {"workflowExecution": {"id": "22222222-xxxx", "status": "TOKEN_EXPIRED"}}
    result = classify(encode(body), {})
    assert result.outcome is Outcome.FAIL
    assert result.subject == {"workflow_execution_id": "22222222-xxxx"}
    assert result.occurred_at is None


# ------------------------------------------------------------------------------ identity


def test_retry_has_the_same_identity() -> None:
    # A resent callback may be re-serialised and carry a new send time: the same event.
    body = body_of(EXAMPLE)
    body["callbackSentAt"] = "2021-01-21T15:55:01.917Z"
    again = classify(mutations.reserialised(body), {})
    first = classify(load(EXAMPLE), {})
    assert again.identity == first.identity == ("22222222-xxxx-xxxx-xxxx-xxxxxxxxxxxx", "PROCESSED")
    assert (again.event, again.outcome, again.reasons) == (
        first.event,
        first.outcome,
        first.reasons,
    )


@pytest.mark.parametrize(
    ("name", "twin"),
    [
        ("case--processed-lower-case", EXAMPLE),
        ("case--definition-key-as-number", EXAMPLE),
        ("processed--with-user-reference", EXAMPLE),
        ("case--session-expired-title-case", "session-expired--derived"),
        ("case--token-expired-spaces", "token-expired--derived"),
        ("callback--status-null", "callback--status-absent"),
        ("callback--status-blank", "callback--status-absent"),
    ],
)
def test_the_same_event_spelled_otherwise_has_the_same_identity(name: str, twin: str) -> None:
    assert classify(load(name), {}).identity == classify(load(twin), {}).identity


def test_different_events_differ() -> None:
    names = [
        EXAMPLE,
        "initiated--derived",
        "acquired--derived",
        "session-expired--derived",
        "token-expired--derived",
        "callback--acquisition-started-third-party",
        "callback--unknown-status",
        "callback--status-absent",
    ]
    identities = {name: classify(load(name), {}).identity for name in names}
    assert None not in identities.values()
    mutations.assert_identities_differ(identities)

    other = body_of(EXAMPLE)
    other["workflowExecution"]["id"] = "33333333-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    assert classify(encode(other), {}).identity != classify(load(EXAMPLE), {}).identity


def test_without_an_execution_id_the_body_is_the_identity() -> None:
    body = body_of(EXAMPLE)
    del body["workflowExecution"]["id"]
    result = classify(encode(body), {})
    assert result.identity is None
    assert "workflow_execution_id" not in result.subject
    assert result.outcome is Outcome.PENDING


# ------------------------------------------------------------------------------ undecodable


@pytest.mark.parametrize(
    ("body", "path"),
    [
        *((body, None) for body in mutations.NOT_OBJECTS),
        (b'"PROCESSED"', None),
        # A legacy Netverify callback: form-encoded, not the Platform's.
        (b"verificationStatus=APPROVED_VERIFIED&jumioIdScanReference=x", None),
        (b"{}", "`workflowExecution`"),
        (b'{"account": {"id": "11111111"}}', "`workflowExecution`"),
        (b'{"workflowExecution": null}', "$.workflowExecution"),
        (b'{"workflowExecution": "PROCESSED"}', "$.workflowExecution"),
        (b'{"workflowExecution": {"status": 7}}', "$.workflowExecution.status"),
        (b'{"workflowExecution": {"status": ["PROCESSED"]}}', "$.workflowExecution.status"),
        (b'{"workflowExecution": {"id": {}}}', "$.workflowExecution.id"),
        (b'{"workflowExecution": {"id": true}}', "$.workflowExecution.id"),
        (b'{"workflowExecution": {}, "account": []}', "$.account"),
        (b'{"workflowExecution": {}, "callbackSentAt": 1611240901}', "$.callbackSentAt"),
    ],
)
def test_undecodable(body: bytes, path: str | None) -> None:
    mutations.assert_undecodable(classify, body, path)


def test_hrefs_of_any_shape_are_never_read() -> None:
    body = body_of(EXAMPLE)
    for href in (None, 3, ["x"], {"a": "https://example.invalid"}):
        body["workflowExecution"]["href"] = href
        body["account"]["href"] = href
        result = classify(encode(body), {})
        assert result.outcome is Outcome.PENDING
        mutations.assert_says_none_of(result, ["https://"])


# ------------------------------------------------------------------------------ properties

unknown_words = mutations.unknown_words(
    ("INITIATED", "ACQUIRED", "PROCESSED", "SESSION_EXPIRED", "TOKEN_EXPIRED")
)


@PROPERTY
@given(mutations.mutated(body_of, NAMES))
def test_mutations_classify_or_are_undecodable(body: bytes) -> None:
    result = mutations.classified_or_undecodable(classify, body)
    if result is None:
        return
    # Jumio has one kind of callback: there is no unknown event, only unknown statuses.
    assert result.reasons[0].code != "unrecognised_event"
    assert result.outcome is not Outcome.PASS


@PROPERTY
@given(st.sampled_from(NAMES), unknown_words)
def test_unrecognised_status_is_never_pass_or_fail(name: str, value: str) -> None:
    result = classify(_with_status(name, value), {})
    assert result.outcome not in (Outcome.PASS, Outcome.FAIL)


@PROPERTY
@given(st.sampled_from(NAMES), unknown_words)
def test_unrecognised_status_is_refer_not_an_unknown_event(name: str, value: str) -> None:
    # The policy: the status is Jumio's only verdict-carrying field, so an unknown one is
    # rule 2 (refer), where an unknown event would be rule 3 (pending).
    result = classify(_with_status(name, value), {})
    assert result.outcome is Outcome.REFER
    assert result.event == "callback"
    assert [reason.code for reason in result.reasons] == ["unrecognised_value"]


@pytest.mark.parametrize(
    ("value", "outcome", "event"),
    [
        ("SESSION_EXPIRED", Outcome.FAIL, "session_expired"),
        ("session-expired", Outcome.FAIL, "session_expired"),
        ("SessionExpired", Outcome.FAIL, "session_expired"),
        ("  token_expired ", Outcome.FAIL, "token_expired"),
        ("Acquired", Outcome.PENDING, "acquired"),
        ("initiated", Outcome.PENDING, "initiated"),
        ("SESSION.EXPIRED", Outcome.REFER, "callback"),
        ("EXPIRED", Outcome.REFER, "callback"),
        ("PASSED", Outcome.REFER, "callback"),
        ("REJECTED", Outcome.REFER, "callback"),
    ],
)
def test_status_matching(value: str, outcome: Outcome, event: str) -> None:
    result = classify(_with_status(EXAMPLE, value), {})
    assert result.outcome is outcome
    assert result.event == event
