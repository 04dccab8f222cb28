"""``--config FILE`` before the command, after it, and after dlq's and topology's sub-commands:
the same file is read wherever it is given."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from shared.settings import Settings
from tests.faults.support import environment, finish, spawn
from verdict.cli import build_parser

PLACES = [
    ["--config", "F", "run"],
    ["run", "--config", "F"],
    ["ingress", "--config", "F"],
    ["worker", "--config", "F"],
    ["--config", "F", "dlq", "list"],
    ["dlq", "--config", "F", "list"],
    ["dlq", "list", "--config", "F"],
    ["dlq", "replay", "--reason", "no_adapter", "--config", "F", "--dry-run"],
    ["dlq", "show", "some-id", "--config", "F"],
    ["outcomes", "--config", "F"],
    ["topology", "show", "--config", "F"],
    ["topology", "delete", "verdict-dev", "--config", "F"],
]


@pytest.mark.parametrize("argv", PLACES, ids=" ".join)
def test_config_is_taken_before_and_after_every_command(argv: list[str]) -> None:
    assert build_parser().parse_args(argv).config == "F"


def test_a_command_without_config_keeps_the_one_given_before_it() -> None:
    assert build_parser().parse_args(["run"]).config is None
    assert build_parser().parse_args(["--config", "A", "dlq", "list"]).config == "A"
    assert build_parser().parse_args(["--config", "A", "dlq", "list", "--config", "B"]).config == (
        "B"
    )


def without_namespace(config: Settings) -> dict[str, str]:
    env = environment(config)
    del env["VERDICT_NAMESPACE"]  # the file's namespace, not the environment's, is used
    return env


def test_verdict_dlq_list_reads_the_config_file_given_after_it(
    config: Settings, tmp_path: Path
) -> None:
    namespace = f"verdict-test-{uuid.uuid4().hex[:12]}"  # nothing declared under it
    settings_file = tmp_path / "verdict.toml"
    settings_file.write_text(f'namespace = "{namespace}"\n')
    log = tmp_path / "dlq.log"

    process = spawn(without_namespace(config), log, "dlq", "list", "--config", str(settings_file))

    assert finish(process, sig=None, timeout=30) == 1
    said = log.read_text()
    assert f"no queue '{namespace}.dead-letter'" in said
    assert "unrecognized arguments" not in said


def test_verdict_run_reads_the_config_file_given_after_it(config: Settings, tmp_path: Path) -> None:
    settings_file = tmp_path / "verdict.toml"
    settings_file.write_text("[vendor.incode]\nauth = ['none']\n")
    env = environment(config)
    del env["VERDICT_W2_AUTH"], env["VERDICT_INCODE_AUTH"]
    log = tmp_path / "run.log"

    process = spawn(env, log, "run", "--config", str(settings_file))

    assert finish(process, sig=None, timeout=30) == 2
    # The file's table for incode was read: w2, the next vendor, is the one configured nowhere.
    assert "vendor 'w2' has no authentication configured" in log.read_text()
