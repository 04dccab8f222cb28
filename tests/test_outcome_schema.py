from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from shared import outcome
from shared.outcome import Outcome, OutcomeEvent, Reason

SCHEMA_FILE = Path(__file__).parents[1] / "shared" / "outcome-event.schema.json"


def test_committed_json_schema_matches_the_struct() -> None:
    assert SCHEMA_FILE.read_bytes() == outcome.json_schema(), (
        "the outcome event changed: regenerate with "
        "`python -m shared.outcome > shared/outcome-event.schema.json`"
    )


def test_event_round_trips_and_routes() -> None:
    event = OutcomeEvent(
        id="x",
        vendor="metamap",
        event="step_completed",
        outcome=Outcome.SYSTEM_ERROR,
        reasons=(Reason("system.internalError", "Step timeout"),),
        subject={"verification_id": "v1"},
        received_at=datetime(2026, 1, 1, tzinfo=UTC),
        ingress_message_id="m1",
    )
    assert outcome.decode(outcome.encode(event)) == event
    assert event.routing_key == "system_error.metamap.step_completed"


def test_event_id_is_deterministic_and_distinguishes_events() -> None:
    a = outcome.event_id("idwise", ("evt-1",), b"body one")
    assert a == outcome.event_id("idwise", ("evt-1",), b"a retry may differ in bytes")
    assert a != outcome.event_id("idwise", ("evt-2",), b"body one")
    assert a != outcome.event_id("incode", ("evt-1",), b"body one")
    assert outcome.event_id("w2", None, b"x") == outcome.event_id("w2", None, b"x")
    assert outcome.event_id("w2", None, b"x") != outcome.event_id("w2", None, b"y")
