"""``verdict --help``, each command's ``--help`` and ``--version``, as an operator sees them."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest

from shared.settings import Settings
from tests.faults.support import VERDICT

DEFAULTS = Settings()
COMMANDS = ("run", "ingress", "worker", "dlq", "outcomes", "policy", "reclassify", "topology")


def verdict(*args: str) -> str:
    """What ``verdict ARGS`` prints; it must exit 0."""
    done = subprocess.run([VERDICT, *args], capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_help_lists_every_command_in_plain_words() -> None:
    shown = verdict("--help")
    for command in COMMANDS:
        assert f"\n    {command} " in shown
    for option in ("--version", "--config FILE"):
        assert option in shown
    # What a reader of the source sees is not what an operator needs.
    assert "``" not in shown
    assert ".py" not in shown
    assert "COMMAND --help" in shown


def test_version_is_the_installed_packages() -> None:
    expected = f"verdict {importlib.metadata.version('verdict')}\n"
    assert verdict("--version") == expected
    by_module = subprocess.run(
        [sys.executable, "-m", "verdict", "--version"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert by_module.stdout == expected


@pytest.mark.parametrize(
    ("command", "listens_on", "port"),
    [
        ("run", "VERDICT_HTTP_HOST:VERDICT_HTTP_PORT", DEFAULTS.http_port),
        ("ingress", "VERDICT_HTTP_HOST:VERDICT_HTTP_PORT", DEFAULTS.http_port),
        ("worker", "VERDICT_HTTP_HOST:VERDICT_WORKER_HTTP_PORT", DEFAULTS.worker_http_port),
    ],
)
def test_a_services_help_says_what_it_does_its_port_and_its_variables(
    command: str, listens_on: str, port: int
) -> None:
    shown = verdict(command, "--help")
    assert shown.startswith(f"usage: verdict {command} [-h] [--config FILE]\n\nRun ")
    assert f"listens on {listens_on} ({DEFAULTS.http_host}:{port})" in shown
    for path in ("/healthz", "/readyz", "/metrics"):
        assert path in shown
    for variable in ("VERDICT_AMQP_URL", "VERDICT_NAMESPACE", "VERDICT_DRAIN_TIMEOUT"):
        assert variable in shown
    assert f"(default {DEFAULTS.namespace})" in shown
    assert "SIGTERM" in shown
    assert "exit status:" in shown
    assert "examples:" in shown
    if command != "worker":
        assert "POST /webhooks/<vendor>" in shown
        assert "VERDICT_<VENDOR>_AUTH" in shown


def test_the_topology_commands_help_says_when_delete_refuses() -> None:
    shown = verdict("topology", "--help")
    assert "refuses while any queue of the namespace holds messages or has consumers" in shown
    assert "--force" in verdict("topology", "delete", "--help")
