"""metamap webhooks: decoded and classified by ../shared/docs/outcomes.md."""

from __future__ import annotations

from collections.abc import Mapping

from workers.vendors.base import Classification, Undecodable


def classify(body: bytes, headers: Mapping[str, str]) -> Classification:
    raise Undecodable("the metamap adapter is not written yet")
