"""What the ingress knows of each vendor's endpoint, prepared once when the app is made."""

from __future__ import annotations

from dataclasses import dataclass

from ingress import auth
from ingress.peer import AddressPolicy
from shared.settings import Settings


@dataclass(frozen=True, slots=True)
class Endpoint:
    vendor: str
    auth: auth.Authenticator
    addresses: AddressPolicy
    max_body_bytes: int


def endpoints(settings: Settings) -> dict[str, Endpoint]:
    """Every vendor's endpoint; ConfigError if a vendor's authentication is missing or unusable.

    ``verdict ingress`` and ``verdict run`` call this before serving, so a misconfigured vendor
    stops start-up instead of leaving an endpoint that lets everyone in.
    """
    built = {}
    for vendor in settings.vendors:
        config = settings.for_vendor(vendor)
        built[vendor] = Endpoint(
            vendor=vendor,
            auth=auth.build(vendor, config),
            addresses=AddressPolicy(config.allow_from, config.trusted_proxies),
            max_body_bytes=config.max_body_bytes or settings.max_body_bytes,
        )
    return built
