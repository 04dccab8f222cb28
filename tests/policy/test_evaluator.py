"""The evaluator's rules, for any table: properties over generated tables and values.

Whatever a table or a deployment's changes say elsewhere, a value the table does not list never
gives pass or fail, an unknown event is pending, a pass beside a fail refers, and the order of
precedence holds.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.outcome import Outcome
from shared.policy_settings import Meaning
from tests.vendors.mutations import PROPERTY
from workers.vendors.policy import (
    SEVERITY,
    Decision,
    EventPolicy,
    Facts,
    FieldPolicy,
    Kind,
    Table,
    Values,
    VendorPolicy,
    evaluate,
)

MEANINGS: list[Meaning] = ["pass", "fail", "refer", "system_error", "pending", "ignore"]
VERDICTS = {Outcome.PASS, Outcome.FAIL}
FIELDS = ["status", "decision", "error.code", "review"]

words = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8)
field_policies = st.builds(
    FieldPolicy,
    values=st.dictionaries(words, st.sampled_from(MEANINGS), max_size=5)
    | st.dictionaries(
        st.sampled_from(["*", "*_Y", "X*"]),
        st.sampled_from(["refer", "system_error", "pending", "ignore"]),
        max_size=2,
    ),
    unknown=st.sampled_from(["refer", "system_error", "pending", "ignore"]),
)
event_policies = st.builds(
    EventPolicy,
    fields=st.lists(st.sampled_from(FIELDS), unique=True, max_size=4).map(tuple),
    combine=st.sampled_from(["worst", "first"]),
    fixed=st.none() | st.sampled_from(list(Outcome)),
    otherwise=st.sampled_from(list(Outcome)),
    required=st.lists(st.sampled_from(FIELDS), unique=True, max_size=2).map(tuple),
    missing=st.sampled_from([Outcome.REFER, Outcome.PENDING]),
    errors_first=st.booleans(),
    decisive=st.lists(st.sampled_from(FIELDS), unique=True, max_size=1).map(tuple),
)
tables = st.builds(
    VendorPolicy,
    vendor=st.just("acme"),
    events=st.fixed_dictionaries({"done": event_policies}),
    fields=st.fixed_dictionaries({name: field_policies for name in FIELDS}),
)
sent = (
    st.none() | st.just("") | words | st.sampled_from(["PASS", "FAIL", "pass!", "\u0130D", "X_Y"])
)
values = st.dictionaries(st.sampled_from(FIELDS), sent | st.tuples(sent, sent))


def _is_recognised(table: VendorPolicy, field: str, value: str) -> bool:
    return Table(table).lookups[field].find(value) is not None


def _decided_alone(table: VendorPolicy, decision: Decision) -> bool:
    """A decisive field's verdict (or, first, a vendor's error) decided, whatever else was read."""
    event = table.events["done"]
    counted = [c for c in decision.counted if c.kind is Kind.VALUE and c.meaning != "ignore"]
    errors = event.errors_first and any(c.meaning == "system_error" for c in counted)
    return errors or any(c.key in event.decisive for c in counted)


@PROPERTY
@given(tables, values)
def test_an_unrecognised_value_never_gives_pass_or_fail(
    table: VendorPolicy, read: dict[str, str | tuple[str | None, ...] | None]
) -> None:
    decision = evaluate(Table(table), Facts(event="done", values=read))
    unrecognised = [c for c in decision.counted if c.kind is Kind.UNRECOGNISED]
    if any(c.meaning != "ignore" for c in unrecognised) and not _decided_alone(table, decision):
        assert decision.outcome not in VERDICTS
        assert "unrecognised_value" in {reason.code for reason in decision.reasons}


@PROPERTY
@given(tables, values, words)
def test_an_event_the_table_does_not_list_is_pending(
    table: VendorPolicy, read: dict[str, str | tuple[str | None, ...] | None], name: str
) -> None:
    decision = evaluate(Table(table), Facts(event=f"x_{name}", event_name=name, values=read))
    assert decision.outcome is Outcome.PENDING
    assert decision.reasons[0].code == "unrecognised_event"


@PROPERTY
@given(tables, values)
def test_a_pass_beside_a_fail_refers_unless_a_value_decides_alone(
    table: VendorPolicy, read: dict[str, str | tuple[str | None, ...] | None]
) -> None:
    decision = evaluate(Table(table), Facts(event="done", values=read))
    meanings = {c.meaning for c in decision.counted}
    fixed = table.events["done"].fixed
    if fixed is not None:
        meanings.add(fixed.value)
    if {"pass", "fail"} <= meanings and not _decided_alone(table, decision):
        assert decision.outcome is Outcome.REFER
        assert decision.reasons[0].code == "contradiction"


@PROPERTY
@given(tables, values)
def test_recognised_values_combine_by_the_events_rule(
    table: VendorPolicy, read: dict[str, str | tuple[str | None, ...] | None]
) -> None:
    decision = evaluate(Table(table), Facts(event="done", values=read))
    event = table.events["done"]
    deciding = [c for c in decision.counted if c.meaning != "ignore"]
    outcomes = [Outcome(c.meaning) for c in deciding if c.kind is Kind.VALUE]
    if event.errors_first and Outcome.SYSTEM_ERROR in outcomes:
        assert decision.outcome is Outcome.SYSTEM_ERROR  # whatever else was read
        return
    decisive = [c for c in deciding if c.kind is Kind.VALUE and c.key in event.decisive]
    if decisive:
        assert decision.outcome is Outcome(decisive[0].meaning)  # whatever else was read
        return
    if event.agree or any(c.kind is not Kind.VALUE for c in deciding):
        return
    if {Outcome.PASS, Outcome.FAIL} <= {*outcomes, *([event.fixed] if event.fixed else [])}:
        return
    if event.fixed is not None:
        expected = event.fixed
    elif not outcomes:
        expected = event.otherwise
    elif event.combine == "first":
        expected = outcomes[0]
    else:
        expected = min(outcomes, key=SEVERITY.index)
    assert decision.outcome is expected


def test_every_value_read_is_a_reason_in_the_vendors_words() -> None:
    table = VendorPolicy(
        vendor="acme",
        events={"done": EventPolicy(fields=("status", "error.code"), combine="first")},
        fields={
            "status": FieldPolicy(values={"reviewNeeded": "refer"}),
            "error.code": FieldPolicy(unknown="ignore", name="errorCode"),
        },
    )
    facts = Facts(
        event="done",
        values={"status": "REVIEW_NEEDED", "error.code": "E42"},
        messages={"error.code": "the vendor's words"},
    )
    decision = evaluate(Table(table), facts)
    assert decision.outcome is Outcome.REFER
    assert [(r.code, r.message, r.field) for r in decision.reasons] == [
        ("status:reviewNeeded", None, "status"),
        ("errorCode:E42", "the vendor's words", "errorCode"),
    ]


def test_a_pattern_is_a_class_of_values_and_never_a_verdict() -> None:
    values = Values({"REVIEW": "refer", "*_FINISHED": "pending", "*": "system_error"})
    assert values.find("review") == ("REVIEW", "refer")
    assert values.find("curp validation-finished") == ("curp validation-finished", "pending")
    assert values.find("5003") == ("5003", "system_error")
    assert values.find("caf\u00e9") is None  # non-ASCII matches no pattern either
    with pytest.raises(ValueError, match="cannot mean pass or fail"):
        Values({"*_OK": "pass"})
