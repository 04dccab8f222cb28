"""The status of an accepted webhook: 202, or 200 for the vendors that retry anything else
(Veriff) or ask for it (Jumio); either only once the broker holds the webhook."""

from __future__ import annotations

from typing import Any

import pytest
from aio_pika.abc import AbstractChannel

from shared.config_errors import ConfigError
from shared.topology import Topology
from shared.vendor_settings import defaults, load
from tests.ingress.helpers import StartIngress
from tests.support import take

NONE: dict[str, Any] = {"auth": ["none"]}


@pytest.mark.parametrize(
    ("vendor", "status"),
    [("jumio", 200), ("veriff", 200), ("metamap", 202), ("onfido", 202), ("w2", 202)],
)
def test_the_vendors_that_ask_for_200_get_it_by_default(vendor: str, status: int) -> None:
    assert defaults(vendor).accepted_status == status


@pytest.mark.parametrize(("vendor", "status"), [("jumio", 200), ("idwise", 202)])
async def test_the_answer_comes_with_the_vendors_status_once_stored(
    ingress: StartIngress,
    channel: AbstractChannel,
    topology: Topology,
    vendor: str,
    status: int,
) -> None:
    client = await (ingress(jumio=NONE) if vendor == "jumio" else ingress(idwise=NONE))
    response = await client.post(f"/webhooks/{vendor}", data=b'{"any": "body"}')
    assert response.status == status
    answer = await response.json()
    [message] = await take(channel, topology.inbound_queue(vendor))
    assert message.message_id == answer["message_id"]


async def test_a_deployment_can_choose_200_for_any_vendor(ingress: StartIngress) -> None:
    client = await ingress(metamap={**NONE, "accepted_status": 200})
    response = await client.post("/webhooks/metamap", data=b"{}")
    assert response.status == 200


def test_only_200_or_202_is_accepted() -> None:
    with pytest.raises(ConfigError) as refused:
        load(("w2",), {"w2": {**NONE, "accepted_status": 201}}, "verdict.toml", {})
    [problem] = refused.value.problems
    assert "[vendor.w2] key 'accepted_status' in verdict.toml" in problem
    assert "201" in problem
