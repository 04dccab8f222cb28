"""The HTTP and AMQP interface documents and the consumers page agree with the code."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingress.app import NOT_STORED, create_app
from ingress.errors import _CODES
from shared import outcome
from shared.broker import Broker
from shared.outcome import Outcome
from shared.settings import DEFAULT_VENDORS, Settings
from shared.topology import Topology
from shared.vendor_settings import Vendor

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
OPENAPI: dict[str, Any] = yaml.safe_load((DOCS / "openapi.yaml").read_text())
ASYNCAPI: dict[str, Any] = yaml.safe_load((DOCS / "asyncapi.yaml").read_text())
TOPOLOGY = Topology("verdict", DEFAULT_VENDORS)
OUTCOMES = [member.value for member in Outcome]


def _ingress_routes() -> dict[str, set[str]]:
    settings = Settings(vendor={vendor: Vendor(auth=("none",)) for vendor in DEFAULT_VENDORS})
    broker = Broker(settings.amqp_url, TOPOLOGY, name="docs")
    routes: dict[str, set[str]] = {}
    for route in create_app(settings, broker).router.routes():
        if route.method != "HEAD":  # aiohttp adds HEAD beside every GET
            routes.setdefault(route.resource.canonical, set()).add(route.method.lower())  # type: ignore[union-attr]
    return routes


def _error_codes_in_source() -> set[str]:
    calls = re.compile(r'(?:error|_refuse)\(\s*\d{3},\s*"([a-z_]+)"')
    codes = {
        code for path in (ROOT / "ingress").glob("*.py") for code in calls.findall(path.read_text())
    }
    not_stored = {code for code, _ in NOT_STORED.values()}
    return codes | not_stored | set(_CODES.values()) | {"http_error"}


def test_openapi_describes_every_route_and_only_those() -> None:
    documented = {path: set(methods) for path, methods in OPENAPI["paths"].items()}
    assert documented == _ingress_routes()


def test_openapi_vendor_parameter_lists_the_vendors() -> None:
    [parameter] = OPENAPI["paths"]["/webhooks/{vendor}"]["post"]["parameters"]
    assert parameter["schema"]["enum"] == list(DEFAULT_VENDORS)


def test_openapi_error_codes_are_the_ones_the_ingress_answers() -> None:
    documented = set(OPENAPI["components"]["schemas"]["Error"]["properties"]["error"]["enum"])
    assert documented == _error_codes_in_source()


def test_asyncapi_names_are_the_topology_names() -> None:
    outcomes = ASYNCAPI["channels"]["outcomes"]
    assert outcomes["bindings"]["amqp"]["exchange"]["name"] == TOPOLOGY.outcomes_exchange
    assert outcomes["bindings"]["amqp"]["exchange"]["type"] == "topic"
    assert outcomes["parameters"]["outcome"]["enum"] == OUTCOMES
    assert outcomes["parameters"]["vendor"]["enum"] == list(DEFAULT_VENDORS)
    queue = ASYNCAPI["channels"]["outcomeQueue"]
    for value in Outcome:
        assert queue["address"].format(outcome=value.value) == TOPOLOGY.outcome_queue(value)


def test_asyncapi_payload_is_the_committed_schema_and_its_examples_decode() -> None:
    message = ASYNCAPI["components"]["messages"]["outcomeEvent"]
    assert (
        DOCS / message["payload"]["$ref"]
    ).resolve() == ROOT / "shared" / "outcome-event.schema.json"
    names = []
    for example in message["examples"]:
        event = outcome.decode(json.dumps(example["payload"]))
        assert example["headers"]["verdict-vendor"] == event.vendor
        names.append(event.outcome.value)
    assert sorted(names) == sorted(OUTCOMES)


_EXAMPLE = re.compile(r"#### `(\w+)`: (\w+), routing key `([^`]+)`\n\n```json\n(.*?)\n```", re.S)
EXAMPLES = _EXAMPLE.findall((DOCS / "consumers.md").read_text())


def test_consumers_page_has_one_example_per_outcome() -> None:
    assert sorted(example[0] for example in EXAMPLES) == sorted(OUTCOMES)


@pytest.mark.parametrize(("result", "vendor", "routing_key", "body"), EXAMPLES)
def test_consumers_page_examples_are_valid_events(
    result: str, vendor: str, routing_key: str, body: str
) -> None:
    event = outcome.decode(body)
    assert event.outcome.value == result
    assert event.vendor == vendor
    assert event.routing_key == routing_key


def test_readme_leads_each_kind_of_user_to_its_page() -> None:
    readme = (ROOT / "README.md").read_text()
    for page in ("docs/integrators.md", "docs/consumers.md", "docs/operators.md"):
        assert f"]({page}" in readme, page
    for page in ("consumers.md", "operators.md", "openapi.yaml", "asyncapi.yaml"):
        assert (DOCS / page).is_file(), page
