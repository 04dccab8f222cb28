"""Jumio's Retrieval API: a PROCESSED workflow execution's decision.

A token from ``POST https://auth.<region>.jumio.ai/oauth2/token`` (OAuth2 client credentials;
an API client with the retrieval role is enough), then ``GET {base}/api/v1/accounts/{account}/
workflow-executions/{id}`` with a meaningful ``User-Agent``, which Jumio requires. Only
``decision.type`` and the workflow's ``userReference`` and ``definitionKey`` (which replace the
callback's: Jumio signs no callback) are read: the capabilities' extracted data (names, birth
dates, document numbers) and the credentials' image links are never declared.
"""

from __future__ import annotations

import msgspec
import yarl

from shared.vendor_api_settings import Api
from workers.fetch import oauth2
from workers.fetch.client import Request, Token, decode
from workers.vendors import base
from workers.vendors.base import Fetch, Id
from workers.vendors.policy import Fetched


class Decision(msgspec.Struct, frozen=True):
    type: str | None = None


class Workflow(msgspec.Struct, frozen=True, rename="camel"):
    user_reference: Id | None = None
    definition_key: Id | None = None


class Details(msgspec.Struct, frozen=True):
    decision: Decision | None = None
    workflow: Workflow | None = None


_details = msgspec.json.Decoder(Details, strict=False)


def token_url(base_url: str) -> str:
    """Jumio's token host beside its retrieval host (retrieval.emea-1.jumio.ai ->
    auth.emea-1.jumio.ai); elsewhere (a proxy, a test's server) ``{base}/oauth2/token``."""
    url = yarl.URL(base_url)
    host = url.host or ""
    if host.startswith("retrieval.") and host.endswith(".jumio.ai"):
        return str(
            url.with_host("auth." + host.removeprefix("retrieval.")).with_path("/oauth2/token")
        )
    return base_url.rstrip("/") + "/oauth2/token"


class Jumio:
    def __init__(self, base_url: str, api: Api) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = oauth2.token_request(api.token_url or token_url(base_url), api)

    def token_request(self) -> Request | None:
        return self.token

    def read_token(self, body: bytes) -> Token:
        return oauth2.read_token(body)

    def resource_request(self, what: Fetch, token: Token) -> Request:
        account, execution = what.ids
        path = f"/api/v1/accounts/{account}/workflow-executions/{execution}"
        return Request(
            self.base_url + path, headers={**token.headers, "Accept": "application/json"}
        )

    def read_resource(self, what: Fetch, body: bytes) -> Fetched:
        details = decode(_details, body)
        workflow = details.workflow or Workflow()
        # Jumio signs no callback: the person's reference is taken from Jumio's own record, so
        # a posted callback cannot pair another execution's decision with someone else's.
        subject = base.subject(
            user_reference=base.id_text(workflow.user_reference),
            definition_key=base.id_text(workflow.definition_key),
        )
        return Fetched(
            {"decision.type": details.decision.type if details.decision else None}, subject
        )
