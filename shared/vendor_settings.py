"""Per-vendor ingress settings: how a vendor's webhooks prove who sent them, from where they may
come, and how large they may be.

In the TOML file they are ``[vendor.<name>]`` tables (``[vendor.<name>.<method>]`` for a method's
own keys); in the environment every key is ``VERDICT_<NAME>_<KEY>`` or
``VERDICT_<NAME>_<METHOD>_<KEY>`` (upper case, ``-`` as ``_``; lists comma-separated), and a
credential may instead be read from a file: ``VERDICT_<NAME>_<METHOD>_<KEY>_FILE`` (or
``<key>_file`` in the TOML table), one credential per line. The environment wins over the file.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from shared import sender_addresses, vendor_api_settings

# ingress/auth.py takes the error from here, with the vendor settings.
from shared.config_errors import ConfigError as ConfigError  # noqa: PLC0414
from shared.config_errors import Given, Locate, check_each, close_match, leaves, unique
from shared.credentials import Credentials, Secret
from shared.vendor_api_settings import Api

Method = Literal[
    "none", "hmac", "hmac-timestamped", "basic", "bearer", "header", "standard-webhooks"
]
HashName = Literal["sha1", "sha256", "sha512"]
# An HTTP field name (RFC 9110 token).
HeaderName = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$",
        description="an HTTP header name (letters, digits and !#$%&'*+.^_`|~-, no spaces)",
    ),
]


class Hmac(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A signature of the body in one header; every listed secret is tried (rotation)."""

    header: HeaderName = "x-signature"
    algorithm: Literal["sha256", "sha512"] = "sha256"
    encoding: Literal["hex", "base64"] = "hex"
    prefix: str = ""  # such as "sha256=", stripped before decoding
    secrets: Credentials = ()
    # Also accept a signature over the compact JSON re-serialisation of the parsed body (what
    # MetaMap's own SDK signs), tried only when the raw body's signature does not match.
    compact_json: bool = False
    # A header naming each signature's algorithm (Sumsub's X-Payload-Digest-Alg: HMAC_SHA256_HEX
    # ...): then `algorithm` is not used, and a signature by an algorithm not in `algorithms` is
    # refused. SHA-1 only when listed here.
    algorithm_header: HeaderName | None = None
    algorithms: tuple[HashName, ...] = ("sha256", "sha512")


