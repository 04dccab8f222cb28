"""The Grafana dashboard and the Prometheus alerts use metrics the code exports."""

from __future__ import annotations

from typing import Any

import pytest

from shared.metrics import REGISTRY
from tests.deploy.manifests import (
    DEPLOY,
    load_json,
    load_yaml,
    metric_sample_names,
    verdict_metrics_in,
    walk,
)

DASHBOARD: dict[str, Any] = load_json(DEPLOY / "grafana" / "verdict.json")
ALERTS: dict[str, Any] = load_yaml(DEPLOY / "prometheus" / "alerts.yml")


def _dashboard_exprs() -> list[str]:
    return [
        value["expr"]
        for value in walk(DASHBOARD["panels"])
        if isinstance(value, dict) and "expr" in value
    ]


def _alert_exprs() -> list[str]:
    return [rule["expr"] for group in ALERTS["groups"] for rule in group["rules"]]


@pytest.mark.parametrize("source", ["dashboard", "alerts"])
def test_every_verdict_metric_used_exists(source: str) -> None:
    exprs = _dashboard_exprs() if source == "dashboard" else _alert_exprs()
    used = set().union(*(verdict_metrics_in(expr) for expr in exprs))
    assert used, "no verdict_ metric found: the check would prove nothing"
    missing = used - metric_sample_names()
    assert not missing, f"{source} uses metrics shared/metrics.py does not define: {missing}"


def test_the_dashboard_shows_every_verdict_metric() -> None:
    families = {family.name for family in REGISTRY.collect() if family.name.startswith("verdict_")}
    used = set().union(*(verdict_metrics_in(expr) for expr in _dashboard_exprs()))
    shown = {family for family in families if any(name.startswith(family) for name in used)}
    assert shown == families


def test_the_vendor_variable_reads_a_real_label() -> None:
    [vendor] = [v for v in DASHBOARD["templating"]["list"] if v["name"] == "vendor"]
    [metric] = verdict_metrics_in(vendor["definition"])
    assert metric in metric_sample_names()


def test_grafana_is_provisioned_from_the_files_compose_mounts() -> None:
    compose = load_yaml(DEPLOY / "compose.yaml")
    volumes = dict(volume.split(":")[:2] for volume in compose["services"]["grafana"]["volumes"])
    provider = load_yaml(DEPLOY / "grafana" / "provisioning" / "dashboards" / "verdict.yaml")
    [path] = [p["options"]["path"] for p in provider["providers"]]
    assert volumes["./grafana/verdict.json"].startswith(path + "/")
    datasource = load_yaml(DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yaml")
    assert datasource["datasources"][0]["url"] == "http://prometheus:9090"


def test_every_alert_says_what_is_wrong() -> None:
    for group in ALERTS["groups"]:
        for rule in group["rules"]:
            assert rule["alert"].startswith("Verdict")
            assert rule["labels"]["severity"] in {"warning", "critical"}
            assert rule["annotations"]["summary"]
