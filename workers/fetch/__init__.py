"""The fetch stage: results a webhook only announces, fetched from the vendor's API.

Onfido's ``check.completed`` and ``report.completed`` without their resource, Jumio's PROCESSED
callback, Incode's ONBOARDING_FINISHED and MetaMap's ``verification_completed`` without a status
say that a result exists without carrying it (``Facts.fetch``). Where ``[vendor.<name>.api]``
has credentials, the worker fetches the result and its values are decided by the vendor's table
like the body's own; without them the event stays ``pending``, ``result_not_in_webhook``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import aiohttp

from shared import package
from shared.settings import Settings
from shared.vendor_api_settings import DEFAULT_BASE_URLS, Api
from workers.fetch.client import Protocol, VendorApi
from workers.fetch.incode import Incode
from workers.fetch.jumio import Jumio
from workers.fetch.metamap import MetaMap
from workers.fetch.onfido import Onfido

PROTOCOLS: Mapping[str, Callable[[str, Api], Protocol]] = {
    "onfido": Onfido,
    "jumio": Jumio,
    "incode": Incode,
    "metamap": MetaMap,
}


def _user_agent() -> str:
    # Jumio refuses requests without a meaningful User-Agent.
    version = package.version()
    return f"Verdict/{version}" if version else "Verdict"


class Fetchers:
    """The configured vendors' APIs, sharing one HTTP client; opened and closed with the worker."""

    def __init__(self, settings: Settings) -> None:
        self._apis = {
            vendor: settings.for_vendor(vendor).api
            for vendor in settings.vendors
            if vendor in PROTOCOLS and settings.for_vendor(vendor).api.enabled
        }
        self._session: aiohttp.ClientSession | None = None
        self.vendors: dict[str, VendorApi] = {}

    @property
    def enabled(self) -> list[str]:
        """The vendors whose announced results are fetched."""
        return list(self._apis)

    async def open(self) -> None:
        if not self._apis or self._session is not None:
            return
        self._session = aiohttp.ClientSession(
            headers={"User-Agent": _user_agent()},
            # Vendors' answers are not the place to keep cookies.
            cookie_jar=aiohttp.DummyCookieJar(),
            # Each vendor's concurrency bounds its connections; aiohttp's own pool of 100 must
            # not make one vendor's requests wait for another's (the wait counts as timeout).
            connector=aiohttp.TCPConnector(
                limit=sum(api.concurrency for api in self._apis.values())
            ),
            # An egress proxy (HTTPS_PROXY, NO_PROXY) is used as the environment says.
            trust_env=True,
        )
        for vendor, api in self._apis.items():
            base_url = api.base_url or DEFAULT_BASE_URLS[vendor]
            protocol = PROTOCOLS[vendor](base_url, api)
            self.vendors[vendor] = VendorApi(vendor, api, protocol, self._session)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        self.vendors.clear()
