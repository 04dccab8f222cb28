"""`verdict policy show | explain | check`: the effective policy, without a broker."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from shared import settings
from shared.settings import DEFAULT_VENDORS
from tests.faults.support import VERDICT
from workers import policies
from workers.vendors import SHIPPED_DIGEST

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CHANGE = """
[[policy]]
vendor = "metamap"
field = "identityStatus"
value = "REVIEW_NEEDED"
outcome = "fail"
"""


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``verdict ARGS`` as a process (it configures logging for itself): status, out, err."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERDICT_")}
    done = subprocess.run(
        [VERDICT, *args], capture_output=True, text=True, timeout=60, check=False, env=env
    )
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def changed(tmp_path: Path) -> Path:
    config = tmp_path / "verdict.toml"
    config.write_text(CHANGE)
    return config


def test_show_prints_every_value_and_marks_the_deployments_changes(
    capsys: pytest.CaptureFixture[str], changed: Path
) -> None:
    status, out, _ = _run(capsys, "--config", str(changed), "policy", "show", "--vendor", "metamap")
    assert status == 0
    digest = policies.effective(settings.load(changed, {}).policy).digest
    assert out.splitlines()[0] == f"policy {digest}"
    rows = [line.split() for line in out.splitlines()[2:]]
    assert [
        "metamap",
        "verification_completed",
        "identityStatus",
        "reviewNeeded",
        "fail",
        "changed",
    ] in rows
    assert [
        "metamap",
        "verification_completed",
        "identityStatus",
        "verified",
        "pass",
        "shipped",
    ] in rows
    assert {row[0] for row in rows} == {"metamap"}


def test_show_without_config_is_the_shipped_policy(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, "policy", "show")
    assert status == 0
    assert out.splitlines()[0] == f"policy {SHIPPED_DIGEST}"
    assert {line.split()[0] for line in out.splitlines()[2:]} == set(DEFAULT_VENDORS)
    assert " changed" not in out


def test_explain_says_what_was_read_the_rule_and_the_outcome(
    capsys: pytest.CaptureFixture[str], changed: Path
) -> None:
    body = FIXTURES / "metamap" / "verification-completed--reviewneeded.json"
    status, out, _ = _run(capsys, "policy", "explain", "--vendor", "metamap", str(body))
    assert status == 0
    assert re.search(r"^  identityStatus\s+'reviewNeeded'\s+value\s+refer$", out, re.M)
    assert re.search(r"^outcome\s+refer$", out, re.M)
    status, out, _ = _run(
        capsys, "--config", str(changed), "policy", "explain", "--vendor", "metamap", str(body)
    )
    assert re.search(r"^outcome\s+fail$", out, re.M)
    assert re.search(r"^reasons\s+identityStatus:reviewNeeded$", out, re.M)


def test_explain_says_what_a_worker_would_fetch(capsys: pytest.CaptureFixture[str]) -> None:
    body = FIXTURES / "onfido" / "check-completed--sdk-example.json"
    status, out, _ = _run(capsys, "policy", "explain", "--vendor", "onfido", str(body))
    assert status == 0
    assert re.search(r"^outcome\s+pending$", out, re.M)
    assert re.search(
        r"^fetch\s+check f2302f45-227d-413d-ad61-09ec077a086a: with \[vendor\.onfido\.api\]",
        out,
        re.M,
    )
    body = FIXTURES / "metamap" / "verification-completed--reviewneeded.json"
    _, out, _ = _run(capsys, "policy", "explain", "--vendor", "metamap", str(body))
    assert "fetch " not in out


def test_explain_reads_headers_and_says_an_undecodable_body(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    body = FIXTURES / "w2" / "bundle-remediation-doc-sample.json"
    status, out, _ = _run(
        capsys,
        "policy",
        "explain",
        "--vendor",
        "w2",
        "--header",
        "x-w2-topic: BundleRemediation",
        str(body),
    )
    assert status == 0
    assert re.search(r"^event\s+bundle_remediation$", out, re.M)
    junk = tmp_path / "junk.json"
    junk.write_text("[1, 2]")
    status, out, _ = _run(capsys, "policy", "explain", "--vendor", "metamap", str(junk))
    assert status == 1
    assert out.startswith("undecodable: ")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("policy", "show", "--vendor", "nosuch"), "unknown vendor 'nosuch'"),
        (("policy", "explain", "--vendor", "w2", "--header", "no-colon", "-"), "NAME:VALUE"),
    ],
)
def test_usage_errors_name_the_mistake(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], said: str
) -> None:
    status, _, err = _run(capsys, *args)
    assert status == 2
    assert said in err


def test_check_says_a_valid_file_and_its_digest(
    capsys: pytest.CaptureFixture[str], changed: Path
) -> None:
    status, out, _ = _run(capsys, "policy", "check", str(changed))
    assert status == 0
    assert "valid; policy " in out
    assert "1 value(s) changed" in out


def test_check_lists_every_problem_with_its_entry(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(
        "http_port = 'eighty'\n"
        + CHANGE.replace("metamap", "metamapp")
        + CHANGE.replace("identityStatus", "identity_status")
    )
    status, _, err = _run(capsys, "policy", "check", str(config))
    assert status == 2
    assert "'http_port'" in err
    # The file's own problems first; the names are checked against the tables once it is valid.
    config.write_text(
        CHANGE.replace("metamap", "metamapp") + CHANGE.replace("identityStatus", "identity_status")
    )
    status, _, err = _run(capsys, "policy", "check", str(config))
    assert status == 2
    assert "[[policy]] 1 (metamapp identityStatus = 'REVIEW_NEEDED')" in err
    assert "[[policy]] 2 (metamap identity_status = 'REVIEW_NEEDED')" in err


def test_a_worker_does_not_start_with_a_change_naming_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(CHANGE.replace("identityStatus", "identity_status"))
    status, _, err = _run(capsys, "--config", str(config), "worker")
    assert status == 2
    assert err.startswith("verdict: configuration error: [[policy]] 1 (metamap identity_status")
