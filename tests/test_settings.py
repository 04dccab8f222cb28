from __future__ import annotations

from pathlib import Path

import pytest

from shared.settings import DEFAULT_VENDORS, ConfigError, Settings, load


def test_defaults() -> None:
    settings = load(environ={})
    assert settings.amqp_url == "amqp://guest:guest@localhost:5672/"
    assert settings.http_port == 8080
    assert settings.namespace == "verdict"
    assert settings.vendors == DEFAULT_VENDORS
    assert settings.max_body_bytes == 20 * 1024 * 1024


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
        ({"VERDICT_HTTP_PORT": "eighty"}, "VERDICT_HTTP_PORT: Expected `int`, got `str`"),
        ({"VERDICT_HTTP_PORT": "70000"}, "VERDICT_HTTP_PORT: Expected `int` <= 65535"),
        ({"VERDICT_NAMESPACE": "has.dot"}, "VERDICT_NAMESPACE: Expected `str` matching regex"),
        ({"VERDICT_VENDORS": "Incode"}, "VERDICT_VENDORS: Expected `str` matching regex"),
        ({"VERDICT_LOG_LEVEL": "loud"}, "VERDICT_LOG_LEVEL: Invalid enum value 'loud'"),
        ({"VERDICT_PUBLISH_TIMEOUT": "0"}, "VERDICT_PUBLISH_TIMEOUT: Expected `float` > 0.0"),
    ],
)
def test_bad_environment_value_names_the_key(environ: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError, match="^" + expected.replace("`", ".").replace("(", ".")):
        load(environ=environ)


def test_bad_file_value_names_the_key_and_file(tmp_path: Path) -> None:
    path = tmp_path / "verdict.toml"
    path.write_text('http_port = "x"\n')
    with pytest.raises(ConfigError, match=r"'http_port' in .*verdict.toml: Expected `int`"):
        load(path, environ={})


def test_unknown_file_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "verdict.toml"
    path.write_text("htp_port = 1\n")
    with pytest.raises(ConfigError, match="unknown key 'htp_port'"):
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
