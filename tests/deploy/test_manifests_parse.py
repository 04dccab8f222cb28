"""Every manifest in deploy/ parses, and the Dockerfile builds what the code needs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.deploy.manifests import DEFAULTS, DEPLOY, ROOT, is_subcommand, load_json, load_yaml_all
from tests.deploy.manifests import manifests as all_manifests


@pytest.mark.parametrize("path", all_manifests(), ids=lambda path: str(path.relative_to(DEPLOY)))
def test_manifest_parses(path: Path) -> None:
    if path.suffix == ".json":
        assert load_json(path)
    else:
        assert load_yaml_all(path)


def test_there_are_manifests_to_check() -> None:
    names = {str(path.relative_to(DEPLOY)) for path in all_manifests()}
    assert {"compose.yaml", "rabbitmq/definitions.json", "grafana/verdict.json"} <= names
    assert "kubernetes/base/kustomization.yaml" in names


def test_cli_subcommands_are_recognised() -> None:
    # The check the other tests rely on must be able to fail.
    assert is_subcommand(["worker"])
    assert not is_subcommand(["no-such-command"])


DOCKERFILE = (DEPLOY / "Dockerfile").read_text()


def _instructions(name: str) -> list[str]:
    return re.findall(rf"^{name}\s+(.+)$", DOCKERFILE, flags=re.MULTILINE)


def test_dockerfile_is_multi_stage_slim_and_not_root() -> None:
    stages = _instructions("FROM")
    assert len(stages) >= 2
    assert all("-slim" in stage for stage in stages)
    [user] = _instructions("USER")
    assert user.split(":")[0] not in {"root", "0"}


def test_dockerfile_runs_the_verdict_cli_with_a_real_default_command() -> None:
    [entrypoint] = _instructions("ENTRYPOINT")
    assert entrypoint == '["verdict"]'
    [cmd] = _instructions("CMD")
    assert is_subcommand(json.loads(cmd))


def test_dockerfile_exposes_the_default_ports_and_checks_health() -> None:
    [expose] = _instructions("EXPOSE")
    assert {int(port) for port in expose.split()} == {DEFAULTS.http_port, DEFAULTS.worker_http_port}
    assert _instructions("HEALTHCHECK")


def test_dockerfile_copies_what_exists_and_what_the_dockerignore_lets_in() -> None:
    allowed = {
        line[1:].rstrip("/")
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    for copy in _instructions("COPY"):
        parts = [part for part in copy.split() if not part.startswith("--")]
        if "--from=" in copy:
            continue
        for source in parts[:-1]:
            assert (ROOT / source).exists(), source
            assert source.rstrip("/") in allowed, source
    # Everything the package is built from is copied in.
    copied = {part.rstrip("/") for copy in _instructions("COPY") for part in copy.split()}
    for package in ("shared", "ingress", "workers", "verdict"):
        assert package in copied


def test_healthcheck_tries_the_default_ports() -> None:
    text = (DEPLOY / "healthcheck.py").read_text()
    defaults = dict(re.findall(r'os\.environ\.get\("(VERDICT_\w+)", "(\d+)"\)', text))
    assert defaults == {
        "VERDICT_HTTP_PORT": str(DEFAULTS.http_port),
        "VERDICT_WORKER_HTTP_PORT": str(DEFAULTS.worker_http_port),
    }
