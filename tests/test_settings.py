from __future__ import annotations

import re
from pathlib import Path

import pytest

from shared.addresses import addresses, redact
from shared.settings import DEFAULT_VENDORS, ConfigError, Settings, load


def test_defaults() -> None:
    settings = load(environ={})
    assert settings.amqp_url == "amqp://guest:guest@localhost:5672/"
    assert settings.http_port == 8080
    assert settings.namespace == "verdict"
    assert settings.vendors == DEFAULT_VENDORS
    assert settings.max_body_bytes == 16 * 1024 * 1024


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = tmp_path / "verdict.toml"
    path.write_text('namespace = "from-file"\nhttp_port = 9000\nvendors = ["incode"]\n')
    settings = load(path, environ={"VERDICT_HTTP_PORT": "9100", "VERDICT_LOG_LEVEL": "DEBUG"})
    assert settings.namespace == "from-file"
    assert settings.http_port == 9100
    assert settings.vendors == ("incode",)
    assert settings.log_level == "debug"


def test_config_file_from_environment(tmp_path: Path) -> None:
    path = tmp_path / "verdict.toml"
    path.write_text('namespace = "elsewhere"\n')
    assert load(environ={"VERDICT_CONFIG": str(path)}).namespace == "elsewhere"


def test_vendor_list_from_environment() -> None:
    assert load(environ={"VERDICT_VENDORS": "incode, metamap"}).vendors == ("incode", "metamap")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        (
            {"VERDICT_HTTP_PORT": "eighty"},
            "VERDICT_HTTP_PORT: expected an integer 0-65535, got 'eighty'",
        ),
        ({"VERDICT_HTTP_PORT": "70000"}, "VERDICT_HTTP_PORT: expected an integer 0-65535, got"),
        (
            {"VERDICT_NAMESPACE": "has.dot"},
            "VERDICT_NAMESPACE: expected a name of lower-case letters, digits, '_' and '-'",
        ),
        (
            {"VERDICT_VENDORS": "incode,Incode"},
            "VERDICT_VENDORS: expected comma-separated values, each a name of lower-case letters,"
            " digits, '_' and '-' (a letter or digit first, at most 64 characters), got 'Incode'",
        ),
        (
            {"VERDICT_LOG_LEVEL": "loud"},
            "VERDICT_LOG_LEVEL: expected one of: debug, info, warning, error, got 'loud'",
        ),
        ({"VERDICT_PUBLISH_TIMEOUT": "0"}, "VERDICT_PUBLISH_TIMEOUT: expected a number > 0, got"),
        ({"VERDICT_AMQP_URL": "not a url"}, "VERDICT_AMQP_URL: 'not a url' is not a URL: expected"),
        (
            {"VERDICT_AMQP_URL": "amqp://u:secret@a:5672/,http://u:secret2@b/"},
            "VERDICT_AMQP_URL: 'http://u:***@b/' has the scheme 'http', not amqp or amqps",
        ),
        (
            {"VERDICT_AMQP_URL": "amqp://rabbit:70000/"},
            "VERDICT_AMQP_URL: 'amqp://rabbit:70000/' has a port that is not a number 1-65535",
        ),
        (
            {"VERDICT_AMQP_URL": "amqp://rabbit:0/"},
            "VERDICT_AMQP_URL: 'amqp://rabbit:0/' has a port that is not a number 1-65535",
        ),
        ({"VERDICT_AMQP_URL": "amqp:///vhost"}, "VERDICT_AMQP_URL: 'amqp:///vhost' names no host"),
        ({"VERDICT_AMQP_URL": " , "}, "VERDICT_AMQP_URL: no broker address given"),
    ],
)
def test_bad_environment_value_names_the_key(environ: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError, match="^" + re.escape(expected)):
        load(environ=environ)


def test_several_broker_addresses() -> None:
    text = "amqp://u:p1@rabbit-1:5672/v, amqp://u:p2@rabbit-2:5672/v,amqps://u:p3@rabbit-3/v"
    settings = load(environ={"VERDICT_AMQP_URL": text})
    assert addresses(settings.amqp_url) == (
        "amqp://u:p1@rabbit-1:5672/v",
        "amqp://u:p2@rabbit-2:5672/v",
        "amqps://u:p3@rabbit-3/v",
    )
    assert [redact(url) for url in addresses(text)] == [
        "amqp://u:***@rabbit-1:5672/v",
        "amqp://u:***@rabbit-2:5672/v",
        "amqps://u:***@rabbit-3/v",
    ]


@pytest.mark.parametrize(
    "url", ["amqp://u:s3cret@h/", "u:s3cret@h", "amqp://u:s3cret@bad host/", "%%:s3cret@@h"]
)
def test_a_redacted_address_never_shows_the_password(url: str) -> None:
    assert "s3cret" not in redact(url)


