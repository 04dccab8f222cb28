"""Onfido's API v3.6: a check's or a report's result, for the webhook without its resource.

``GET {base}/v3.6/checks/{id}`` and ``/v3.6/reports/{id}`` with ``Authorization: Token
token=<API token>`` (a read-only token is enough). Only ``result``, a report's ``sub_result``
and ``name`` are read; a report's ``properties`` (names, birth dates, document numbers) and
``documents`` are never declared.
"""

from __future__ import annotations

import msgspec

from shared.vendor_api_settings import Api
from workers.fetch.client import Request, Token, decode
from workers.vendors.base import Fetch
from workers.vendors.policy import Fetched

VERSION = "v3.6"


class Check(msgspec.Struct, frozen=True):
    result: str | None = None


class Report(msgspec.Struct, frozen=True):
    result: str | None = None
    sub_result: str | None = None
    name: str | None = None


_check = msgspec.json.Decoder(Check, strict=False)
_report = msgspec.json.Decoder(Report, strict=False)


class Onfido:
    def __init__(self, base_url: str, api: Api) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = api.secrets[0].reveal()

    def token_request(self) -> Request | None:
        return None

    def read_token(self, body: bytes) -> Token:
        return Token({"Authorization": f"Token token={self.token}"}, float("inf"))

    def resource_request(self, what: Fetch, token: Token) -> Request:
        [object_id] = what.ids
        return Request(
            f"{self.base_url}/{VERSION}/{what.resource}s/{object_id}", headers=token.headers
        )

    def read_resource(self, what: Fetch, body: bytes) -> Fetched:
        if what.resource == "check":
            return Fetched({"resource.result": decode(_check, body).result})
        report = decode(_report, body)
        return Fetched(
            {
                "resource.result.part": report.result,
                "resource.sub_result": report.sub_result,
                "resource.name": report.name,
            }
        )
