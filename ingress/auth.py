"""Who may post a vendor's webhooks: one :class:`Authenticator` per vendor, built at start-up
from its settings, with every key and expected credential prepared once.

Methods that look at headers only (basic, bearer, header) are checked before the body is read,
so a caller without credentials never gets to send one; signatures need the body.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Iterable, Sequence
from typing import Protocol

from ingress.body import Body
from ingress.signatures import (
    Headers,
    HmacSignature,
    StandardWebhooksSignature,
    TimestampedSignature,
)
from shared.credentials import Secret
from shared.vendor_settings import ConfigError, Vendor, env_name, file_key


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


class Check(Protocol):
    @property
    def needs_body(self) -> bool: ...

    @property
    def challenge(self) -> str | None:
        """The ``WWW-Authenticate`` challenge of this method, if it has one."""

    @property
    def credential_headers(self) -> frozenset[str]:
        """Lower-case names of the headers carrying its credentials (never forwarded)."""

    def verify(self, headers: Headers, body: Body) -> bool: ...


class _AuthorizationCheck:
    """``Authorization: <scheme> <credentials>``, credentials compared in constant time."""

    needs_body = False
    credential_headers = frozenset({"authorization"})

    def __init__(self, scheme: str, expected: Iterable[bytes]) -> None:
        self._scheme = scheme.lower()
        self._expected = tuple(expected)
        self.challenge = f'{scheme} realm="verdict"'

    def verify(self, headers: Headers, body: Body) -> bool:
        scheme, _, credentials = headers.get("Authorization", "").partition(" ")
        if scheme.lower() != self._scheme:
            return False
        given = _bytes(credentials.strip())
        matched = False
        for expected in self._expected:
            matched |= hmac.compare_digest(expected, given)
        return matched


class HeaderCheck:
    """A static header and value the vendor sends with every webhook."""

    needs_body = False
    challenge = None

    def __init__(self, name: str, values: Iterable[bytes]) -> None:
        self._name = name
        self._values = tuple(values)
        self.credential_headers = frozenset({name.lower()})

    def verify(self, headers: Headers, body: Body) -> bool:
        value = headers.get(self._name)
        if value is None:
            return False
        given = _bytes(value)
        matched = False
        for expected in self._values:
            matched |= hmac.compare_digest(expected, given)
        return matched


def basic(user: str, passwords: Iterable[bytes]) -> Check:
    return _AuthorizationCheck(
        "Basic",
        (base64.b64encode(_bytes(user) + b":" + password) for password in passwords),
    )


def bearer(tokens: Iterable[bytes]) -> Check:
    return _AuthorizationCheck("Bearer", tokens)


class Authenticator:
    """A vendor's methods, all of which (or any one of which) a request must pass."""

    __slots__ = (
        "_after_body",
        "_before_body",
        "_require_all",
        "challenge",
        "credential_headers",
        "methods",
    )

    def __init__(self, methods: Sequence[str], checks: Sequence[Check], require_all: bool) -> None:
        self.methods = tuple(methods)
        self._before_body = tuple(check for check in checks if not check.needs_body)
        self._after_body = tuple(check for check in checks if check.needs_body)
        self._require_all = require_all
        challenges = [check.challenge for check in checks if check.challenge]
        self.challenge = ", ".join(challenges) or None
        self.credential_headers = frozenset(
            name for check in checks for name in check.credential_headers
        )

    @property
    def disabled(self) -> bool:
        return self.methods == ("none",)

    def before_body(self, headers: Headers) -> bool | None:
        """True: let in; False: refuse; None: it depends on the body."""
        if self._require_all:
            if not all(check.verify(headers, b"") for check in self._before_body):
                return False
            return None if self._after_body else True
        if any(check.verify(headers, b"") for check in self._before_body):
            return True
        return None if self._after_body else not self._before_body

    def after_body(self, headers: Headers, body: Body) -> bool:
        if self._require_all:
            return all(check.verify(headers, body) for check in self._after_body)
        return any(check.verify(headers, body) for check in self._after_body)