def test_bad_file_value_names_the_key_and_file(tmp_path: Path) -> None:
    path = tmp_path / "verdict.toml"
    path.write_text('http_port = "x"\n')
    with pytest.raises(
        ConfigError, match=r"^'http_port' in .*verdict.toml: expected an integer 0-65535, got 'x'$"
    ):
        load(path, environ={})


def test_unknown_file_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "verdict.toml"
    path.write_text("htp_port = 1\n")
    with pytest.raises(
        ConfigError, match=r"^'htp_port' in .*: not a setting; .*\(did you mean 'http_port'\?\)$"
    ):
        load(path, environ={})


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load(tmp_path / "absent.toml", environ={})
    bad = tmp_path / "bad.toml"
    bad.write_text("this is not toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(bad, environ={})


def test_settings_are_frozen() -> None:
    with pytest.raises(AttributeError):
        Settings().http_port = 1  # type: ignore[misc]


# Per-vendor settings: [vendor.<name>] tables and VERDICT_<NAME>_... variables.


def test_vendor_credentials_from_environment_and_files(tmp_path: Path) -> None:
    tokens = tmp_path / "incode-tokens"
    tokens.write_text("token,with,commas\n\nsecond-token\n")
    settings = load(
        environ={
            "VERDICT_METAMAP_HMAC_SECRETS": "old-secret, new-secret",
            "VERDICT_INCODE_AUTH": "bearer",
            "VERDICT_INCODE_BEARER_TOKENS_FILE": str(tokens),
            "VERDICT_IDWISE_AUTH": "basic",
            "VERDICT_IDWISE_BASIC_USER": "idwise",
            "VERDICT_IDWISE_BASIC_PASSWORDS": "pw",
            "VERDICT_W2_AUTH": "none",
            "VERDICT_W2_ALLOW_FROM": "192.0.2.0/24, 198.51.100.7",
            "VERDICT_W2_MAX_BODY_BYTES": "1048576",
        }
    )
    metamap = settings.vendor["metamap"]
    assert metamap.auth == ("hmac",)  # MetaMap's default
    assert metamap.hmac.compact_json
    assert [s.reveal() for s in metamap.hmac.secrets] == ["old-secret", "new-secret"]
    assert [t.reveal() for t in settings.vendor["incode"].bearer.tokens] == [
        "token,with,commas",
        "second-token",
    ]
    assert settings.vendor["idwise"].basic.user == "idwise"
    assert settings.vendor["w2"].allow_from == ("192.0.2.0/24", "198.51.100.7")
    assert settings.vendor["w2"].max_body_bytes == 1048576
    shown = repr(settings) + str(settings.vendor)
    for secret in ("old-secret", "new-secret", "token,with,commas", "second-token", "pw'"):
        assert secret not in shown


def test_vendor_tables_in_the_file_and_environment_over_them(tmp_path: Path) -> None:
    secrets = tmp_path / "sw-secrets"
    secrets.write_text("whsec_c2VjcmV0\n")
    path = tmp_path / "verdict.toml"
    path.write_text(
        f"""
[vendor.w2]
auth = ["standard-webhooks"]
trusted_proxies = ["10.0.0.0/8"]
[vendor.w2.standard-webhooks]
secrets_file = "{secrets}"
tolerance = 60

[vendor.idwise]
auth = ["header"]
header = {{ name = "X-IDWise-Key", values = ["from-file"] }}
"""
    )
    settings = load(path, environ={"VERDICT_IDWISE_HEADER_VALUES": "from-env"})
    w2 = settings.vendor["w2"]
    assert w2.auth == ("standard-webhooks",)
    assert w2.standard_webhooks.tolerance == 60
    assert [s.reveal() for s in w2.standard_webhooks.secrets] == ["whsec_c2VjcmV0"]
    assert w2.trusted_proxies == ("10.0.0.0/8",)
    assert settings.vendor["idwise"].header.name == "X-IDWise-Key"
    assert [v.reveal() for v in settings.vendor["idwise"].header.values] == ["from-env"]
    assert settings.vendor["incode"].auth == ()  # not configured: the ingress will not start


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        (
            {"VERDICT_METAMAP_HMAC_ALGORITHM": "md5"},
            "VERDICT_METAMAP_HMAC_ALGORITHM: expected one of: sha256, sha512, got 'md5'",
        ),
        (
            {"VERDICT_W2_AUTH": "none,password"},
            "VERDICT_W2_AUTH: expected comma-separated values, each one of: none, hmac,"
            " hmac-timestamped, basic,"
            " bearer, header, standard-webhooks, got 'password'",
        ),
        (
            {"VERDICT_W2_MAX_BODY_BYTES": "0"},
            "VERDICT_W2_MAX_BODY_BYTES: expected an integer > 0, got '0'",
        ),
        ({"VERDICT_W2_AUTH": "none,basic"}, "VERDICT_W2_AUTH: 'none' cannot be combined"),
        (
            {"VERDICT_W2_ALLOW_FROM": "10.0.0.0/33"},
            "VERDICT_W2_ALLOW_FROM: expected IP addresses, CIDR networks or a vendor's published"
            " list (jumio-amer-1, jumio-emea-1, jumio-apac-1), got '10.0.0.0/33'",
        ),
        (
            {"VERDICT_W2_HEADER_NAME": "bad name"},
            "VERDICT_W2_HEADER_NAME: expected an HTTP header name",
        ),
        (
            {"VERDICT_W2_BEARER_TOKENS": "a", "VERDICT_W2_BEARER_TOKENS_FILE": "/x"},
            "VERDICT_W2_BEARER_TOKENS and VERDICT_W2_BEARER_TOKENS_FILE are both set",
        ),
        (
            {"VERDICT_W2_BEARER_TOKENS_FILE": "/nonexistent/tokens"},
            "VERDICT_W2_BEARER_TOKENS_FILE: cannot read /nonexistent/tokens",
        ),
    ],
)
def test_bad_vendor_value_names_the_key(environ: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError, match="^" + re.escape(expected)):
        load(environ=environ)


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            "[vendor.acme]\nauth = ['none']\n",
            r"^\[vendor\.acme\] in .*verdict.toml: not one of the vendors \(incode, w2, idwise",
        ),
        (
            "[vendor.w2]\nauht = ['none']\n",
            r"^\[vendor\.w2\] key 'auht' in .*verdict.toml: not a setting; expected one of: auth,"
            r" .*\(did you mean 'auth'\?\)$",
        ),
        (
            "[vendor.w2.hmac]\nsecrets = ['']\n",
            r"^\[vendor\.w2\.hmac\] key 'secrets' in .*verdict.toml: expected a list, each a"
            r" non-empty string$",
        ),
        (
            "[vendor.w2.hmac]\nsecrets = 'one'\n",
            r"^\[vendor\.w2\.hmac\] key 'secrets' in .*verdict.toml: expected a list, each a"
            r" non-empty string$",  # a credential, even a misplaced one, is never repeated
        ),
        (
            "[vendor.w2]\nmax_body_bytes = -1\n",
            r"^\[vendor\.w2\] key 'max_body_bytes' in .*verdict.toml: expected an integer > 0,"
            " got -1$",
        ),
    ],
)
def test_bad_vendor_value_in_the_file_names_the_key(
    tmp_path: Path, toml: str, expected: str
) -> None:
    path = tmp_path / "verdict.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match=expected):
        load(path, environ={})


