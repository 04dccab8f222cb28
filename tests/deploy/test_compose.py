"""deploy/compose.yaml agrees with the code: commands, ports, variables, broker user and vhost."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tests.deploy.manifests import (
    DEFAULTS,
    DEPLOY,
    is_subcommand,
    known_env_name,
    load_json,
    load_settings,
    load_yaml,
    resolve,
)

COMPOSE: dict[str, Any] = load_yaml(DEPLOY / "compose.yaml")
SERVICES: dict[str, Any] = COMPOSE["services"]
PIPELINE = ("ingress", "worker")


def _environment(service: str) -> dict[str, str]:
    return {name: resolve(str(value)) for name, value in SERVICES[service]["environment"].items()}


def test_rabbitmq_ingress_and_worker_come_up_together() -> None:
    assert {"rabbitmq", *PIPELINE} <= set(SERVICES)
    assert "management" in SERVICES["rabbitmq"]["image"]
    for name in PIPELINE:
        assert SERVICES[name]["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
        assert (
            DEPLOY / SERVICES[name]["build"]["context"] / SERVICES[name]["build"]["dockerfile"]
        ).is_file()


def test_prometheus_runs_only_in_its_profile() -> None:
    for name in ("prometheus", "grafana"):
        assert SERVICES[name]["profiles"] == ["prometheus"]
    for name in ("rabbitmq", *PIPELINE):
        assert "profiles" not in SERVICES[name]


def test_commands_are_verdict_subcommands() -> None:
    assert SERVICES["ingress"]["command"] == ["ingress"]
    assert SERVICES["worker"]["command"] == ["worker"]
    for name in PIPELINE:
        assert is_subcommand(SERVICES[name]["command"])


def test_environment_is_what_the_settings_read_and_loads() -> None:
    for name in PIPELINE:
        environment = _environment(name)
        unknown = [key for key in environment if not known_env_name(key)]
        assert not unknown, f"{name}: variables no setting reads: {unknown}"
        load_settings(environment)  # raises ConfigError on a bad value


def test_ingress_port_is_the_default() -> None:
    [mapping] = SERVICES["ingress"]["ports"]
    assert int(str(mapping).split(":")[-1]) == DEFAULTS.http_port
    assert "VERDICT_HTTP_PORT" not in _environment("ingress")


def test_worker_may_finish_its_messages_before_it_is_killed() -> None:
    drain = load_settings(_environment("worker")).drain_timeout
    grace = SERVICES["worker"]["stop_grace_period"]
    assert grace.endswith("s")
    assert float(grace[:-1]) > drain


def test_pipeline_connects_as_the_limited_user_to_its_vhost() -> None:
    definitions = load_json(DEPLOY / "rabbitmq" / "definitions.json")
    for name in PIPELINE:
        url = urlsplit(_environment(name)["VERDICT_AMQP_URL"])
        assert url.hostname == "rabbitmq"
        assert url.port == 5672
        vhost = url.path.lstrip("/")
        assert vhost in {v["name"] for v in definitions["vhosts"]}
        [user] = [u for u in definitions["users"] if u["name"] == url.username]
        assert "administrator" not in user["tags"]
        assert any(
            p["user"] == url.username and p["vhost"] == vhost for p in definitions["permissions"]
        )


def test_mounted_files_exist() -> None:
    for service in SERVICES.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), source


def test_prometheus_scrapes_both_processes_on_their_default_ports() -> None:
    config = load_yaml(DEPLOY / "prometheus" / "prometheus.yml")
    targets = {
        job["job_name"]: target
        for job in config["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    assert targets["verdict-ingress"] == f"ingress:{DEFAULTS.http_port}"
    assert targets["verdict-worker"] == f"worker:{DEFAULTS.worker_http_port}"
    for target in targets.values():
        assert target.split(":")[0] in SERVICES
    mounted = {v.split(":")[1] for v in SERVICES["prometheus"]["volumes"]}
    assert set(config["rule_files"]) <= mounted


def test_every_port_is_published_on_the_loopback_address_by_default() -> None:
    for name, service in SERVICES.items():
        for mapping in service.get("ports", []):
            host_ip, _, _ = resolve(str(mapping)).split(":")
            assert host_ip == "127.0.0.1", (name, mapping)


def test_the_pipeline_runs_on_a_read_only_root_filesystem() -> None:
    for name in PIPELINE:
        assert SERVICES[name]["read_only"] is True, name
        assert "/tmp" in SERVICES[name]["tmpfs"]


def test_the_dockerfile_builds_without_a_registry_frontend() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert not dockerfile.lower().startswith("# syntax"), "BuildKit would fetch the frontend"
