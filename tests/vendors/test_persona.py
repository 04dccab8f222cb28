"""Persona adapter: every fixture classified per docs/outcomes.md, plus properties."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.outcome import Outcome
from shared.policy_settings import PolicyOverride
from tests.vendors import mutations
from tests.vendors.mutations import PROPERTY, encode
from workers import policies
from workers.vendors import CLASSIFIERS, SHIPPED, persona

fixtures = mutations.Fixtures("persona")
load, body_of = fixtures.load, fixtures.body
TABLE_POLICY = SHIPPED["persona"]
classify = CLASSIFIERS["persona"]

EN = "event.name"
IS = "inquiry.status"
VS = "verification.status"
GOV_ID = "verification.type:verification/government-id"
REVIEW = "inquiry-marked-for-review--api-reference"

# (fixture, outcome, event, reason codes)
TABLE: list[tuple[str, str, str, tuple[str, ...]]] = [
    # --- Persona's documented examples, verbatim (the overview's with its JSON repaired)
    (
        "inquiry-approved--webhooks-overview",
        "pass",
        "inquiry_approved",
        (f"{EN}:inquiry.approved", f"{IS}:approved"),
    ),
    (
        "inquiry-approved--api-reference",
        "pass",
        "inquiry_approved",
        (f"{EN}:inquiry.approved", f"{IS}:approved"),
    ),
    (
        "inquiry-declined--api-reference",
        "fail",
        "inquiry_declined",
        (f"{EN}:inquiry.declined", f"{IS}:declined"),
    ),
    (
        "inquiry-failed--api-reference",
        "fail",
        "inquiry_failed",
        (f"{EN}:inquiry.failed", f"{IS}:failed"),
    ),
    (
        "inquiry-expired--api-reference",
        "fail",
        "inquiry_expired",
        (f"{EN}:inquiry.expired", f"{IS}:expired"),
    ),
    (
        "inquiry-marked-for-review--api-reference",
        "refer",
        "inquiry_marked_for_review",
        (f"{EN}:inquiry.marked-for-review", f"{IS}:needs_review"),
    ),
    (
        "inquiry-completed--api-reference",
        "refer",
        "inquiry_completed",
        (f"{EN}:inquiry.completed", f"{IS}:completed"),
    ),
    (
        "inquiry-created--api-reference",
        "pending",
        "inquiry_created",
        ("inquiry_created", f"{IS}:created"),
    ),
    # --- the other inquiry events and statuses
    (
        "inquiry-started--pending",
        "pending",
        "inquiry_started",
        ("inquiry_started", f"{IS}:pending"),
    ),
    (
        "inquiry-transitioned--pending",
        "pending",
        "inquiry_transitioned",
        ("inquiry_transitioned", f"{IS}:pending"),
    ),
    (
        "inquiry-redacted--approved",
        "pending",
        "inquiry_redacted",
        ("inquiry_redacted", f"{IS}:approved"),
    ),
    (
        "inquiry-reusable-persona-created--approved",
        "pending",
        "inquiry_reusable_persona_created",
        ("inquiry_reusable_persona_created", f"{IS}:approved"),
    ),
    (
        "inquiry-reusable-persona-used--approved",
        "pending",
        "inquiry_reusable_persona_used",
        ("inquiry_reusable_persona_used", f"{IS}:approved"),
    ),
    (
        "inquiry-updated-tags--approved",
        "pending",
        "inquiry_updated_tags",
        ("inquiry_updated_tags", f"{IS}:approved"),
    ),
    (
        "inquiry-needs-review--alias",
        "refer",
        "inquiry_marked_for_review",
        (f"{EN}:inquiry.needs_review", f"{IS}:needs_review"),
    ),
    (
        "inquiry-escalated--needs-review",
        "refer",
        "inquiry_escalated",
        (f"{EN}:inquiry.escalated", f"{IS}:needs_review"),
    ),
    # --- the inquiry's status beside a verdict event's name
    (
        "inquiry-approved--status-declined",
        "refer",
        "inquiry_approved",
        ("contradiction", f"{EN}:inquiry.approved", f"{IS}:declined"),
    ),
    (
        "inquiry-approved--status-needs-review",
        "refer",
        "inquiry_approved",
        ("contradiction", f"{EN}:inquiry.approved", f"{IS}:needs_review"),
    ),
    (
        "inquiry-approved--status-pending",
        "refer",
        "inquiry_approved",
        ("contradiction", f"{EN}:inquiry.approved", f"{IS}:pending"),
    ),
    (
        "inquiry-approved--status-unknown",
        "refer",
        "inquiry_approved",
        ("unrecognised_value", f"{EN}:inquiry.approved"),
    ),
    ("inquiry-approved--status-null", "pass", "inquiry_approved", (f"{EN}:inquiry.approved",)),
    (
        "inquiry-declined--status-approved",
        "refer",
        "inquiry_declined",
        ("contradiction", f"{EN}:inquiry.declined", f"{IS}:approved"),
    ),
    (
        "inquiry-failed--status-declined",
        "fail",
        "inquiry_failed",
        (f"{EN}:inquiry.failed", f"{IS}:declined"),
    ),
    (
        "inquiry-completed--status-approved",
        "refer",
        "inquiry_completed",
        ("contradiction", f"{EN}:inquiry.completed", f"{IS}:approved"),
    ),
    ("inquiry-created--status-unknown", "refer", "inquiry_created", ("unrecognised_value",)),
    # --- verifications: parts of an inquiry
    (
        "verification-created--initiated",
        "pending",
        "verification_created",
        ("verification_created", f"{VS}:initiated", GOV_ID),
    ),
    (
        "verification-submitted--submitted",
        "pending",
        "verification_submitted",
        ("verification_submitted", f"{VS}:submitted", GOV_ID),
    ),
    (
        "verification-submitted--confirmed",
        "pending",
        "verification_submitted",
        ("verification_submitted", f"{VS}:confirmed", GOV_ID),
    ),
    (
        "verification-passed--passed",
        "pending",
        "verification_passed",
        (f"{EN}:verification.passed", f"{VS}:passed", GOV_ID),
    ),
    (
        "verification-failed--failed",
        "fail",
        "verification_failed",
        (f"{EN}:verification.failed", f"{VS}:failed", GOV_ID),
    ),
    (
        "verification-requires-retry--requires-retry",
        "pending",
        "verification_requires_retry",
        (f"{EN}:verification.requires-retry", f"{VS}:requires_retry", GOV_ID),
    ),
    (
        "verification-skipped--skipped",
        "pending",
        "verification_skipped",
        (f"{EN}:verification.skipped", f"{VS}:skipped", GOV_ID),
    ),
    (
        "verification-canceled--canceled",
        "system_error",
        "verification_canceled",
        (f"{EN}:verification.canceled", f"{VS}:canceled", GOV_ID),
    ),
    (
        "verification-tentatively-passed--submitted",
        "pending",
        "verification_tentatively_passed",
        ("verification_tentatively_passed", GOV_ID),
    ),
    (
        "verification-tentatively-failed--submitted",
        "pending",
        "verification_tentatively_failed",
        ("verification_tentatively_failed", GOV_ID),
    ),
    (
        "verification-passed--status-failed",
        "refer",
        "verification_passed",
        ("contradiction", f"{EN}:verification.passed", f"{VS}:failed", GOV_ID),
    ),
    (
        "verification-failed--status-passed",
        "refer",
        "verification_failed",
        ("contradiction", f"{EN}:verification.failed", f"{VS}:passed", GOV_ID),
    ),
    (
        "verification-failed--status-null",
        "fail",
        "verification_failed",
        (f"{EN}:verification.failed", GOV_ID),
    ),
    # --- cases
    ("case-created--open", "pending", "case_created", ("case_created",)),
    ("case-assigned--open", "pending", "case_assigned", ("case_assigned",)),
    ("case-reopened--open", "pending", "case_reopened", ("case_reopened",)),
    ("case-updated--open", "pending", "case_updated", ("case_updated",)),
    (
        "case-resolved--resolution-escalated",
        "refer",
        "case_resolved",
        ("unrecognised_value", "case.status:resolved"),
    ),
    (
        "case-resolved--resolution-approved",
        "pass",
        "case_resolved",
        ("case.resolution:Approved", "case.status:resolved"),
    ),
    (
        "case-resolved--resolution-declined",
        "fail",
        "case_resolved",
        ("case.resolution:Declined", "case.status:resolved"),
    ),
    (
        "case-resolved--no-resolution",
        "refer",
        "case_resolved",
        ("missing_value", "case.status:resolved"),
    ),
    ("case-resolved--status-approved", "pass", "case_resolved", ("case.status:Approved",)),
    ("case-resolved--status-declined", "fail", "case_resolved", ("case.status:Declined",)),
    ("case-resolved--status-open", "refer", "case_resolved", ("case.status:Open",)),
    (
        "case-resolved--resolution-approved-status-declined",
        "pass",
        "case_resolved",
        ("case.resolution:Approved", "case.status:Declined"),
    ),
    (
        "case-resolved--status-closed-resolution-declined",
        "fail",
        "case_resolved",
        ("case.resolution:Declined", "case.status:closed"),
    ),
    # --- reports: parts; a match is a monitoring hit
    *(
        (
            f"report-{kind}-matched--has-match",
            "refer",
            f"report_{kind.replace('-', '_')}_matched",
            (f"report_{kind.replace('-', '_')}_matched", "report.has-match:true"),
        )
        for kind in (
            "watchlist",
            "adverse-media",
            "business-adverse-media",
            "business-watchlist",
            "politically-exposed-person",
        )
    ),
    *(
        (
            f"report-{kind}-ready--no-match",
            "pending",
            f"report_{kind.replace('-', '_')}_ready",
            ("report.has-match:false",),
        )
        for kind in (
            "watchlist",
            "adverse-media",
            "business-adverse-media",
            "business-watchlist",
            "politically-exposed-person",
            "address-lookup",
            "email-address",
            "phone-number",
            "profile",
        )
    ),
    *(
        (
            f"report-{kind}-errored",
            "system_error",
            f"report_{kind.replace('-', '_')}_errored",
            (f"report_{kind.replace('-', '_')}_errored",),
        )
        for kind in (
            "watchlist",
            "adverse-media",
            "business-adverse-media",
            "business-watchlist",
            "politically-exposed-person",
            "address-lookup",
            "email-address",
            "phone-number",
            "profile",
        )
    ),
    (
        "report-watchlist-ready--has-match",
        "refer",
        "report_watchlist_ready",
        ("report.has-match:true",),
    ),
    (
        "report-screening-reviewed",
        "pending",
        "report_screening_reviewed",
        ("report_screening_reviewed",),
    ),
    # --- events the table does not map
    ("account-created--not-mapped", "pending", "account_created", ("unrecognised_event",)),
    (
        "verification-escalated--not-mapped",
        "pending",
        "verification_escalated",
        ("unrecognised_event",),
    ),
    (
        "unknown-event--inquiry-resubmitted",
        "pending",
        "inquiry_resubmitted",
        ("unrecognised_event",),
    ),
    # --- letter case, separators, booleans sent as strings
    (
        "case--inquiry-approved-upper-case",
        "pass",
        "inquiry_approved",
        (f"{EN}:inquiry.approved", f"{IS}:approved"),
    ),
    (
        "case--inquiry-needs-review-title-case",
        "refer",
        "inquiry_marked_for_review",
        (f"{EN}:inquiry.needs_review", f"{IS}:needs_review"),
    ),
    (
        "case--verification-failed-upper-case",
        "fail",
        "verification_failed",
        (f"{EN}:verification.failed", f"{VS}:failed", GOV_ID),
    ),
    (
        "case--case-resolved-lower-case",
        "pass",
        "case_resolved",
        ("case.resolution:Approved", "case.status:resolved"),
    ),
    (
        "case--report-has-match-as-string",
        "refer",
        "report_watchlist_ready",
        ("report.has-match:true",),
    ),
    (
        "case--report-matched-has-match-false-as-string",
        "refer",
        "report_watchlist_matched",
        ("report_watchlist_matched", "report.has-match:false"),
    ),
    # --- sloppy bodies
    ("sloppy--no-payload", "fail", "inquiry_declined", (f"{EN}:inquiry.declined",)),
    (
        "sloppy--no-event-id",
        "pass",
        "inquiry_approved",
        (f"{EN}:inquiry.approved", f"{IS}:approved"),
    ),
    ("sloppy--null-attributes", "pass", "inquiry_approved", (f"{EN}:inquiry.approved",)),
]
NAMES = [row[0] for row in TABLE]
# Where a webhook's object (an inquiry, a verification, a case, a report) has its attributes.
OBJECT_ATTRIBUTES = ("data", "attributes", "payload", "data", "attributes")

# Persona's own examples, as its documentation publishes them.
DOCUMENTED = (
    "inquiry-approved--webhooks-overview",
    *(
        f"inquiry-{event}--api-reference"
        for event in (
            "approved",
            "completed",
            "created",
            "declined",
            "expired",
            "failed",
            "marked-for-review",
        )
    ),
)

# The personal data of Persona's sample objects (names, addresses, birth dates, document
# numbers, emails, photo URLs, IP address, location, the client's reference id): none may reach
# an outcome.
PERSONAL = (
    "Jane",
    "JANE",
    "Marie",
    "Doe",
    "DOE",
    "Main St",
    "MAIN ST",
    "94111",
    "1995-09-08",
    "1990-01-01",
    "jane@doe.com",
    "Y123ABC",
    "files.withpersona.com",
    "photo",
    "127.0.0.1",
    "37.7688",
    "abc-123",
    "creator@",
    "foo@bar.com",
    "case_resolver@",
    "high_value_customer",
    "Acme #1",
)


def _with_name(name: str, event_name: str) -> bytes:
    """The fixture under another event name."""
    return fixtures.changed(name, ("data", "attributes", "name"), event_name)


def _with_attribute(name: str, attribute: str, value: Any) -> bytes:
    """The fixture with one attribute of its payload's object (``status``...) changed."""
    return fixtures.changed(name, (*OBJECT_ATTRIBUTES, attribute), value)