def test_a_vendor_without_authentication_stops_the_ingress() -> None:
    from ingress.endpoint import endpoints

    with pytest.raises(ConfigError, match="vendor 'incode' has no authentication configured"):
        endpoints(load(environ={}))
    configured = {f"VERDICT_{v.upper()}_AUTH": "none" for v in ("incode", "w2", "idwise")}
    configured["VERDICT_VENDORS"] = "incode,w2,idwise,metamap"
    with pytest.raises(
        ConfigError, match="hmac needs at least one credential: set VERDICT_METAMAP"
    ):
        endpoints(load(environ=configured))
    secret = "the-only-copy-of-this-secret"
    configured |= {"VERDICT_METAMAP_AUTH": "standard-webhooks"}
    configured |= {"VERDICT_METAMAP_STANDARD_WEBHOOKS_SECRETS": secret + "!"}
    with pytest.raises(ConfigError, match="not base64") as refused:
        endpoints(load(environ=configured))
    assert secret not in str(refused.value)
    configured |= {"VERDICT_METAMAP_AUTH": "none"}
    assert endpoints(load(environ=configured))["metamap"].auth.disabled


def test_verdict_ingress_refuses_to_start_without_authentication(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from verdict.cli import main

    path = tmp_path / "verdict.toml"
    path.write_text("[vendor.w2]\nauth = ['none']\n")
    assert main(["--config", str(path), "ingress"]) == 2
    assert "vendor 'incode' has no authentication configured" in capsys.readouterr().err


def test_the_development_config_starts_every_vendor_without_authentication() -> None:
    from ingress.endpoint import endpoints

    examples = Path(__file__).parent.parent / "examples" / "dev.toml"
    built = endpoints(load(examples, environ={}))
    assert all(endpoint.auth.disabled for endpoint in built.values())
