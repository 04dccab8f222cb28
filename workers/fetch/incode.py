"""Incode's Omni API: the score of an onboarding that ended (ONBOARDING_FINISHED).

An executive token from ``POST {base}/executive/log-in`` (a dashboard user's email and
password, with the API key), valid a day; then ``GET {base}/omni/get/score?id={interviewId}``
with ``x-api-key``, ``api-version: 1.0`` and the token as ``X-Incode-Hardware-Id``. Only
``overall.status`` (OK, WARN, FAIL) is read; the sections' test values are never declared.
"""

from __future__ import annotations

import time

import msgspec

from shared.vendor_api_settings import Api
from workers.fetch.client import Malformed, Request, Token, decode
from workers.vendors.base import Fetch
from workers.vendors.policy import Fetched

# Incode's executive tokens last 24 hours; renewed an hour early.
TOKEN_LIFETIME = 23 * 3600.0


class LoggedIn(msgspec.Struct, frozen=True):
    token: str


class Overall(msgspec.Struct, frozen=True):
    status: str | None = None


class Score(msgspec.Struct, frozen=True):
    overall: Overall | None = None


_logged_in = msgspec.json.Decoder(LoggedIn, strict=False)
_score = msgspec.json.Decoder(Score, strict=False)


class Incode:
    def __init__(self, base_url: str, api: Api) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = {"x-api-key": api.key[0].reveal(), "api-version": "1.0"}
        self.login = Request(
            api.token_url or f"{self.base_url}/executive/log-in",
            method="POST",
            headers=self.headers,
            json={"email": api.client_id, "password": api.secrets[0].reveal()},
        )

    def token_request(self) -> Request | None:
        return self.login

    def read_token(self, body: bytes) -> Token:
        token = decode(_logged_in, body).token
        if not token:
            raise Malformed("an empty token")
        headers = {**self.headers, "X-Incode-Hardware-Id": token}
        return Token(headers, time.monotonic() + TOKEN_LIFETIME)

    def resource_request(self, what: Fetch, token: Token) -> Request:
        [interview] = what.ids
        return Request(f"{self.base_url}/omni/get/score?id={interview}", headers=token.headers)

    def read_resource(self, what: Fetch, body: bytes) -> Fetched:
        score = decode(_score, body)
        return Fetched({"overall.status": score.overall.status if score.overall else None})
