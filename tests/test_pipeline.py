"""The worker's decode-and-classify step (pure): every input is an outcome or a dead letter."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shared import outcome
from shared.messages import Inbound
from shared.outcome import OutcomeEvent
from workers import pipeline
from workers.vendors import CLASSIFIERS
from workers.vendors.base import Classification

RECEIVED = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=6)
    ),
    max_leaves=30,
)
# Objects whose keys are the vendors' own field names, so the adapters get past their first check.
VENDOR_KEYS = [
    "event", "body", "eventId", "finalDecision", "systemDecision", "manualDecision",
    "overallStatus", "errorCode", "interviewId", "onboardingStatus", "transactionId",
    "id", "caseId", "dvfcWebResult", "notification", "eventData", "onboardingResults",
    "eventName", "step", "error", "type", "code", "identityStatus", "resource", "metadata",
]  # fmt: skip
vendorish = st.recursive(
    json_values,
    lambda children: st.dictionaries(st.sampled_from(VENDOR_KEYS), children, max_size=8),
    max_leaves=40,
)


def inbound(vendor: str, body: bytes, headers: dict[str, str] | None = None) -> Inbound:
    return Inbound(
        message_id="m-1",
        vendor=vendor,
        body=body,
        content_type="application/json",
        received_at=RECEIVED,
        http_headers=headers or {},
    )


def assert_decided(result: OutcomeEvent | pipeline.Rejection) -> None:
    if isinstance(result, OutcomeEvent):
        # Whatever came in, what goes out is a valid outcome event with a routable key.
        assert outcome.decode(outcome.encode(result)) == result
        assert result.event.replace("_", "").isalnum()
    else:
        assert result.reason == pipeline.UNDECODABLE
        assert result.error


@settings(max_examples=300, deadline=None)
@given(vendor=st.sampled_from(sorted(CLASSIFIERS)), value=vendorish)
def test_arbitrary_json_is_an_outcome_or_a_dead_letter(vendor: str, value: Any) -> None:
    assert_decided(pipeline.classify(inbound(vendor, json.dumps(value).encode())))


@settings(max_examples=200, deadline=None)
@given(vendor=st.sampled_from(sorted(CLASSIFIERS)), body=st.binary(max_size=200))
def test_arbitrary_bytes_are_an_outcome_or_a_dead_letter(vendor: str, body: bytes) -> None:
    assert_decided(pipeline.classify(inbound(vendor, body)))


@settings(max_examples=100, deadline=None)
@given(
    vendor=st.sampled_from(sorted(CLASSIFIERS)),
    headers=st.dictionaries(st.sampled_from(["x-w2-topic", "content-type"]), st.text()),
    value=vendorish,
)
def test_any_headers_are_tolerated(vendor: str, headers: dict[str, str], value: Any) -> None:
    assert_decided(pipeline.classify(inbound(vendor, json.dumps(value).encode(), headers)))


def test_vendor_without_adapter_is_dead_lettered_for_replay() -> None:
    result = pipeline.classify(inbound("acme", b"{}"))
    assert result == pipeline.Rejection(pipeline.NO_ADAPTER, "no adapter for vendor 'acme'")


def test_outcome_event_carries_the_envelope_and_a_deterministic_id() -> None:
    def classify(body: bytes, headers: Any) -> Classification:
        return Classification(
            event="Finished Journey", outcome=outcome.Outcome.PASS, identity=("evt-9",)
        )

    first = pipeline.classify(inbound("acme", b"{}"), {"acme": classify})
    again = pipeline.classify(inbound("acme", b'{"retry": 1}'), {"acme": classify})
    assert isinstance(first, OutcomeEvent)
    assert isinstance(again, OutcomeEvent)
    assert first.id == again.id == outcome.event_id("acme", ("evt-9",), b"")
    assert first.event == "finished_journey"
    assert first.routing_key == "pass.acme.finished_journey"
    assert (first.received_at, first.ingress_message_id) == (RECEIVED, "m-1")