def build(vendor: str, settings: Vendor) -> Authenticator:
    """The vendor's authenticator; ConfigError names what is missing and where to set it."""
    if not settings.auth:
        raise ConfigError(
            f"vendor {vendor!r} has no authentication configured: set its methods with "
            f"auth = [...] in [vendor.{vendor}] of the config file, or {env_name(vendor, 'auth')}"
            " (hmac, hmac-timestamped, basic, bearer, header, standard-webhooks; or none, to accept"
            " unauthenticated"
            " webhooks). See docs/integrators.md."
        )
    checks = [_check(vendor, settings, method) for method in settings.auth if method != "none"]
    return Authenticator(settings.auth, checks, require_all=settings.require == "all")


def _check(vendor: str, settings: Vendor, method: str) -> Check:
    if method == "hmac":
        signed = settings.hmac
        return HmacSignature(
            header=signed.header,
            algorithm=signed.algorithm,
            encoding=signed.encoding,
            prefix=signed.prefix,
            secrets=_required(vendor, "hmac", "secrets", signed.secrets),
            compact_json=signed.compact_json,
            algorithm_header=signed.algorithm_header,
            algorithms=signed.algorithms,
        )
    if method == "hmac-timestamped":
        stamped = settings.hmac_timestamped
        return TimestampedSignature(
            header=stamped.header,
            secrets=_required(vendor, "hmac-timestamped", "secrets", stamped.secrets),
            tolerance=stamped.tolerance,
        )
    if method == "basic":
        if not settings.basic.user:
            raise _missing(vendor, "basic", "user", "a user name")
        passwords = _required(vendor, "basic", "passwords", settings.basic.passwords)
        return basic(settings.basic.user, passwords)
    if method == "bearer":
        return bearer(_required(vendor, "bearer", "tokens", settings.bearer.tokens))
    if method == "header":
        if settings.header.name is None:
            raise _missing(vendor, "header", "name", "the header's name")
        return HeaderCheck(
            settings.header.name, _required(vendor, "header", "values", settings.header.values)
        )
    if method == "standard-webhooks":
        config = settings.standard_webhooks
        keys = [
            StandardWebhooksSignature.decode_secret(secret.reveal())
            for secret in _required_secrets(vendor, "standard-webhooks", "secrets", config.secrets)
        ]
        if any(key is None for key in keys):
            raise ConfigError(
                f"vendor {vendor!r}: {_where(vendor, 'standard-webhooks', 'secrets')}: a secret is"
                " not base64 (with or without the whsec_ prefix)"
            )
        return StandardWebhooksSignature(
            secrets=[key for key in keys if key is not None], tolerance=config.tolerance
        )
    raise AssertionError(f"unknown method {method!r}")  # the settings' Literal forbids it


def _where(vendor: str, table: str, key: str) -> str:
    return f"{env_name(vendor, table, key)} or {file_key(vendor, table, key)!r}"


def _missing(vendor: str, table: str, key: str, what: str) -> ConfigError:
    return ConfigError(
        f"vendor {vendor!r}: {table} needs {what}: set {env_name(vendor, table, key)} or "
        f"{key} in [vendor.{vendor}.{table}] of the config file. See docs/integrators.md."
    )


def _required_secrets(
    vendor: str, table: str, key: str, secrets: Sequence[Secret]
) -> Sequence[Secret]:
    if not secrets:
        raise ConfigError(
            f"vendor {vendor!r}: {table} needs at least one credential: set "
            f"{env_name(vendor, table, key)} (comma-separated), "
            f"{env_name(vendor, table, key)}_FILE (a file, one per line), or {key} in "
            f"[vendor.{vendor}.{table}] of the config file. See docs/integrators.md."
        )
    return secrets


def _required(vendor: str, table: str, key: str, secrets: Sequence[Secret]) -> list[bytes]:
    return [_bytes(secret.reveal()) for secret in _required_secrets(vendor, table, key, secrets)]