def expected_subject(body: dict[str, Any]) -> dict[str, str]:
    """The subject read from the body by hand: the payload object's id by its type, and its
    inquiry and account links."""
    payload = body["data"]["attributes"].get("payload") or {}
    obj = payload.get("data") or {}
    subject: dict[str, str] = {}
    for link in ("inquiry", "account"):
        linked = ((obj.get("relationships") or {}).get(link) or {}).get("data") or {}
        if linked.get("id"):
            subject[f"{link}_id"] = linked["id"]
    kind = re.split(r"[./]", (obj.get("type") or "").lower())[0]
    if kind in ("inquiry", "verification", "case", "report", "account") and obj.get("id"):
        subject[f"{kind}_id"] = obj["id"]
    return subject


@pytest.mark.parametrize(("name", "outcome", "event", "codes"), TABLE)
def test_fixture_classified(name: str, outcome: str, event: str, codes: tuple[str, ...]) -> None:
    body = body_of(name)
    result = classify(load(name), {})

    mutations.assert_classified(result, outcome, event, codes)
    assert result.subject == expected_subject(body)
    event_id = body["data"].get("id")
    assert result.identity == ((event_id, event) if event_id else None)
    created_at = body["data"]["attributes"].get("created-at")
    assert result.occurred_at == (datetime.fromisoformat(created_at) if created_at else None)
    mutations.assert_says_none_of(result, PERSONAL)


