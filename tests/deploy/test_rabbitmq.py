"""RabbitMQ definitions (compose) and topology resources (Kubernetes) agree with the topology."""

from __future__ import annotations

import re
from typing import Any

import pytest

from shared.outcome import Outcome
from shared.settings import DEFAULT_VENDORS
from shared.topology import DELIVERY_LIMIT, NO_DELIVERY_LIMIT, Topology
from tests.deploy.manifests import (
    DEFAULTS,
    DEPLOY,
    KUBERNETES,
    load_json,
    load_yaml,
    load_yaml_all,
)

DEFINITIONS: dict[str, Any] = load_json(DEPLOY / "rabbitmq" / "definitions.json")
TOPOLOGY = Topology(DEFAULTS.namespace, DEFAULT_VENDORS)
KUBE = load_yaml_all(KUBERNETES / "rabbitmq-topology.yaml")
POLICIES = {policy["name"]: policy for policy in DEFINITIONS["policies"]}


def _kind(kind: str) -> list[dict[str, Any]]:
    return [doc for doc in KUBE if doc["kind"] == kind]


def _policy_for(queue: str) -> str | None:
    matching = [p for p in DEFINITIONS["policies"] if re.search(p["pattern"], queue)]
    # One policy applies to a queue: the patterns must not overlap.
    assert len(matching) <= 1, (queue, [p["name"] for p in matching])
    return matching[0]["name"] if matching else None


def test_pipeline_user_is_limited_to_its_own_names() -> None:
    [permission] = [p for p in DEFINITIONS["permissions"] if p["user"] == "verdict"]
    names = [*TOPOLOGY.queue_names(), *TOPOLOGY.exchange_names()]
    for name in names:
        assert re.search(permission["configure"], name), name
        assert re.search(permission["read"], name), name
        assert re.search(permission["write"], name), name
    # Retries are published through the default exchange.
    assert re.search(permission["write"], "amq.default")
    for foreign in ("other.queue", "amq.topic", "billing.verdict.x"):
        for access in ("configure", "write", "read"):
            assert not re.search(permission[access], foreign), (access, foreign)
    [user] = [u for u in DEFINITIONS["users"] if u["name"] == "verdict"]
    assert user["tags"] == []
    assert "guest" not in {u["name"] for u in DEFINITIONS["users"]}


def test_policies_cover_the_queues_that_hold_work_and_results() -> None:
    for vendor in DEFAULT_VENDORS:
        assert _policy_for(TOPOLOGY.inbound_queue(vendor)) == "verdict-inbound"
        for delay in TOPOLOGY.retry_delays:
            assert _policy_for(TOPOLOGY.retry_queue(vendor, delay)) is None
    for outcome in Outcome:
        assert _policy_for(TOPOLOGY.outcome_queue(outcome)) == "verdict-outcomes"
    assert _policy_for(TOPOLOGY.dead_letter_queue) == "verdict-dead-letter"


def test_inbound_policy_repeats_the_topology_arguments() -> None:
    definition = POLICIES["verdict-inbound"]["definition"]
    assert definition["delivery-limit"] == DELIVERY_LIMIT
    assert definition["dead-letter-exchange"] == TOPOLOGY.dead_exchange
    # At-least-once dead-lettering needs reject-publish overflow.
    assert definition["dead-letter-strategy"] == "at-least-once"
    assert definition["overflow"] == "reject-publish"


def test_policies_live_in_the_pipeline_vhost() -> None:
    vhosts = {vhost["name"] for vhost in DEFINITIONS["vhosts"]}
    assert {policy["vhost"] for policy in DEFINITIONS["policies"]} <= vhosts


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_kubernetes_policy_is_the_compose_policy(name: str) -> None:
    [policy] = [p["spec"] for p in _kind("Policy") if p["spec"]["name"] == name]
    compose = POLICIES[name]
    assert policy["pattern"] == compose["pattern"]
    assert policy["applyTo"] == compose["apply-to"]
    assert policy["priority"] == compose["priority"]
    assert policy["definition"] == compose["definition"]
    assert policy["vhost"] == compose["vhost"]


def test_kubernetes_has_every_policy_vhost_user_and_permission() -> None:
    assert {p["spec"]["name"] for p in _kind("Policy")} == set(POLICIES)
    assert [v["spec"]["name"] for v in _kind("Vhost")] == [v["name"] for v in DEFINITIONS["vhosts"]]
    [permission] = _kind("Permission")
    [compose] = [p for p in DEFINITIONS["permissions"] if p["user"] == "verdict"]
    assert permission["spec"]["vhost"] == compose["vhost"]
    assert permission["spec"]["permissions"] == {
        key: compose[key] for key in ("configure", "write", "read")
    }
    [user] = _kind("User")
    assert permission["spec"]["userReference"]["name"] == user["metadata"]["name"]


def test_everything_refers_to_the_one_rabbitmq_cluster() -> None:
    [cluster] = load_yaml_all(KUBERNETES / "rabbitmq.yaml")
    assert cluster["kind"] == "RabbitmqCluster"
    assert cluster["spec"]["replicas"] == 3
    for doc in KUBE:
        assert doc["spec"]["rabbitmqClusterReference"]["name"] == cluster["metadata"]["name"]


def test_queues_without_a_limit_say_so_in_their_policies() -> None:
    # For queues an older Verdict declared without the argument, which RabbitMQ 4 gives its
    # default limit of 20: a dead letter looked at, or an outcome handed back, 20 times is lost.
    for name in ("verdict-outcomes", "verdict-dead-letter"):
        assert POLICIES[name]["definition"]["delivery-limit"] == NO_DELIVERY_LIMIT


def _conf_value(text: str, key: str) -> str:
    [value] = re.findall(rf"^\s*{re.escape(key)}\s*=\s*(\S+)\s*$", text, flags=re.MULTILINE)
    return str(value)


def test_the_broker_takes_the_largest_body_the_ingress_accepts() -> None:
    [cluster] = load_yaml_all(KUBERNETES / "rabbitmq.yaml")
    for conf in (
        (DEPLOY / "rabbitmq" / "rabbitmq.conf").read_text(),
        cluster["spec"]["rabbitmq"]["additionalConfig"],
    ):
        assert int(_conf_value(conf, "max_message_size")) >= DEFAULTS.max_body_bytes


def test_compose_and_kubernetes_run_the_same_rabbitmq_4() -> None:
    [cluster] = load_yaml_all(KUBERNETES / "rabbitmq.yaml")
    compose = load_yaml(DEPLOY / "compose.yaml")["services"]["rabbitmq"]["image"]
    assert cluster["spec"]["image"] == compose
    assert compose.startswith("rabbitmq:4.")
    assert DEFINITIONS["rabbit_version"].startswith("4.")
