"""OAuth2's client-credentials grant, as Jumio and MetaMap document it: ``POST`` the token URL
with HTTP Basic ``client_id:client_secret`` and ``grant_type=client_credentials``; the answer's
``access_token`` goes out as ``Authorization: Bearer`` until ``expires_in`` (MetaMap spells it
``expiresIn``) runs out."""

from __future__ import annotations

import base64
import time

import msgspec

from shared.vendor_api_settings import Api
from workers.fetch.client import Malformed, Request, Token, decode

# When the answer does not say: both vendors document an hour.
DEFAULT_LIFETIME = 3600.0


class Answer(msgspec.Struct, frozen=True):
    access_token: str
    expires_in: float | None = None
    expires_in_camel: float | None = msgspec.field(default=None, name="expiresIn")  # MetaMap's


_answer = msgspec.json.Decoder(Answer, strict=False)


def token_request(token_url: str, api: Api) -> Request:
    return Request(
        token_url,
        method="POST",
        headers={"Accept": "application/json", "Authorization": basic(api)},
        form={"grant_type": "client_credentials"},
    )


def basic(api: Api) -> str:
    """HTTP Basic ``client_id:client_secret`` (RFC 7617; aiohttp's BasicAuth is deprecated)."""
    pair = f"{api.client_id}:{api.secrets[0].reveal()}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def read_token(body: bytes) -> Token:
    answer = decode(_answer, body)
    if not answer.access_token:
        raise Malformed("an empty access_token")
    lifetime = answer.expires_in or answer.expires_in_camel or DEFAULT_LIFETIME
    return Token({"Authorization": f"Bearer {answer.access_token}"}, time.monotonic() + lifetime)