def test_every_fixture_is_in_the_table() -> None:
    fixtures.assert_all_in_table(NAMES)


def test_every_documented_example_has_a_fixture() -> None:
    assert set(DOCUMENTED) <= set(NAMES)


def test_the_fixtures_hold_the_personal_data_they_are_checked_for() -> None:
    # Else the check above would pass for want of anything to find.
    everything = "".join(path.read_text() for path in fixtures.directory.glob("*.json"))
    assert all(value in everything for value in PERSONAL)


def test_every_event_the_adapter_knows_is_in_the_table_and_back() -> None:
    words = {persona.event_word(name) for name in persona.EVENT_NAMES}
    assert words == set(TABLE_POLICY.events)
    # And every verdict event's name is one the adapter sends.
    assert set(TABLE_POLICY.fields["event.name"].values) <= set(persona.EVENT_NAMES)


def test_every_documented_event_has_a_fixture() -> None:
    covered = {row[2] for row in TABLE}
    assert set(TABLE_POLICY.events) <= covered


def test_contradiction_names_both_values() -> None:
    result = classify(load("inquiry-approved--status-declined"), {})
    reason = result.reasons[0]
    assert reason.field == "event.name"
    assert reason.message == "event.name:inquiry.approved contradicts inquiry.status:declined"


