"""MetaMap's API: a completed verification's status, for the webhook that came without it.

A token from ``POST {base}/oauth`` (OAuth2 client credentials, the dashboard's API client),
then ``GET {base}/v2/verifications/{id}``: the resource the webhook names, fetched by its id at
the configured address (never at the URL a body gives). Only ``identity.status`` is read; the
documents' fields, photos and the liveness videos are never declared.
"""

from __future__ import annotations

import msgspec

from shared.vendor_api_settings import Api
from workers.fetch import oauth2
from workers.fetch.client import Request, Token, decode
from workers.vendors.base import Fetch
from workers.vendors.policy import Fetched


class Identity(msgspec.Struct, frozen=True):
    status: str | None = None


class Verification(msgspec.Struct, frozen=True):
    identity: Identity | None = None


_verification = msgspec.json.Decoder(Verification, strict=False)


class MetaMap:
    def __init__(self, base_url: str, api: Api) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = oauth2.token_request(api.token_url or f"{self.base_url}/oauth", api)

    def token_request(self) -> Request | None:
        return self.token

    def read_token(self, body: bytes) -> Token:
        return oauth2.read_token(body)

    def resource_request(self, what: Fetch, token: Token) -> Request:
        [verification] = what.ids
        return Request(f"{self.base_url}/v2/verifications/{verification}", headers=token.headers)

    def read_resource(self, what: Fetch, body: bytes) -> Fetched:
        identity = decode(_verification, body).identity
        return Fetched({"identityStatus": identity.status if identity is not None else None})
