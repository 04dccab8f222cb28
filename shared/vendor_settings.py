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
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the key and the expected value."""


class Secret:
    """A credential. Its repr and str are redacted so that it cannot leak into a log or an error."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('<redacted>')"

    __str__ = __repr__


Method = Literal["none", "hmac", "basic", "bearer", "header", "standard-webhooks"]
# An HTTP field name (RFC 9110 token).
HeaderName = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")]
Credentials = tuple[Secret, ...]


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
    hmac: Hmac = msgspec.field(default_factory=Hmac)
    basic: Basic = msgspec.field(default_factory=Basic)
    bearer: Bearer = msgspec.field(default_factory=Bearer)
    header: Header = msgspec.field(default_factory=Header)
    standard_webhooks: StandardWebhooks = msgspec.field(
        default_factory=StandardWebhooks, name="standard-webhooks"
    )


# What a vendor documents about itself: MetaMap always signs its webhooks (it still needs the
# secret from its dashboard).
DEFAULTS: dict[str, dict[str, Any]] = {
    "metamap": {"auth": ["hmac"], "hmac": {"header": "x-signature", "compact_json": True}},
}


def defaults(vendor: str) -> Vendor:
    return msgspec.convert(DEFAULTS.get(vendor, {}), Vendor)


def env_name(vendor: str, *keys: str) -> str:
    return "_".join(("VERDICT", vendor, *keys)).upper().replace("-", "_")


def file_key(vendor: str, *keys: str) -> str:
    return ".".join(("vendor", vendor, *keys))


def load(
    vendors: tuple[str, ...],
    table: Any,
    config_file: str | None,
    environ: Mapping[str, str],
) -> dict[str, Vendor]:
    """Every vendor's settings from the ``vendor`` table of the TOML file and the environment."""
    if table is None:
        table = {}
    if not isinstance(table, dict):
        raise ConfigError(f"'vendor' in {config_file}: expected a table of vendor tables")
    unknown = sorted(set(table) - set(vendors))
    if unknown:
        raise ConfigError(
            f"'vendor.{unknown[0]}' in {config_file}: not one of the vendors {list(vendors)}"
        )
    return {name: _load_one(name, table.get(name), config_file, environ) for name in vendors}


def _load_one(
    vendor: str, table: Any, config_file: str | None, environ: Mapping[str, str]
) -> Vendor:
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"'vendor.{vendor}' in {config_file}: expected a table")
    values = _merge(DEFAULTS.get(vendor, {}), table or {})
    sources: dict[tuple[str, ...], str] = {}
    for path, _ in _fields(Vendor):
        where = f"{file_key(vendor, *path)!r} in {config_file}"
        _take_file_variant(values, path, vendor, where)
        if _get(values, path) is not None and table is not None and _get(table, path) is not None:
            sources[path] = where
        raw, name = _from_env(environ, vendor, path)
        if name is not None:
            _set(values, path, raw)
            sources[path] = name
    try:
        settings = msgspec.convert(values, Vendor, strict=False, dec_hook=_decode_secret)
    except msgspec.ValidationError as exc:
        raise ConfigError(_explain(str(exc), vendor, sources)) from None
    _check(vendor, settings, sources)
    return settings


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
    path for path in _LIST_KEYS if path[-1] in {"secrets", "passwords", "tokens", "values"}
)


def _from_env(
    environ: Mapping[str, str], vendor: str, path: tuple[str, ...]
) -> tuple[Any, str | None]:
    name = env_name(vendor, *path)
    file_name = name + "_FILE"
    if path in _CREDENTIAL_KEYS and file_name in environ:
        if name in environ:
            raise ConfigError(f"{name} and {file_name} are both set: set one")
        return _read_credentials(Path(environ[file_name]), file_name), file_name
    if name not in environ:
        return None, None
    raw = environ[name]
    if _LIST_KEYS[path]:
        return [part.strip() for part in raw.split(",") if part.strip()], name
    return raw.strip(), name


def _take_file_variant(
    values: dict[str, Any], path: tuple[str, ...], vendor: str, where: str
) -> None:
    """``secrets_file = "/run/secrets/x"`` in the TOML table: the credentials from that file."""
    if path not in _CREDENTIAL_KEYS:
        return
    file_path = (*path[:-1], path[-1] + "_file")
    location = _get(values, file_path)
    if location is None:
        return
    _delete(values, file_path)
    if _get(values, path) is not None:
        raise ConfigError(f"{where} and {file_key(vendor, *file_path)!r} are both set: set one")
    if not isinstance(location, str):
        raise ConfigError(f"{file_key(vendor, *file_path)!r}: expected a file path")
    _set(values, path, _read_credentials(Path(location), file_key(vendor, *file_path)))


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


def _check(vendor: str, settings: Vendor, sources: Mapping[tuple[str, ...], str]) -> None:
    def where(*path: str) -> str:
        return sources.get(path, file_key(vendor, *path))

    if "none" in settings.auth and len(settings.auth) > 1:
        raise ConfigError(f"{where('auth')}: 'none' cannot be combined with another method")
    if len(set(settings.auth)) != len(settings.auth):
        raise ConfigError(f"{where('auth')}: a method is listed twice")
    for key in ("allow_from", "trusted_proxies"):
        for cidr in getattr(settings, key):
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise ConfigError(
                    f"{where(key)}: {cidr!r} is not an IP address or CIDR network"
                ) from None


_PATH_IN_ERROR = re.compile(r" - at `\$((?:\.[A-Za-z0-9_-]+)*)")


def _explain(error: str, vendor: str, sources: Mapping[tuple[str, ...], str]) -> str:
    match = _PATH_IN_ERROR.search(error)
    if match is None:
        return f"{file_key(vendor)}: {error}"
    full = tuple(match.group(1).split(".")[1:])
    path = full
    while path and path not in sources:  # a value inside a list or table set as a whole
        path = path[:-1]
    where = sources.get(path, file_key(vendor, *full))
    return f"{where}: {error[: match.start()]}"


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
