"""A fetched result is decided by the vendor's table like the body's own values (no broker, no
HTTP): each documented value, one the table does not list, none at all, and a deployment's
change. The webhooks are the fixtures that only announce their result."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.outcome import Outcome
from shared.policy_settings import PolicyOverride
from workers import policies
from workers.vendors import CLASSIFIERS
from workers.vendors.policy import RESULT_FETCHED, Fetched

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ANNOUNCING = {
    "onfido": "check-completed--sdk-example.json",
    "jumio": "processed--documented-example.json",
    "incode": "onboarding-status--onboarding-finished.json",
    "metamap": "verification-completed--no-identity-status.json",
}
# (vendor, the key the fetch gives, the value fetched, outcome, the deciding reason code)
CASES = [
    ("onfido", "resource.result", "clear", "pass", "resource.result:clear"),
    ("onfido", "resource.result", "consider", "refer", "resource.result:consider"),
    ("onfido", "resource.result", "unidentified", "refer", "unrecognised_value"),
    ("onfido", "resource.result", None, "refer", "missing_value"),
    ("jumio", "decision.type", "PASSED", "pass", "decision.type:PASSED"),
    ("jumio", "decision.type", "REJECTED", "fail", "decision.type:REJECTED"),
    ("jumio", "decision.type", "WARNING", "refer", "decision.type:WARNING"),
    ("jumio", "decision.type", "NOT_EXECUTED", "system_error", "decision.type:NOT_EXECUTED"),
    ("jumio", "decision.type", "passed", "pass", "decision.type:PASSED"),
    ("jumio", "decision.type", "APPROVED", "refer", "unrecognised_value"),
    ("jumio", "decision.type", None, "refer", "missing_value"),
    ("incode", "overall.status", "OK", "pass", "overall.status:OK"),
    ("incode", "overall.status", "WARN", "refer", "overall.status:WARN"),
    ("incode", "overall.status", "FAIL", "fail", "overall.status:FAIL"),
    ("incode", "overall.status", "MANUAL", "refer", "unrecognised_value"),
    ("incode", "overall.status", None, "refer", "missing_value"),
    ("metamap", "identityStatus", "verified", "pass", "identityStatus:verified"),
    ("metamap", "identityStatus", "rejected", "fail", "identityStatus:rejected"),
    ("metamap", "identityStatus", "reviewNeeded", "refer", "identityStatus:reviewNeeded"),
    ("metamap", "identityStatus", "running", "pending", "identityStatus:running"),
    ("metamap", "identityStatus", "deleted", "refer", "unrecognised_value"),
]


def announcing(vendor: str) -> bytes:
    return (FIXTURES / vendor / ANNOUNCING[vendor]).read_bytes()


@pytest.mark.parametrize("vendor", sorted(ANNOUNCING))
def test_the_webhook_alone_announces_and_stays_pending(vendor: str) -> None:
    verdict = CLASSIFIERS[vendor](announcing(vendor), {})
    assert verdict.fetch is not None
    assert verdict.outcome is Outcome.PENDING


@pytest.mark.parametrize(("vendor", "key", "value", "outcome", "deciding"), CASES)
def test_a_fetched_value_is_decided_by_the_table(
    vendor: str, key: str, value: str | None, outcome: str, deciding: str
) -> None:
    complete = policies.effective().completers()[vendor]
    verdict = complete(announcing(vendor), {}, Fetched({key: value}))
    assert (verdict.outcome, verdict.reasons[0].code) == (Outcome(outcome), deciding)
    assert verdict.reasons[-1].code == RESULT_FETCHED
    assert verdict.fetch is None
    # The same event, subject and identity as the webhook alone: one event id either way.
    alone = CLASSIFIERS[vendor](announcing(vendor), {})
    assert (verdict.event, verdict.subject, verdict.identity) == (
        alone.event,
        alone.subject,
        alone.identity,
    )


def test_a_deployments_change_applies_to_fetched_values() -> None:
    change = PolicyOverride(vendor="jumio", field="decision.type", value="WARNING", outcome="fail")
    complete = policies.effective((change,)).completers()["jumio"]
    verdict = complete(announcing("jumio"), {}, Fetched({"decision.type": "WARNING"}))
    assert verdict.outcome is Outcome.FAIL


def test_the_apis_ids_replace_the_bodys() -> None:
    # Jumio signs no callback: whose verification it is comes from Jumio's own record.
    body = (FIXTURES / "jumio" / "processed--with-user-reference.json").read_bytes()
    alone = CLASSIFIERS["jumio"](body, {})
    assert alone.subject["user_reference"] != "user-42"
    complete = policies.effective().completers()["jumio"]
    fetched = Fetched({"decision.type": "PASSED"}, {"user_reference": "user-42"})
    verdict = complete(body, {}, fetched)
    assert verdict.subject == {**alone.subject, "user_reference": "user-42"}