def test_unrecognised_values_name_field_and_value() -> None:
    mutations.assert_names_field_and_value(
        classify(load("inquiry-approved--status-unknown"), {}).reasons[0],
        "inquiry.status",
        "approved_with_conditions",
    )
    mutations.assert_names_field_and_value(
        classify(load("case-resolved--resolution-escalated"), {}).reasons[0],
        "case.resolution",
        "Escalated",
    )


def test_unrecognised_event_says_the_name_as_sent() -> None:
    result = classify(load("account-created--not-mapped"), {})
    (reason,) = result.reasons
    assert reason.field == "event.name"
    assert reason.message == "event.name 'account.created'"


@pytest.mark.parametrize(
    ("fixture", "name", "word", "said"),
    [
        ("inquiry-approved--api-reference", "INQUIRY.APPROVED", "inquiry_approved", "approved"),
        ("inquiry-approved--api-reference", " inquiry.approved ", "inquiry_approved", "approved"),
        ("inquiry-approved--api-reference", "Inquiry.Approved", "inquiry_approved", "approved"),
        (REVIEW, "inquiry.marked_for_review", "inquiry_marked_for_review", "marked-for-review"),
        (REVIEW, "INQUIRY.MARKED FOR REVIEW", "inquiry_marked_for_review", "marked-for-review"),
        (REVIEW, "inquiry.needs-review", "inquiry_marked_for_review", "needs_review"),
        (REVIEW, "Inquiry.Needs Review", "inquiry_marked_for_review", "needs_review"),
    ],
)
def test_event_names_match_whatever_their_case_and_separators(
    fixture: str, name: str, word: str, said: str
) -> None:
    result = classify(_with_name(fixture, name), {})
    expected = classify(load(fixture), {})
    assert result.event == word
    assert result.outcome is expected.outcome
    # Said as the table spells it.
    assert result.reasons[0].code == f"event.name:inquiry.{said}"


