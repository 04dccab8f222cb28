"""Settings that point each vendor's API at the fake vendor servers (tests/fakes/)."""

from __future__ import annotations

from typing import Any

import msgspec

from shared.credentials import Secret
from shared.vendor_api_settings import Api
from tests.fakes import vendor_apis as fake_apis
from tests.fakes.vendor_apis import FakeVendorApis

CREDENTIALS: dict[str, dict[str, Any]] = {
    "onfido": {"secrets": (Secret(fake_apis.ONFIDO_TOKEN),)},
    "jumio": {
        "client_id": fake_apis.JUMIO_CLIENT_ID,
        "secrets": (Secret(fake_apis.JUMIO_CLIENT_SECRET),),
    },
    "incode": {
        "client_id": fake_apis.INCODE_EMAIL,
        "secrets": (Secret(fake_apis.INCODE_PASSWORD),),
        "key": (Secret(fake_apis.INCODE_API_KEY),),
    },
    "metamap": {
        "client_id": fake_apis.METAMAP_CLIENT_ID,
        "secrets": (Secret(fake_apis.METAMAP_CLIENT_SECRET),),
    },
}


def api(fake: FakeVendorApis, vendor: str, **changes: Any) -> Api:
    """The vendor's API at the fake, with its credentials (``changes`` on top)."""
    return Api(base_url=fake.base_url(vendor), **{**CREDENTIALS[vendor], "timeout": 2.0, **changes})


def with_api(vendor_settings: Any, api_settings: Api) -> Any:
    return msgspec.structs.replace(vendor_settings, api=api_settings)
