"""Every fixture keeps the outcome it had before the policy became data.

tests/fixtures/outcomes.json was written by the adapters as they were before the policy tables
(each decided in its own code); the tables and the one evaluator must agree with it, fixture by
fixture. A change of outcome is a change of policy: make it in docs/outcomes.md and here together.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from examples.post_examples import headers_for
from workers.vendors import CLASSIFIERS
from workers.vendors.base import Undecodable

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BEFORE: dict[str, dict[str, str]] = json.loads((FIXTURES / "outcomes.json").read_text())


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_the_fixture_keeps_its_outcome_and_event(name: str) -> None:
    vendor, _, file = name.partition("/")
    headers = {key.lower(): value for key, value in headers_for(vendor, Path(file).stem).items()}
    try:
        classified = CLASSIFIERS[vendor]((FIXTURES / name).read_bytes(), headers)
    except Undecodable as exc:
        now = {"undecodable": type(exc).__name__}
    else:
        now = {"outcome": classified.outcome.value, "event": classified.event}
    assert now == BEFORE[name]


def test_every_fixture_of_the_first_four_vendors_is_compared() -> None:
    found = {
        f"{path.parent.name}/{path.name}"
        for vendor in ("incode", "w2", "idwise", "metamap")
        for path in (FIXTURES / vendor).glob("*.json")
    }
    assert found == set(BEFORE)
