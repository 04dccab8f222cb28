"""The kustomize base agrees with the code: commands, ports, probes, variables, queues, timeouts."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from ingress.app import create_app as create_ingress_app
from shared.broker import Broker
from shared.settings import Settings
from shared.topology import Topology
from shared.vendor_settings import Vendor
from tests.deploy.manifests import (
    DEFAULTS,
    KUBERNETES,
    is_subcommand,
    known_env_name,
    load_settings,
    load_yaml,
    load_yaml_all,
)
from workers.http import create_app as create_worker_app
from workers.worker import Worker

KUSTOMIZATION: dict[str, Any] = load_yaml(KUBERNETES / "kustomization.yaml")
DOCS = [doc for path in KUSTOMIZATION["resources"] for doc in load_yaml_all(KUBERNETES / path)]
CONFIG: dict[str, str] = dict(
    literal.split("=", 1)
    for generator in KUSTOMIZATION["configMapGenerator"]
    if generator["name"] == "verdict-config"
    for literal in generator["literals"]
)
SETTINGS = load_settings(CONFIG)

# What each command serves, and on which port by default.
SERVES = {"ingress": DEFAULTS.http_port, "worker": DEFAULTS.worker_http_port}


def _one(kind: str, name: str) -> dict[str, Any]:
    [doc] = [d for d in DOCS if d["kind"] == kind and d["metadata"]["name"] == name]
    assert isinstance(doc, dict)
    return doc


def _container(name: str) -> dict[str, Any]:
    [container] = _one("Deployment", f"verdict-{name}")["spec"]["template"]["spec"]["containers"]
    assert isinstance(container, dict)
    return container


def _routes(app: web.Application) -> set[str]:
    return {resource.canonical for resource in app.router.resources()}


def _app_routes(command: str) -> set[str]:
    # Authentication is not what these tests are about; it must still be chosen explicitly.
    settings = Settings(vendor={vendor: Vendor(auth=("none",)) for vendor in DEFAULTS.vendors})
    broker = Broker(settings.amqp_url, Topology(settings.namespace, settings.vendors), name="t")
    if command == "ingress":
        return _routes(create_ingress_app(settings, broker))
    return _routes(create_worker_app(Worker(settings, broker)))


def test_every_resource_file_exists_and_holds_something() -> None:
    for path in KUSTOMIZATION["resources"]:
        assert load_yaml_all(KUBERNETES / path), path


@pytest.mark.parametrize("command", sorted(SERVES))
def test_deployment_runs_a_real_command_on_its_default_port(command: str) -> None:
    container = _container(command)
    assert container["args"] == [command]
    assert is_subcommand(container["args"])
    [port] = container["ports"]
    assert port["containerPort"] == SERVES[command]
    annotations = _one("Deployment", f"verdict-{command}")["spec"]["template"]["metadata"][
        "annotations"
    ]
    assert annotations["prometheus.io/port"] == str(SERVES[command])
    assert annotations["prometheus.io/path"] in _app_routes(command)


@pytest.mark.parametrize("command", sorted(SERVES))
def test_probes_ask_the_health_endpoints_on_the_container_port(command: str) -> None:
    container = _container(command)
    port_names = {port["name"] for port in container["ports"]}
    routes = _app_routes(command)
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["port"] in port_names
        assert container[probe]["httpGet"]["path"] in routes


@pytest.mark.parametrize("command", sorted(SERVES))
def test_resources_and_a_non_root_read_only_container(command: str) -> None:
    container = _container(command)
    assert container["resources"]["requests"]["cpu"]
    assert container["resources"]["limits"]["memory"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    pod = _one("Deployment", f"verdict-{command}")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True


def test_environment_is_what_the_settings_read() -> None:
    assert all(known_env_name(name) for name in CONFIG), CONFIG
    for command in SERVES:
        for env in _container(command).get("env", []):
            assert known_env_name(env["name"]), env["name"]
        refs = {
            ref["configMapRef"]["name"]
            for ref in _container(command)["envFrom"]
            if "configMapRef" in ref
        }
        assert refs == {"verdict-config"}


def test_worker_grace_period_outlasts_the_drain_timeout() -> None:
    pod = _one("Deployment", "verdict-worker")["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] >= SETTINGS.drain_timeout + 5


def test_ingress_grace_period_outlasts_its_pre_stop_and_a_request() -> None:
    pod = _one("Deployment", "verdict-ingress")["spec"]["template"]["spec"]
    [_, seconds] = _container("ingress")["lifecycle"]["preStop"]["exec"]["command"]
    assert pod["terminationGracePeriodSeconds"] >= int(seconds) + SETTINGS.publish_timeout


def test_keda_scales_workers_on_every_vendor_inbound_queue() -> None:
    scaled = _one("ScaledObject", "verdict-worker")["spec"]
    assert scaled["scaleTargetRef"]["name"] == "verdict-worker"
    topology = Topology(SETTINGS.namespace, SETTINGS.vendors)
    queues = [trigger["metadata"]["queueName"] for trigger in scaled["triggers"]]
    assert queues == [topology.inbound_queue(vendor) for vendor in SETTINGS.vendors]
    for trigger in scaled["triggers"]:
        assert trigger["type"] == "rabbitmq"
        assert trigger["metadata"]["mode"] == "QueueLength"
        auth = _one("TriggerAuthentication", trigger["authenticationRef"]["name"])
        [secret] = auth["spec"]["secretTargetRef"]
        # KEDA connects with the same URL as the workers.
        [url] = [e for e in _container("worker")["env"] if e["name"] == "VERDICT_AMQP_URL"]
        assert url["valueFrom"]["secretKeyRef"] == {"name": secret["name"], "key": secret["key"]}


def test_ingress_scales_on_cpu_behind_a_service() -> None:
    hpa = _one("HorizontalPodAutoscaler", "verdict-ingress")["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "verdict-ingress",
    }
    [metric] = hpa["metrics"]
    assert metric["resource"]["name"] == "cpu"
    service = _one("Service", "verdict-ingress")["spec"]
    labels = _one("Deployment", "verdict-ingress")["spec"]["template"]["metadata"]["labels"]
    assert service["selector"].items() <= labels.items()
    [port] = service["ports"]
    assert port["targetPort"] in {p["name"] for p in _container("ingress")["ports"]}


@pytest.mark.parametrize("command", sorted(SERVES))
def test_disruption_budget_selects_the_deployment(command: str) -> None:
    budget = _one("PodDisruptionBudget", f"verdict-{command}")["spec"]
    deployment = _one("Deployment", f"verdict-{command}")["spec"]
    assert budget["selector"] == deployment["selector"]
    assert (
        deployment["selector"]["matchLabels"].items()
        <= deployment["template"]["metadata"]["labels"].items()
    )


def test_image_is_the_one_kustomize_sets() -> None:
    [image] = KUSTOMIZATION["images"]
    for command in SERVES:
        assert _container(command)["image"] == image["name"]