class HmacTimestamped(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``<header>: t=<unix>,v1=<hex HMAC-SHA256 of "{t}.{body}">`` (Persona), within a tolerance."""

    header: HeaderName = "persona-signature"
    secrets: Credentials = ()
    tolerance: Annotated[float, msgspec.Meta(gt=0)] = 300.0  # seconds, past and future


class Basic(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    user: str = ""
    passwords: Credentials = ()


class Bearer(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    tokens: Credentials = ()


class Header(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A static header the vendor sends, such as ``X-Webhook-Key: <value>``."""

    name: HeaderName | None = None
    values: Credentials = ()


class StandardWebhooks(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """https://www.standardwebhooks.com/: ``webhook-id``, ``-timestamp`` and ``-signature``."""

    secrets: Credentials = ()  # base64, with or without the "whsec_" prefix
    tolerance: Annotated[float, msgspec.Meta(gt=0)] = 300.0  # seconds, past and future


class Vendor(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # Nothing here means "not configured": the ingress then refuses to start rather than accept
    # anything. "none" must be chosen explicitly.
    auth: tuple[Method, ...] = ()
    # With several methods: must every one pass, or is any one enough (while moving between two)?
    require: Literal["all", "any"] = "all"
    allow_from: tuple[str, ...] = ()  # CIDRs; empty allows every address
    trusted_proxies: tuple[str, ...] = ()  # whose X-Forwarded-For is believed
    max_body_bytes: Annotated[int, msgspec.Meta(gt=0)] | None = None  # None: the global limit
    # The status of the answer once the broker holds the webhook: 202 (Accepted), or 200 for a
    # vendor that retries anything but "200 OK" (Veriff) or asks for it (Jumio).
    accepted_status: Literal[200, 202] = 202
    hmac: Hmac = msgspec.field(default_factory=Hmac)
    hmac_timestamped: HmacTimestamped = msgspec.field(
        default_factory=HmacTimestamped, name="hmac-timestamped"
    )
    basic: Basic = msgspec.field(default_factory=Basic)
    bearer: Bearer = msgspec.field(default_factory=Bearer)
    header: Header = msgspec.field(default_factory=Header)
    standard_webhooks: StandardWebhooks = msgspec.field(
        default_factory=StandardWebhooks, name="standard-webhooks"
    )
    # The worker's: the vendor's retrieval API (shared/vendor_api_settings.py).
    api: Api = msgspec.field(default_factory=Api)


# What a vendor documents about itself: MetaMap always signs its webhooks (it still needs the
# secret from its dashboard).
DEFAULTS: dict[str, dict[str, Any]] = {
    "metamap": {"auth": ["hmac"], "hmac": {"header": "x-signature", "compact_json": True}},
    # Onfido: X-SHA2-Signature, hex HMAC-SHA256 of the body with the webhook's token.
    "onfido": {"auth": ["hmac"], "hmac": {"header": "x-sha2-signature"}},
    # Veriff: X-HMAC-SIGNATURE, hex HMAC-SHA256 of the body with the shared secret; a webhook
    # not answered "200 OK" is sent again, hourly for a week.
    "veriff": {
        "auth": ["hmac"],
        "hmac": {"header": "x-hmac-signature"},
        "accepted_status": 200,
    },
    # Sumsub: X-Payload-Digest, hex HMAC by the algorithm X-Payload-Digest-Alg names.
    "sumsub": {
        "auth": ["hmac"],
        "hmac": {"header": "x-payload-digest", "algorithm_header": "x-payload-digest-alg"},
    },
    # Persona: Persona-Signature: t=...,v1=... over "{t}.{body}".
    "persona": {"auth": ["hmac-timestamped"]},
    # Jumio signs nothing: its integrator chooses none, basic or header, with allow_from set to
    # Jumio's published addresses for the region (jumio-amer-1, jumio-emea-1, jumio-apac-1).
    # Jumio asks for "200 OK".
    "jumio": {"accepted_status": 200},
}


def defaults(vendor: str) -> Vendor:
    return msgspec.convert(DEFAULTS.get(vendor, {}), Vendor)


def env_name(vendor: str, *keys: str) -> str:
    return "_".join(("VERDICT", vendor, *keys)).upper().replace("-", "_")


def file_key(vendor: str, *keys: str) -> str:
    return ".".join(("vendor", vendor, *keys))


def table_key(vendor: str, path: tuple[str, ...], config_file: str | None) -> str:
    """Where a vendor's key is in the TOML file: ``[vendor.w2.hmac] key 'secrets' in F.toml``."""
    place = f"[{'.'.join(('vendor', vendor, *path[:-1]))}] key {path[-1]!r}"
    return f"{place} in {config_file}" if config_file else place


def env_keys() -> set[str]:
    """What follows ``VERDICT_<NAME>_`` in the variables of a vendor's settings: ``AUTH``,
    ``HMAC_SECRETS``, ``HMAC_SECRETS_FILE``..."""
    keys = {"_".join(path).upper().replace("-", "_") for path in _LIST_KEYS}
    return keys | {"_".join(path).upper().replace("-", "_") + "_FILE" for path in _CREDENTIAL_KEYS}


def env_names(vendor: str) -> set[str]:
    """Every variable that sets one of the vendor's settings."""
    return {f"{env_name(vendor)}_{key}" for key in env_keys()}


def load(
    vendors: tuple[str, ...],
    table: Any,
    config_file: str | None,
    environ: Mapping[str, str],
) -> dict[str, Vendor]:
    """Every vendor's settings from the ``vendor`` table of the TOML file and the environment;
    ConfigError with every problem found, in every vendor."""
    if table is None:
        table = {}
    if not isinstance(table, dict):
        raise ConfigError(
            f"'vendor' in {config_file}: expected a table of vendor tables, such as [vendor.w2]"
        )
    problems = [
        f"[vendor.{name}] in {config_file}: not one of the vendors ({', '.join(vendors)}; they"
        f" are set by 'vendors' or VERDICT_VENDORS){close_match(name, vendors)}"
        for name in sorted(set(table) - set(vendors))
    ]
    loaded = {}
    for name in vendors:
        try:
            loaded[name] = _load_one(name, table.get(name), config_file, environ)
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)
    return loaded


def _load_one(
    vendor: str, table: Any, config_file: str | None, environ: Mapping[str, str]
) -> Vendor:
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"[vendor.{vendor}] in {config_file}: expected a table")
    values = _merge(DEFAULTS.get(vendor, {}), table or {})
    problems: list[str] = []
    from_environment: dict[tuple[str, ...], tuple[Given, str]] = {}  # and the variable's name
    for path in _LIST_KEYS:
        try:
            _take_file_variant(values, path, vendor, config_file)
            given = _from_env(environ, vendor, path)
        except ConfigError as exc:
            problems += exc.problems
            continue
        if given is not None:
            _set(values, path, given[0].value)
            from_environment[path] = given

    def locate(path: tuple[str, ...]) -> str:
        # A variable sets a whole value: a problem with a list's item is that variable's.
        for length in range(len(path), 0, -1):
            if path[:length] in from_environment:
                return from_environment[path[:length]][1]
        return table_key(vendor, path, config_file)

    given_values = [
        from_environment[item.path][0] if item.path in from_environment else _hidden(item)
        for item in leaves(Vendor, values)
    ]
    bad = check_each(Vendor, given_values, locate, dec_hook=_decode_secret)
    problems += unique(bad.values())
    # The good values alone are valid settings: checked together too, so that one bad value
    # hides no other problem.
    for path in bad:
        _delete(values, path)
    settings = msgspec.convert(values, Vendor, strict=False, dec_hook=_decode_secret)
    problems += _check(vendor, settings, locate)
    if problems:
        raise ConfigError(problems)
    return settings


def _hidden(item: Given) -> Given:
    """A credential is never repeated in an error."""
    return Given(item.path, item.value, None) if item.path in _CREDENTIAL_KEYS else item


def _fields(struct: type[msgspec.Struct]) -> Iterator[tuple[tuple[str, ...], bool]]:
    """Every leaf key of the settings as a path of encoded names, and whether it is a list."""
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    for field in info.fields:
        kind = field.type
        if isinstance(kind, msgspec.inspect.UnionType):  # "X | None"
            kind = next(t for t in kind.types if not isinstance(t, msgspec.inspect.NoneType))
        if isinstance(kind, msgspec.inspect.StructType):
            for path, is_list in _fields(kind.cls):
                yield (field.encode_name, *path), is_list
        else:
            yield (field.encode_name,), isinstance(kind, msgspec.inspect.VarTupleType)


_LIST_KEYS = {path: is_list for path, is_list in _fields(Vendor)}
_CREDENTIAL_KEYS = frozenset(
    path for path in _LIST_KEYS if path[-1] in {"secrets", "passwords", "tokens", "values", "key"}
)


def _from_env(
    environ: Mapping[str, str], vendor: str, path: tuple[str, ...]
) -> tuple[Given, str] | None:
    """The value of the variable for ``path`` (or of its ``_FILE`` variant), and its name."""
    name = env_name(vendor, *path)
    file_name = name + "_FILE"
    if path in _CREDENTIAL_KEYS and file_name in environ:
        if name in environ:
            raise ConfigError(f"{name} and {file_name} are both set: set one")
        credentials = _read_credentials(Path(environ[file_name]), file_name)
        return Given(path, credentials, None, from_variable=True), file_name
    if name not in environ:
        return None
    raw = environ[name]
    shown = None if path in _CREDENTIAL_KEYS else repr(raw)
    if _LIST_KEYS[path]:
        value: Any = [part.strip() for part in raw.split(",") if part.strip()]
    else:
        value = raw.strip()
    return Given(path, value, shown, from_variable=True), name


def _take_file_variant(
    values: dict[str, Any], path: tuple[str, ...], vendor: str, config_file: str | None
) -> None:
    """``secrets_file = "/run/secrets/x"`` in the TOML table: the credentials from that file."""
    if path not in _CREDENTIAL_KEYS:
        return
    file_path = (*path[:-1], path[-1] + "_file")
    location = _get(values, file_path)
    if location is None:
        return
    _delete(values, file_path)
    where = table_key(vendor, file_path, config_file)
    if _get(values, path) is not None:
        raise ConfigError(f"{where}: {path[-1]!r} is set too: set one")
    if not isinstance(location, str):
        raise ConfigError(f"{where}: expected a file path, got {location!r}")
    _set(values, path, _read_credentials(Path(location), where))


def _read_credentials(path: Path, key: str) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(f"{key}: cannot read {path}: {reason}") from None
    return [line.strip() for line in text.splitlines() if line.strip()]


def _decode_secret(kind: type, value: Any) -> Any:
    if kind is Secret:
        if isinstance(value, str) and value:
            return Secret(value)
        raise ValueError("Expected a non-empty string")  # the value itself is never repeated
    raise NotImplementedError


def _check(vendor: str, settings: Vendor, locate: Locate) -> list[str]:
    """What each value allows but the values together do not, or a CIDR that is not one."""
    problems = vendor_api_settings.problems(vendor, settings.api, locate)
    if "none" in settings.auth and len(settings.auth) > 1:
        problems.append(f"{locate(('auth',))}: 'none' cannot be combined with another method")
    if len(set(settings.auth)) != len(settings.auth):
        problems.append(f"{locate(('auth',))}: a method is listed twice")
    for key in ("allow_from", "trusted_proxies"):
        for cidr in sender_addresses.expand(getattr(settings, key)):
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                problems.append(
                    f"{locate((key,))}: expected IP addresses, CIDR networks or a vendor's "
                    f"published list ({', '.join(sender_addresses.PUBLISHED)}), got {cidr!r}"
                )
    return problems


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """A new nested dict: ``over`` on top of ``base``, neither of them changed."""
    merged = {
        key: _merge(value, {}) if isinstance(value, Mapping) else value
        for key, value in base.items()
    }
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _get(values: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(values, Mapping):
            return None
        values = values.get(key)
    return values


def _set(values: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        child = values.get(key)
        if not isinstance(child, dict):
            child = values[key] = {}
        values = child
    values[path[-1]] = value


def _delete(values: dict[str, Any], path: tuple[str, ...]) -> None:
    parent = _get(values, path[:-1])
    if isinstance(parent, dict):
        parent.pop(path[-1], None)
