"""Configuration errors: every problem in one run, one per line, each naming where it was set and
what is allowed; unknown ``VERDICT_*`` variables warned about with the closest known name. No
broker needed."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest

from ingress.endpoint import endpoints
from shared.addresses import address_problems
from shared.settings import ConfigError, load

REPOSITORY = Path(__file__).parent.parent
# README.md and docs/integrators.md show what a misspelled variable gets.
DOCUMENTED_MISSPELLINGS = {"VERDICT_HTTP_PROT", "VERDICT_METAMAP_HMAC_SECRET"}

BAD_FILE = """\
htp_port = 8080
http_port = "abc"
log_level = "loud"

[vendor.w2]
auht = ["none"]
max_body_bytes = -1

[vendor.w2.hmak]
secrets = ["x"]

[vendor.idwise]
auth = ["none", "password"]
allow_from = ["10.0.0.0/33", "192.0.2.0/24", "nowhere"]

[vendor.idwise.basic]
passwords = "hunter2-not-a-list"

[vendor.acme]
auth = ["none"]
"""

BAD_ENVIRONMENT = {
    "VERDICT_PREFETCH": "0",
    "VERDICT_AMQP_URL": "not a url, http://user:s3cret@rabbit/",
    "VERDICT_METAMAP_HMAC_ALGORITHM": "md5",
    "VERDICT_INCODE_BEARER_TOKENS_FILE": "/nonexistent/tokens",
}

PUBLISHED = "jumio-amer-1, jumio-emea-1, jumio-apac-1"


def test_every_problem_is_reported_in_one_run_with_where_and_what_is_allowed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "verdict.toml"
    path.write_text(BAD_FILE)
    with pytest.raises(ConfigError) as raised:
        load(path, environ=BAD_ENVIRONMENT, warn=lambda _: None)
    f = str(path)
    url_form = "expected amqp://user:password@host:port/vhost (or amqps://), several separated"
    assert list(raised.value.problems) == [
        f"'htp_port' in {f}: not a setting; expected one of: amqp_url, namespace, vendors,"
        " http_host, http_port, max_body_bytes, publish_timeout, retry_after, max_in_flight,"
        " publish_buffer_bytes, prefetch, worker_http_port, drain_timeout, log_level,"
        " read_timeout, archive, archive_max_age, archive_max_bytes, vendor, policy"
        " (did you mean 'http_port'?)",
        f"'http_port' in {f}: expected an integer 0-65535, got 'abc'",
        f"'log_level' in {f}: expected one of: debug, info, warning, error, got 'loud'",
        "VERDICT_PREFETCH: expected an integer 1-65535, got '0'",
        f"VERDICT_AMQP_URL: 'not a url' is not a URL: {url_form} by commas",
        "VERDICT_AMQP_URL: 'http://user:***@rabbit/' has the scheme 'http', not amqp or amqps:"
        f" {url_form} by commas",
        f"[vendor.acme] in {f}: not one of the vendors (incode, w2, idwise, metamap, onfido,"
        " veriff, sumsub, persona, jumio; they are"
        " set by 'vendors' or VERDICT_VENDORS)",
        "VERDICT_INCODE_BEARER_TOKENS_FILE: cannot read /nonexistent/tokens: No such file or"
        " directory",
        f"[vendor.w2] key 'auht' in {f}: not a setting; expected one of: auth, require,"
        " allow_from, trusted_proxies, max_body_bytes, accepted_status, hmac, hmac-timestamped,"
        " basic, bearer, header, standard-webhooks, api (did you mean 'auth'?)",
        f"[vendor.w2] key 'max_body_bytes' in {f}: expected an integer > 0, got -1",
        f"[vendor.w2] key 'hmak' in {f}: not a setting; expected one of: auth, require,"
        " allow_from, trusted_proxies, max_body_bytes, accepted_status, hmac, hmac-timestamped,"
        " basic, bearer, header, standard-webhooks, api (did you mean 'hmac'?)",
        f"[vendor.idwise] key 'auth' in {f}: expected a list, each one of: none, hmac,"
        " hmac-timestamped, basic,"
        " bearer, header, standard-webhooks, got 'password'",
        f"[vendor.idwise.basic] key 'passwords' in {f}: expected a list, each a non-empty string",
        f"[vendor.idwise] key 'allow_from' in {f}: expected IP addresses, CIDR networks or a"
        f" vendor's published list ({PUBLISHED}), got '10.0.0.0/33'",
        f"[vendor.idwise] key 'allow_from' in {f}: expected IP addresses, CIDR networks or a"
        f" vendor's published list ({PUBLISHED}), got 'nowhere'",
        "VERDICT_METAMAP_HMAC_ALGORITHM: expected one of: sha256, sha512, got 'md5'",
    ]
    shown = str(raised.value)
    assert "s3cret" not in shown
    assert "hunter2" not in shown


def test_the_message_is_every_problem_one_per_line() -> None:
    several = ConfigError(["first problem", "second problem"])
    assert str(several) == "2 problems:\n  first problem\n  second problem"
    assert str(ConfigError("the only problem")) == "the only problem"
    assert ConfigError("the only problem").problems == ("the only problem",)


def test_a_bad_value_in_the_file_is_reported_even_when_the_environment_has_problems_too(
    tmp_path: Path,
) -> None:
    path = tmp_path / "verdict.toml"
    path.write_text('namespace = "Has Capitals"\n')
    with pytest.raises(ConfigError) as raised:
        load(path, environ={"VERDICT_HTTP_PORT": "-1", "VERDICT_W2_REQUIRE": "some"})
    assert [problem.split(":")[0] for problem in raised.value.problems] == [
        f"'namespace' in {path}",
        "VERDICT_HTTP_PORT",
        "VERDICT_W2_REQUIRE",
    ]
    assert raised.value.problems[2] == "VERDICT_W2_REQUIRE: expected one of: all, any, got 'some'"


def test_a_bad_vendor_list_is_reported_without_misleading_vendor_problems(tmp_path: Path) -> None:
    path = tmp_path / "verdict.toml"
    path.write_text("[vendor.acme]\nauth = ['none']\n")
    with pytest.raises(ConfigError) as raised:
        load(path, environ={"VERDICT_VENDORS": "acme,Acme"})
    assert len(raised.value.problems) == 1
    assert raised.value.problems[0].startswith("VERDICT_VENDORS: expected comma-separated values")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("amqp://rabbit:99999/", "'amqp://rabbit:99999/' has a port that is not a number 1-65535"),
        ("amqp://u:pw@rabbit:x/", "'amqp://***@rabbit:x/' has a port that is not a number 1-65535"),
        ("amqp://u:pw@/vhost", "'amqp://u:***@/vhost' names no host"),
        ("amqp://u:pw@bad host/", "'amqp://u:***@bad host/' has a space in its host"),
        ("rabbit:5672", "'rabbit:5672' has the scheme 'rabbit', not amqp or amqps"),
    ],
)
def test_each_broker_address_is_checked(text: str, problem: str) -> None:
    good = "amqps://u:pw@rabbit-1/vhost"
    problems = address_problems(f"{good}, {text}, {good}")
    assert len(problems) == 1
    assert problems[0].startswith(problem + ": expected amqp://")


def test_every_vendor_without_authentication_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        endpoints(load(environ={"VERDICT_IDWISE_AUTH": "none"}))
    problems = raised.value.problems
    assert [problem.split(":")[0] for problem in problems] == [
        "vendor 'incode' has no authentication configured",
        "vendor 'w2' has no authentication configured",
        "vendor 'metamap'",  # its hmac default, without a secret
        "vendor 'onfido'",
        "vendor 'veriff'",
        "vendor 'sumsub'",
        "vendor 'persona'",  # hmac-timestamped, its default
        "vendor 'jumio' has no authentication configured",  # Jumio signs nothing: no default
    ]
    assert "VERDICT_INCODE_AUTH" in problems[0]
    assert "VERDICT_W2_AUTH" in problems[1]
    assert "VERDICT_METAMAP_HMAC_SECRETS" in problems[2]


def test_verdict_ingress_prints_every_problem_on_a_line_of_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from verdict.cli import main

    path = tmp_path / "verdict.toml"
    path.write_text("[vendor.w2]\nauth = ['none']\n")
    assert main(["--config", str(path), "ingress"]) == 2
    lines = capsys.readouterr().err.splitlines()
    for vendor in ("incode", "idwise"):
        assert any(
            line.startswith(f"  vendor {vendor!r} has no authentication configured")
            for line in lines
        ), lines
    assert any(line.startswith("  vendor 'metamap': hmac needs") for line in lines), lines


def test_an_unknown_variable_is_warned_about_with_the_closest_name() -> None:
    warnings: list[str] = []
    settings = load(
        environ={
            "VERDICT_HTTP_PROT": "9000",
            "VERDICT_W2_AUHT": "none",
            "VERDICT_SOMETHING_ELSE": "1",
            "NOT_VERDICT_AT_ALL": "1",
        },
        warn=warnings.append,
    )
    assert settings.http_port == 8080  # a warning, not an error: the variable is ignored
    assert warnings == [
        "VERDICT_HTTP_PROT is not a setting Verdict reads, and is ignored: did you mean"
        " VERDICT_HTTP_PORT?",
        "VERDICT_SOMETHING_ELSE is not a setting Verdict reads, and is ignored: see the settings"
        " in README.md",
        "VERDICT_W2_AUHT is not a setting Verdict reads, and is ignored: did you mean"
        " VERDICT_W2_AUTH?",
    ]


def test_unknown_variables_are_warned_about_on_stderr_even_when_the_settings_are_bad(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(ConfigError):
        load(environ={"VERDICT_HTTP_PORT": "x", "VERDICT_PREFECH": "1"})
    assert capsys.readouterr().err == (
        "verdict: warning: VERDICT_PREFECH is not a setting Verdict reads, and is ignored: did you"
        " mean VERDICT_PREFETCH?\n"
    )


def test_a_vendor_of_ones_own_has_its_variables_known() -> None:
    warnings: list[str] = []
    environ = {
        "VERDICT_VENDORS": "incode,acme-id",
        "VERDICT_ACME_ID_AUTH": "bearer",
        "VERDICT_ACME_ID_BEARER_TOKENS_FILE": "/dev/null",
        "VERDICT_IDWISE_AUTH": "none",  # idwise is not among the vendors now
        "VERDICT_INCODR_AUTH": "none",
    }
    load(environ=environ, warn=warnings.append)
    assert warnings == [
        "VERDICT_IDWISE_AUTH is ignored: it is a setting of vendor 'idwise', which is not one of"
        " the vendors (incode, acme-id; set by VERDICT_VENDORS or 'vendors')",
        "VERDICT_INCODR_AUTH is ignored: it is a setting of vendor 'incodr', which is not one of"
        " the vendors (incode, acme-id; set by VERDICT_VENDORS or 'vendors'); did you mean"
        " 'incode'?",
    ]


def _names_the_repository_uses() -> set[str]:
    """Every VERDICT_ variable named in the documentation, deploy files, CI and examples, and
    every one a Python file names in full in quotes (os.environ.get("VERDICT_...")). Python
    constants such as tests/vendors' VERDICT_FIELDS are not variables, and are not in quotes."""
    names: set[str] = set()
    files = [REPOSITORY / "README.md", REPOSITORY / ".ci" / "run"]
    for pattern in ("docs/**/*.md", "deploy/**/*", "examples/**/*"):
        files += REPOSITORY.glob(pattern)
    for path in files:
        if path.is_file() and path.suffix != ".py":
            names |= set(re.findall(r"\bVERDICT_[A-Z0-9_]*[A-Z0-9]\b", path.read_text("utf-8")))
    for path in REPOSITORY.glob("**/*.py"):
        # This file names wrong variables on purpose.
        if ".venv" not in path.parts and path != Path(__file__):
            text = path.read_text("utf-8")
            names |= set(re.findall(r"[\"'](VERDICT_[A-Z0-9_]*[A-Z0-9])[\"']", text))
    return names


def test_no_variable_the_repository_uses_is_warned_about() -> None:
    names = _names_the_repository_uses()
    # The scan finds what it should: settings, vendors', tests', the benchmark's and compose's.
    assert {
        "VERDICT_AMQP_URL",
        "VERDICT_CONFIG",
        "VERDICT_W2_AUTH",
        "VERDICT_TEST_AMQP_URL",
        "VERDICT_BENCH_AMQP_URL",
        "VERDICT_PUBLISH_ADDRESS",
    } <= names
    warnings: list[str] = []
    with contextlib.suppress(ConfigError):  # the values are nonsense: only the names matter
        # VERDICT_CONFIG would name a file, VERDICT_VENDORS no vendor: they keep their defaults.
        unset = {"VERDICT_CONFIG", "VERDICT_VENDORS"}
        load(environ=dict.fromkeys(names - unset, ""), warn=warnings.append)
    # The documentation's own examples of a misspelling, which must be warned about.
    assert [warning.split()[0] for warning in warnings] == sorted(DOCUMENTED_MISSPELLINGS)
