"""Where a webhook came from, and whether that address may send this vendor's webhooks.

The client is the TCP peer, unless the peer is one of the vendor's trusted proxies: then it is
the right-most address of ``X-Forwarded-For`` that is not itself a trusted proxy (addresses to
the left of it were written by the client and prove nothing).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(text: str | None) -> IPAddress | None:
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; allow-lists name them as IPv4.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class AddressPolicy:
    """One vendor's allow-list and trusted proxies, parsed once at start-up."""

    __slots__ = ("_allowed", "_proxies")

    def __init__(self, allow_from: Iterable[str], trusted_proxies: Iterable[str]) -> None:
        self._allowed = tuple(ipaddress.ip_network(cidr, strict=False) for cidr in allow_from)
        self._proxies = tuple(ipaddress.ip_network(cidr, strict=False) for cidr in trusted_proxies)

    @property
    def restricted(self) -> bool:
        return bool(self._allowed)

    def client(self, peer: str | None, forwarded_for: Iterable[str]) -> IPAddress | None:
        """The client's address; None when it cannot be told (refused if the list is in use)."""
        if not self._allowed and not self._proxies:
            return None  # nothing to decide: spare the parsing (the log shows the TCP peer)
        address = _address(peer)
        if address is None or not self._is_proxy(address):
            return address
        hops = [hop for header in forwarded_for for hop in header.split(",")]
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                return None  # a malformed hop: the chain cannot be trusted past it
            if not self._is_proxy(address):
                return address
        return address

    def allows(self, address: IPAddress | None) -> bool:
        if not self._allowed:
            return True
        return address is not None and any(address in network for network in self._allowed)

    def _is_proxy(self, address: IPAddress) -> bool:
        return any(address in network for network in self._proxies)
