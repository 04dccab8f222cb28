"""The deploy files' policies on the real broker. A queue an older Verdict declared without a
delivery limit cannot be given one by a declare (queue arguments never change); on RabbitMQ 4,
whose default limit is 20, the policy in deploy/ lifts it. On 3.x such a queue has no limit."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from aio_pika.abc import AbstractChannel

from shared.outcome import Outcome
from shared.topology import NO_DELIVERY_LIMIT, Topology, broker_major_version
from tests.conftest import BrokerUnderTest
from tests.deploy.manifests import DEPLOY, load_json
from tests.faults.support import FAULTS_ENABLED, FAULTS_SKIPPED
from tests.support import HANDED_BACK, survives_hand_backs

DEFINITIONS: dict[str, Any] = load_json(DEPLOY / "rabbitmq" / "definitions.json")


def _policy(name: str) -> dict[str, Any]:
    policies: list[dict[str, Any]] = DEFINITIONS["policies"]
    [policy] = [p for p in policies if p["name"] == name]
    return policy


@pytest.mark.parametrize("policy_name", ["verdict-outcomes", "verdict-dead-letter"])
async def test_a_queue_declared_without_a_limit_keeps_its_messages(
    rabbitmq: BrokerUnderTest,
    channel: AbstractChannel,
    topology: Topology,
    policy_name: str,
) -> None:
    if not FAULTS_ENABLED:  # sets a policy on the broker with rabbitmqctl
        pytest.skip(FAULTS_SKIPPED)
    queue = {
        "verdict-outcomes": topology.outcome_queue(Outcome.REFER),
        "verdict-dead-letter": topology.dead_letter_queue,
    }[policy_name]
    # As Verdict before it stated "no limit" declared it.
    await channel.queue_delete(queue)
    await channel.declare_queue(queue, durable=True, arguments={"x-queue-type": "quorum"})

    if (await broker_major_version(channel) or 0) < 4:
        assert await survives_hand_backs(channel, queue, HANDED_BACK)
        return

    policy = _policy(policy_name)
    assert policy["definition"]["delivery-limit"] == NO_DELIVERY_LIMIT
    name = f"{topology.namespace}-{policy_name}"
    rabbitmq.rabbitmqctl(
        "set_policy",
        name,
        f"^{re.escape(queue)}$",
        json.dumps(policy["definition"]),
        "--apply-to",
        policy["apply-to"],
        "--priority",
        str(policy["priority"]),
    )
    try:
        await _until_applied(rabbitmq, name, queue)
        assert await survives_hand_backs(channel, queue, HANDED_BACK)
    finally:
        rabbitmq.rabbitmqctl("clear_policy", name)


async def _until_applied(rabbitmq: BrokerUnderTest, policy: str, queue: str) -> None:
    for _ in range(100):
        listing = rabbitmq.rabbitmqctl("list_queues", "-q", "--no-table-headers", "name", "policy")
        if any(line.split() == [queue, policy] for line in listing.splitlines()):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"policy {policy} not applied to {queue}")
