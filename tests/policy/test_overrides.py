"""A deployment's [[policy]] changes: applied where they say, refused when they name nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared import settings
from shared.outcome import Outcome
from shared.policy_settings import PolicyOverride
from shared.settings import ConfigError
from workers import policies
from workers.vendors import CLASSIFIERS, SHIPPED_DIGEST

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REVIEW_NEEDED = (FIXTURES / "metamap" / "verification-completed--reviewneeded.json").read_bytes()
UPDATED_REVIEW = (FIXTURES / "metamap" / "verification-updated--reviewneeded.json").read_bytes()


def _change(**given: str) -> PolicyOverride:
    return PolicyOverride(**{"vendor": "metamap", "field": "identityStatus", **given})  # type: ignore[arg-type]


def test_without_changes_the_effective_policy_is_the_shipped_one() -> None:
    effective = policies.effective()
    assert effective.tables == effective.shipped
    assert effective.digest == SHIPPED_DIGEST
    assert effective.changed == frozenset()


def test_a_change_sets_the_outcome_in_every_event_reading_the_field() -> None:
    effective = policies.effective([_change(value="REVIEW_NEEDED", outcome="fail")])
    classify = effective.classifiers()["metamap"]
    assert classify(REVIEW_NEEDED, {}).outcome is Outcome.FAIL
    assert classify(UPDATED_REVIEW, {}).outcome is Outcome.FAIL
    # Said in the table's own spelling, and marked as changed.
    assert ("metamap", None, "identityStatus", "reviewNeeded") in effective.changed
    assert effective.digest != SHIPPED_DIGEST
    assert CLASSIFIERS["metamap"](REVIEW_NEEDED, {}).outcome is Outcome.REFER


def test_a_change_for_one_event_leaves_the_others() -> None:
    change = _change(event="verification_completed", value="reviewNeeded", outcome="fail")
    classify = policies.effective([change]).classifiers()["metamap"]
    assert classify(REVIEW_NEEDED, {}).outcome is Outcome.FAIL
    assert classify(UPDATED_REVIEW, {}).outcome is Outcome.REFER
    # The reason still names the vendor's field.
    assert classify(REVIEW_NEEDED, {}).reasons[0].code == "identityStatus:reviewNeeded"


def test_a_change_can_add_a_value_the_table_does_not_know() -> None:
    body = REVIEW_NEEDED.replace(b'"reviewNeeded"', b'"approvedWithConditions"')
    assert CLASSIFIERS["metamap"](body, {}).outcome is Outcome.REFER
    change = _change(value="approvedWithConditions", outcome="pass")
    classified = policies.effective([change]).classifiers()["metamap"](body, {})
    assert classified.outcome is Outcome.PASS
    assert classified.reasons[0].code == "identityStatus:approvedWithConditions"


def test_the_digest_is_stable_and_names_the_changes() -> None:
    one = policies.effective([_change(value="reviewNeeded", outcome="fail")]).digest
    again = policies.effective([_change(value="reviewNeeded", outcome="fail")]).digest
    other = policies.effective([_change(value="reviewNeeded", outcome="pending")]).digest
    assert one == again != other


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"vendor": "metamapp"}, "no vendor 'metamapp' (did you mean 'metamap'?)"),
        ({"event": "verification_complete"}, "no event of metamap 'verification_complete'"),
        ({"field": "identitystatus"}, "no field of metamap 'identitystatus'"),
        (
            {"event": "verification_started", "field": "step.error.type"},
            "no field of event verification_started 'step.error.type'",
        ),
    ],
)
def test_a_change_naming_nothing_is_refused_with_its_entry(
    given: dict[str, str], said: str
) -> None:
    change = PolicyOverride(
        **{"vendor": "metamap", "field": "identityStatus", "value": "x", "outcome": "fail", **given}  # type: ignore[arg-type]
    )
    with pytest.raises(ConfigError) as raised:
        policies.effective([_change(value="reviewNeeded", outcome="fail"), change])
    [problem] = raised.value.problems
    assert problem.startswith("[[policy]] 2 (")
    assert said in problem


def test_every_bad_entry_of_a_file_is_said_at_once(tmp_path: Path) -> None:
    config = tmp_path / "verdict.toml"
    config.write_text(
        "[[policy]]\nvendor = 'metamap'\nfield = 'identityStatus'\nvalue = 'x'\noutcome = 'fial'\n"
        "[[policy]]\nvendor = 'metamap'\nfield = 'identityStatus'\nvalue = 'x'\n"
        "[[policy]]\nvendor = 'metamap'\nfield = 'identityStatus'\nvalue = 'x'\noutcome = 'fail'"
        "\ncolour = 'red'\n"
    )
    with pytest.raises(ConfigError) as raised:
        settings.load(config, {})
    first, second, third = raised.value.problems
    assert "[[policy]] 1 (metamap identityStatus = 'x')" in first
    assert "outcome must be one of pass, fail, refer, system_error, pending, ignore" in first
    assert "[[policy]] 2" in second
    assert "missing required field `outcome`" in second
    assert "[[policy]] 3" in third
    assert "unknown field `colour`" in third


def test_a_change_for_one_event_keeps_sumsubs_agreement_rules() -> None:
    # Sumsub: a GREEN answer beside a RETRY reject type is a contradiction. A change scoped to
    # the event gives it readings of its own; they must still be held to agree.
    body = (FIXTURES / "sumsub" / "applicantReviewed--green--reject-type-retry.json").read_bytes()
    assert CLASSIFIERS["sumsub"](body, {}).outcome is Outcome.REFER
    no_op = PolicyOverride(
        vendor="sumsub",
        event="applicant_reviewed",
        field="reviewResult.reviewAnswer",
        value="GREEN",
        outcome="pass",
    )
    classified = policies.effective([no_op]).classifiers()["sumsub"](body, {})
    assert classified.outcome is Outcome.REFER
    assert classified.reasons[0].code == "contradiction"


def test_a_change_for_one_event_keeps_idwises_agreement_rules() -> None:
    # IDWise: a final decision contradicting the system's refers. A change scoped to the event
    # gives it a reading of its own (`key@event`); it must still be held to agree.
    # Complete (pass) beside Refer is caught by `agree` alone, not by pass-beside-fail.
    body = (FIXTURES / "idwise" / "finished-journey--final-contradicts-system.json").read_bytes()
    body = body.replace(b'"Complete"', b'"Refer"').replace(b'"Rejected"', b'"Complete"')
    assert CLASSIFIERS["idwise"](body, {}).outcome is Outcome.REFER
    no_op = PolicyOverride(
        vendor="idwise",
        event="finished_journey",
        field="finalDecision",
        value="Complete",
        outcome="pass",
    )
    classified = policies.effective([no_op]).classifiers()["idwise"](body, {})
    assert classified.outcome is Outcome.REFER
    assert classified.reasons[0].code == "contradiction"
