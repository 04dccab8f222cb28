"""A vendor's retrieval API: what the worker needs to fetch a result the webhook only announces
(workers/fetch/, docs/integrators.md).

In the TOML file it is ``[vendor.<name>.api]``; in the environment ``VERDICT_<NAME>_API_<KEY>``,
and each credential may be read from a file, ``VERDICT_<NAME>_API_<KEY>_FILE`` (``<key>_file``
in the table). Without credentials the stage is off for that vendor: such events stay
``pending`` with ``result_not_in_webhook``.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
import yarl

from shared.config_errors import Locate
from shared.credentials import Credentials

# The vendors whose notification-only events the worker can complete, and the retrieval API's
# documented address where the vendor has one default (Onfido: its EU region; MetaMap: its
# production API). Jumio's and Incode's depend on the account's region: no default.
FETCHABLE = ("onfido", "jumio", "incode", "metamap")
DEFAULT_BASE_URLS = {
    "onfido": "https://api.eu.onfido.com",
    "metamap": "https://api.prod.metamap.com",
}


class Api(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # The API's address, without the version path (https://api.us.onfido.com,
    # https://retrieval.emea-1.jumio.ai, https://saas-api.incodesmile.com).
    base_url: str | None = None
    # Where OAuth2 tokens come from, when not the vendor's documented place beside base_url.
    token_url: str | None = None
    # Jumio, MetaMap: the OAuth2 client id; Incode: the executive user's email.
    client_id: str = ""
    # Onfido: the API token; Jumio, MetaMap: the OAuth2 client secret; Incode: the executive
    # user's password. The first is used.
    secrets: Credentials = ()
    # Incode: the API key (x-api-key).
    key: Credentials = ()
    timeout: Annotated[float, msgspec.Meta(gt=0)] = 10.0  # seconds for one request, all of it
    concurrency: Annotated[int, msgspec.Meta(gt=0)] = 8  # requests at once, per worker
    rate_limit: Annotated[float, msgspec.Meta(gt=0)] | None = None  # requests a second, per worker

    @property
    def enabled(self) -> bool:
        return bool(self.secrets)


def problems(vendor: str, api: Api, locate: Locate) -> list[str]:
    """What the keys allow one by one but not together; ``locate(path)`` names a key."""
    found: list[str] = []
    if not api.enabled:
        given = [key for key in ("base_url", "token_url", "client_id", "key") if getattr(api, key)]
        if given:
            # Fetching is off without secrets: keys set without them would be ignored silently.
            secrets = f"VERDICT_{vendor.upper().replace('-', '_')}_API_SECRETS"
            found.append(
                f"{locate(('api', given[0]))}: set without the API's secrets ('secrets' in"
                f" [vendor.{vendor}.api], or {secrets}), so nothing would be fetched: set them"
                f" too, or remove {', '.join(given)}"
            )
        return found
    if vendor not in FETCHABLE:
        found.append(
            f"{locate(('api', 'secrets'))}: Verdict fetches results only from "
            f"{', '.join(FETCHABLE)}; {vendor}'s webhooks carry theirs"
        )
        return found
    base_url = api.base_url or DEFAULT_BASE_URLS.get(vendor)
    if base_url is None:
        found.append(f"{locate(('api', 'base_url'))}: needed with credentials for {vendor}")
    for key, url in (("base_url", base_url), ("token_url", api.token_url)):
        if url is not None and not _http_url(url):
            found.append(
                f"{locate(('api', key))}: expected an http:// or https:// URL with a host and no"
                " user, password, query or fragment"
            )
    for key in ("secrets", "key"):
        if len(getattr(api, key)) > 1:
            found.append(
                f"{locate(('api', key))}: one credential, not {len(getattr(api, key))} (an API"
                " credential is not rotated here: change it, then restart the workers)"
            )
    if vendor in ("jumio", "metamap", "incode") and not api.client_id:
        what = "the executive user's email" if vendor == "incode" else "the OAuth2 client id"
        found.append(f"{locate(('api', 'client_id'))}: needed with secrets ({what})")
    if vendor == "incode" and not api.key:
        found.append(f"{locate(('api', 'key'))}: needed with secrets (Incode's API key)")
    return found


def _http_url(text: str) -> bool:
    try:
        url = yarl.URL(text)
    except ValueError:
        return False
    # Credentials go in headers; a query or fragment would be cut off by the API's paths.
    plain = not (url.user or url.password or url.query_string or url.fragment)
    return url.scheme in ("http", "https") and bool(url.host) and plain
