"""Vendors' published sender addresses, by name, for a vendor's ``allow_from``.

Jumio signs no callback: it publishes the addresses its callbacks come from, per region, and asks
integrators to accept only those ("Allowlist the following IP addresses ... and use them to
verify that the callback originated from Jumio"). ``allow_from = ["jumio-emea-1"]`` names that
list; Jumio's pages are the source of truth, check them when Jumio announces a change.
"""

from __future__ import annotations

from collections.abc import Iterable

PUBLISHED: dict[str, tuple[str, ...]] = {
    # callback.amer-1.jumio.ai
    "jumio-amer-1": (
        "34.202.241.227",
        "34.226.103.119",
        "34.226.254.127",
        "52.8.136.236",
        "54.177.61.57",
        "54.183.15.212",
    ),
    # callback.emea-1.jumio.ai
    "jumio-emea-1": (
        "34.253.41.236",
        "35.157.27.193",
        "52.48.0.25",
        "52.57.194.92",
        "52.58.113.86",
        "52.209.180.134",
    ),
    # callback.apac-1.jumio.ai
    "jumio-apac-1": (
        "3.0.109.121",
        "52.76.184.73",
        "52.77.102.92",
        "13.238.100.17",
        "13.238.203.238",
        "52.64.132.26",
    ),
}


def expand(entries: Iterable[str]) -> tuple[str, ...]:
    """Each entry as addresses: a published list's name becomes its addresses."""
    return tuple(
        address for entry in entries for address in PUBLISHED.get(entry.strip().lower(), (entry,))
    )
