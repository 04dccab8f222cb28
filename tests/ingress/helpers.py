"""Types and helpers of the ingress tests (the fixtures are in conftest.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import msgspec

from shared import messages, vendor_settings
from shared.settings import Settings
from tests.support import Client


class StartIngress(Protocol):
    def __call__(
        self, *, read_timeout: float = ..., **vendors: dict[str, Any]
    ) -> Awaitable[Client]:
        """An ingress whose vendors are configured as ``[vendor.<name>]`` TOML tables would be."""


def configured(config: Settings, **vendors: dict[str, Any]) -> Settings:
    tables = dict(config.vendor)
    for name, table in vendors.items():
        tables[name] = vendor_settings.load((name,), {name: table}, "test", {})[name]
    return msgspec.structs.replace(config, vendor=tables)


NothingPublished = Callable[[], Awaitable[None]]


class Accept(Protocol):
    def __call__(
        self, client: Client, vendor: str, headers: dict[str, str], body: bytes
    ) -> Awaitable[messages.Inbound]:
        """Posts the webhook, expects 202 (200 for a vendor that asks for it), and returns it as
        the broker received it."""
