"""What the ingress knows of each vendor's endpoint, prepared once when the app is made."""

from __future__ import annotations

from dataclasses import dataclass

from ingress import auth
from ingress.peer import AddressPolicy
from shared import sender_addresses
from shared.settings import ConfigError, Settings


@dataclass(frozen=True, slots=True)
class Endpoint:
    vendor: str
    auth: auth.Authenticator
    addresses: AddressPolicy
    max_body_bytes: int
    accepted_status: int


def endpoints(settings: Settings) -> dict[str, Endpoint]:
    """Every vendor's endpoint; ConfigError, naming every vendor whose authentication is missing
    or unusable, if any is.

    ``verdict ingress`` and ``verdict run`` call this before serving, so a misconfigured vendor
    stops start-up instead of leaving an endpoint that lets everyone in. All vendors are looked
    at before stopping: an operator fixes them in one go, not one run per vendor.
    """
    built = {}
    problems: list[str] = []
    for vendor in settings.vendors:
        config = settings.for_vendor(vendor)
        try:
            authenticator = auth.build(vendor, config)
        except ConfigError as exc:
            problems += exc.problems
            continue
        built[vendor] = Endpoint(
            vendor=vendor,
            auth=authenticator,
            addresses=AddressPolicy(
                sender_addresses.expand(config.allow_from), config.trusted_proxies
            ),
            max_body_bytes=config.max_body_bytes or settings.max_body_bytes,
            accepted_status=config.accepted_status,
        )
    if problems:
        raise ConfigError(problems)
    return built