@pytest.mark.parametrize(
    "name",
    [
        "inquiry.approved!",
        "inquiry approved",
        "inquiryapproved",
        "inquiry.appr\u00f6ved",
        "inquiry.approved\u200b",
        "inquiry.\ufb01led",  # the "fi" ligature
        "report/watchlist.matched.extra",
    ],
)
def test_lookalike_event_names_are_unknown(name: str) -> None:
    result = classify(_with_name("inquiry-approved--api-reference", name), {})
    assert result.outcome is Outcome.PENDING
    assert [reason.code for reason in result.reasons] == ["unrecognised_event"]
    # Never the word of an event that was not sent.
    assert result.event not in TABLE_POLICY.events


@pytest.mark.parametrize(
    ("name", "path", "value"),
    [
        ("inquiry-approved--api-reference", (IS,), "appr\u00f6ved"),
        ("inquiry-approved--api-reference", (IS,), "approved\u200b"),
        ("inquiry-approved--api-reference", (IS,), "approved!"),
        ("inquiry-declined--api-reference", (IS,), "declined."),
        ("case-resolved--resolution-approved", ("case.resolution",), "Appr\u00f6ved"),
        ("case-resolved--status-approved", ("case.status",), "\ufb01xed"),
    ],
)
def test_lookalike_values_are_unrecognised(name: str, path: tuple[str], value: str) -> None:
    result = classify(_with_attribute(name, path[0].rpartition(".")[2], value), {})
    assert result.outcome is Outcome.REFER
    assert result.reasons[0].code == "unrecognised_value"


