"""The ingress's /healthz, /readyz and /metrics, against the real broker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import msgspec
import pytest
from aiohttp.test_utils import TestClient, TestServer

from ingress.app import create_app
from shared.broker import Broker
from shared.settings import Settings
from shared.topology import Topology
from tests.observability.scrape import scrape, value
from tests.support import Client

BODY = b'{"event": "Finished Journey", "body": {"eventId": "e-1", "finalDecision": "Complete"}}'


@pytest.fixture
async def client(config: Settings, broker: Broker) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(config, broker))) as client:
        yield client


async def test_health_and_readiness_with_the_broker_up(client: Client) -> None:
    assert (await client.get("/healthz")).status == 200
    response = await client.get("/readyz")
    assert response.status == 200
    assert (await response.json())["status"] == "ready"


async def test_not_ready_and_reported_disconnected_without_the_broker(config: Settings) -> None:
    unreachable = msgspec.structs.replace(config, amqp_url="amqp://guest:guest@127.0.0.1:1/")
    broker = Broker(
        unreachable.amqp_url,
        Topology(config.namespace, config.vendors),
        name="observability-unreachable",
    )
    broker.start()
    try:
        async with TestClient(TestServer(create_app(unreachable, broker))) as client:
            assert (await client.get("/healthz")).status == 200
            response = await client.get("/readyz")
            assert response.status == 503
            assert (await response.json())["error"] == "not_ready"
            connected = await value(
                client, "verdict_broker_connected", connection="observability-unreachable"
            )
            assert connected == 0.0
    finally:
        await broker.close()


async def test_accepted_webhook_is_counted_measured_and_timed(client: Client) -> None:
    before = await scrape(client)

    response = await client.post("/webhooks/idwise", data=BODY)
    assert response.status == 202

    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        key = (name, frozenset(labels.items()))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert delta("verdict_ingress_requests_total", vendor="idwise", status="202") == 1
    assert delta("verdict_ingress_request_body_bytes_count", vendor="idwise") == 1
    assert delta("verdict_ingress_request_body_bytes_sum", vendor="idwise") == len(BODY)
    assert delta("verdict_ingress_publish_confirm_seconds_count", vendor="idwise") == 1
    assert delta("verdict_ingress_publish_confirm_seconds_sum", vendor="idwise") > 0
    # The broker fixture's connection reports itself.
    assert after[("verdict_broker_connected", frozenset({("connection", "test")}))] == 1.0


async def test_unknown_vendors_share_one_label(client: Client) -> None:
    before = await value(client, "verdict_ingress_requests_total", vendor="unknown", status="404")
    # Names no test configures as a vendor: the registry is shared by the whole test run.
    names = {f"probe-{uuid.uuid4().hex}" for _ in range(3)}
    for name in names:
        assert (await client.post(f"/webhooks/{name}", data=BODY)).status == 404

    samples = await scrape(client)
    after = samples[
        ("verdict_ingress_requests_total", frozenset({("vendor", "unknown"), ("status", "404")}))
    ]
    assert after - before == 3
    vendors = {dict(labels).get("vendor") for (name, labels) in samples if "vendor" in dict(labels)}
    assert not names & vendors


async def test_metrics_speak_openmetrics_when_asked(client: Client) -> None:
    response = await client.get(
        "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
    )
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/openmetrics-text")
    assert (await response.text()).rstrip().endswith("# EOF")
