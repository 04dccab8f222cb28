"""``[vendor.<name>.api]``: what start-up refuses, each problem named by its key (no broker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared import settings
from shared.config_errors import ConfigError


def problems(environ: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as refused:
        settings.load(environ=environ)
    return list(refused.value.problems)


@pytest.mark.parametrize(
    ("environ", "said"),
    [
        (
            {"VERDICT_W2_API_SECRETS": "s"},
            "VERDICT_W2_API_SECRETS: Verdict fetches results only from onfido, jumio, incode,"
            " metamap",
        ),
        ({"VERDICT_JUMIO_API_SECRETS": "s", "VERDICT_JUMIO_API_CLIENT_ID": "c"}, "base_url"),
        (
            {"VERDICT_METAMAP_API_SECRETS": "s"},
            "[vendor.metamap.api] key 'client_id': needed with secrets",
        ),
        (
            {
                "VERDICT_INCODE_API_SECRETS": "p",
                "VERDICT_INCODE_API_CLIENT_ID": "e",
                "VERDICT_INCODE_API_BASE_URL": "https://incode.test",
            },
            "[vendor.incode.api] key 'key': needed with secrets",
        ),
        (
            {"VERDICT_ONFIDO_API_SECRETS": "s", "VERDICT_ONFIDO_API_BASE_URL": "ftp://x"},
            "VERDICT_ONFIDO_API_BASE_URL: expected an http:// or https:// URL",
        ),
        (
            {"VERDICT_ONFIDO_API_SECRETS": "s", "VERDICT_ONFIDO_API_BASE_URL": "https://u:p@x"},
            "VERDICT_ONFIDO_API_BASE_URL: expected an http:// or https:// URL",
        ),
        ({"VERDICT_ONFIDO_API_SECRETS": "a,b"}, "VERDICT_ONFIDO_API_SECRETS: one credential"),
        ({"VERDICT_JUMIO_API_CLIENT_ID": "c"}, "VERDICT_JUMIO_API_CLIENT_ID: set without"),
        ({"VERDICT_ONFIDO_API_SECRETS": "s", "VERDICT_ONFIDO_API_TIMEOUT": "0"}, "TIMEOUT"),
    ],
)
def test_start_up_refuses_an_api_it_could_not_use(environ: dict[str, str], said: str) -> None:
    found = problems(environ)
    assert [p for p in found if said in p], found


def test_credentials_come_from_files_and_stay_out_of_errors(tmp_path: Path) -> None:
    secret, key = tmp_path / "secret", tmp_path / "key"
    secret.write_text("the-password\n")
    key.write_text("the-api-key\n")
    loaded = settings.load(
        environ={
            "VERDICT_INCODE_API_SECRETS_FILE": str(secret),
            "VERDICT_INCODE_API_KEY_FILE": str(key),
            "VERDICT_INCODE_API_CLIENT_ID": "executive@example.test",
            "VERDICT_INCODE_API_BASE_URL": "https://incode.test",
        }
    )
    api = loaded.for_vendor("incode").api
    assert api.enabled
    assert [s.reveal() for s in api.secrets] == ["the-password"]
    assert [k.reveal() for k in api.key] == ["the-api-key"]
    assert "the-password" not in repr(api)
    found = problems({"VERDICT_ONFIDO_API_SECRETS": "the-token,x"})
    assert "the-token" not in repr(found)


def test_without_secrets_nothing_is_fetched_and_nothing_is_asked() -> None:
    assert not settings.load(environ={}).for_vendor("onfido").api.enabled