def test_a_hostile_event_name_is_cut_to_a_routable_word() -> None:
    result = classify(_with_name("inquiry-approved--api-reference", "x." * 5000), {})
    mutations.assert_a_short_unknown_event(result)


def test_a_blank_status_is_absent() -> None:
    result = classify(_with_attribute("inquiry-declined--api-reference", "status", "  "), {})
    assert result.outcome is Outcome.FAIL
    assert [reason.code for reason in result.reasons] == ["event.name:inquiry.declined"]


def test_personal_data_is_never_decoded() -> None:
    # Fields holding personal data are not declared: any shape is accepted and never read.
    body = body_of("inquiry-approved--api-reference")
    attributes = body["data"]["attributes"]["payload"]["data"]["attributes"]
    attributes.update({"name-first": ["JANE"], "birthdate": {"y": 1}, "fields": "Doe", "tags": 7})
    body["data"]["attributes"]["payload"]["included"] = "Jane Doe"
    result = classify(encode(body), {})
    assert result.outcome is Outcome.PASS
    mutations.assert_says_none_of(result, PERSONAL)


# ------------------------------------------------------------------- a deployment's override


def test_completed_can_be_made_a_pass_as_the_notes_say() -> None:
    # docs/outcomes.md tells a deployment that does not use Persona's decisions to make
    # inquiry.completed a pass with two [[policy]] entries, for every event (no `event`).
    changes = [
        PolicyOverride(vendor="persona", field=field, value=value, outcome="pass")
        for field, value in (("event.name", "inquiry.completed"), ("inquiry.status", "completed"))
    ]
    changed = policies.effective(changes).classifiers()["persona"]
    assert changed(load("inquiry-completed--api-reference"), {}).outcome is Outcome.PASS
    # A completed inquiry whose status says otherwise still refers.
    for status in ("declined", "needs_review", "pending"):
        body = _with_attribute("inquiry-completed--api-reference", "status", status)
        assert changed(body, {}).outcome is Outcome.REFER


# ------------------------------------------------------------------------------ identity


RETRY_HEADERS = {
    "persona-signature": "t=1700000300,v1=" + "0" * 64,
    "persona-webhook-attempts-made": "3",
    "persona-webhook-attempts-left": "5",
    "persona-webhook-first-attempted-at": "1700000000",
}


@pytest.mark.parametrize("name", NAMES)
def test_a_retry_classifies_equally(name: str) -> None:
    # A retry carries other headers, and may come re-serialised: the event is the same.
    retry = mutations.reserialised(body_of(name))
    assert classify(retry, RETRY_HEADERS) == classify(load(name), {})


def test_identity_is_the_event_id_and_word() -> None:
    name = "inquiry-approved--api-reference"
    first = classify(load(name), {}).identity
    assert first == ("evt_o9byQRbjygu76Jbtea9wuJ1boP7a", "inquiry_approved")
    # Another spelling of the name is the same event.
    assert classify(_with_name(name, "INQUIRY.APPROVED"), {}).identity == first


def test_different_events_differ() -> None:
    name = "inquiry-approved--api-reference"
    first = classify(load(name), {}).identity
    other_id = body_of(name)
    other_id["data"]["id"] = "evt_AAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    assert classify(encode(other_id), {}).identity != first
    assert classify(_with_name(name, "inquiry.declined"), {}).identity != first
    # Across the fixtures: two events share an identity only when Persona's id and the event
    # are the same (Persona's examples reuse one id for every event).
    seen: dict[tuple[str, ...], tuple[object, str]] = {}
    for row in TABLE:
        identity = classify(load(row[0]), {}).identity
        if identity is not None:
            key = (body_of(row[0])["data"]["id"], row[2])
            assert seen.setdefault(identity, key) == key


def test_an_event_without_an_id_falls_back_to_the_body() -> None:
    assert classify(load("sloppy--no-event-id"), {}).identity is None


# ------------------------------------------------------------------------------ undecodable


@pytest.mark.parametrize(
    ("body", "path"),
    [
        *((body, None) for body in mutations.NOT_OBJECTS),
        (b'"inquiry.approved"', None),
        (b"{}", "`data`"),
        (b'{"data": []}', "$.data"),
        (b'{"data": {}}', "`attributes`"),
        (b'{"data": {"attributes": {}}}', "`name`"),
        (b'{"data": {"attributes": {"name": null}}}', "$.data.attributes.name"),
        (b'{"data": {"attributes": {"name": 7}}}', "$.data.attributes.name"),
        (b'{"data": {"id": [], "attributes": {"name": "inquiry.approved"}}}', "$.data.id"),
        (
            b'{"data": {"attributes": {"name": "inquiry.approved", "created-at": 1}}}',
            "$.data.attributes.created-at",
        ),
        (
            b'{"data": {"attributes": {"name": "inquiry.approved", "payload": []}}}',
            "$.data.attributes.payload",
        ),
        (
            b'{"data": {"attributes": {"name": "inquiry.approved",'
            b' "payload": {"data": {"attributes": {"status": {}}}}}}}',
            "$.data.attributes.payload.data.attributes.status",
        ),
        # The overview's example as Persona's page prints it: not JSON (commas missing).
        (
            b'{"data": {"type": "event", "id": "evt_XGuYWp7WuDzNxie5z16s7sGJ", "attributes": '
            b'{"name": "inquiry.approved", "payload": {"data": {"type": "inquiry" "id": '
            b'"inq_2CVZ4HyVg7qaboXz2PUHknAn"}}}}}',
            None,
        ),
    ],
)
def test_undecodable(body: bytes, path: str | None) -> None:
    mutations.assert_undecodable(classify, body, path)


# ------------------------------------------------------------------------------ properties


def _normal(value: str) -> str:
    # The adapter's matching: case and the separators between words ignored.
    return re.sub(r"[\s_-]+", "-", value.strip().lower())


KNOWN_EVENTS = {_normal(name) for name in persona.EVENT_NAMES}
unknown_values = mutations.unknown_words(
    value for field in TABLE_POLICY.fields.values() for value in field.values
)
unknown_events = st.text(min_size=1, max_size=30).filter(
    lambda s: not s.isascii() or _normal(s) not in KNOWN_EVENTS
)


@PROPERTY
@given(mutations.mutated(body_of, NAMES))
def test_mutations_classify_or_are_undecodable(body: bytes) -> None:
    mutations.classified_or_undecodable(classify, body)


def _object_attributes(name: str) -> dict[str, Any]:
    payload = body_of(name)["data"]["attributes"].get("payload") or {}
    attributes = (payload.get("data") or {}).get("attributes")
    return attributes if isinstance(attributes, dict) else {}


def _decides(name: str, attribute: str) -> bool:
    """A resolved case with a resolution is decided by it: its status is only said."""
    attributes = _object_attributes(name)
    resolved = classify(load(name), {}).event == "case_resolved"
    return not (
        resolved and str(attributes.get("resolution") or "").strip() and attribute == "status"
    )


# Each fixture's verdict fields, where it has them: any of them unrecognised is never a verdict.
VERDICT_FIELDS: list[tuple[str, str]] = [
    (name, attribute)
    for name in NAMES
    for attribute in ("status", "resolution", "has-match")
    if attribute in _object_attributes(name) and _decides(name, attribute)
]


@PROPERTY
@given(unknown_values)
def test_a_resolution_decides_whatever_the_status_says(value: str) -> None:
    result = classify(_with_attribute("case-resolved--resolution-approved", "status", value), {})
    assert result.outcome is Outcome.PASS
    assert result.reasons[0].code == "case.resolution:Approved"


@PROPERTY
@given(st.sampled_from(VERDICT_FIELDS), unknown_values)
def test_unrecognised_verdict_value_is_never_pass_or_fail(
    case: tuple[str, str], value: str
) -> None:
    result = classify(_with_attribute(*case, value), {})
    assert result.outcome not in (Outcome.PASS, Outcome.FAIL)


@PROPERTY
@given(st.sampled_from(NAMES), unknown_events)
def test_unrecognised_event_is_pending(name: str, value: str) -> None:
    mutations.assert_an_unknown_event(classify(_with_name(name, value), {}))
