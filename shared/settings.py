"""Settings: environment variables (``VERDICT_*``) over an optional TOML file, decoded with msgspec.

Bad values stop start-up with one :class:`ConfigError` listing every problem found, each naming
where it was set (a variable, or a key in the file) and what is allowed. A ``VERDICT_*`` variable
that no setting reads is warned about on stderr, with the closest known name.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from shared import environment_names, policy_settings, vendor_settings
from shared.addresses import address_problems

# One error for all settings (shared/config_errors.py); re-exported from here.
from shared.config_errors import ConfigError as ConfigError  # noqa: PLC0414
from shared.config_errors import Given, check_each, unique
from shared.policy_settings import PolicyOverride
from shared.vendor_settings import Vendor

ENV_PREFIX = "VERDICT_"

# Names end up in queue names, routing keys and URL paths: keep them to one routing-key word.
Name = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        max_length=64,
        description="a name of lower-case letters, digits, '_' and '-' (a letter or digit first,"
        " at most 64 characters)",
    ),
]
Port = Annotated[int, msgspec.Meta(ge=0, le=65535)]
Positive = Annotated[float, msgspec.Meta(gt=0)]
LogLevel = Literal["debug", "info", "warning", "error"]
# RabbitMQ's x-max-age: a whole number and a unit, years to seconds.
RetentionAge = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[1-9][0-9]*(Y|M|D|h|m|s)$",
        description="an age as RabbitMQ writes it: a number and Y, M, D, h, m or s (7D, 12h)",
    ),
]

DEFAULT_VENDORS = (
    "incode",
    "w2",
    "idwise",
    "metamap",
    "onfido",
    "veriff",
    "sumsub",
    "persona",
    "jumio",
)


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # One broker address, or several separated by commas (shared/addresses.py).
    amqp_url: str = "amqp://guest:guest@localhost:5672/"
    # Prefix of every exchange and queue name, so several pipelines (or test runs) share a broker.
    namespace: Name = "verdict"
    vendors: tuple[Name, ...] = DEFAULT_VENDORS
    http_host: str = "0.0.0.0"  # noqa: S104 - the ingress is meant to be reachable by vendors
    http_port: Port = 8080
    # W2 sends base64 document images inline: several MB per webhook is normal. 16 MiB is
    # RabbitMQ 4's own limit on a message (max_message_size): a larger body could never be stored
    # there. Raise both together (docs/operators.md).
    max_body_bytes: Annotated[int, msgspec.Meta(gt=0)] = 16 * 1024 * 1024
    publish_timeout: Positive = 5.0
    # Seconds a vendor is told to wait before retrying when the broker did not take a webhook.
    retry_after: Annotated[int, msgspec.Meta(ge=1)] = 5
    # Webhooks one ingress process handles at once (body read to confirm); past it, 503 at once.
    # Bounds both the latency of what is accepted and the memory held in bodies.
    max_in_flight: Annotated[int, msgspec.Meta(ge=1)] = 128
    # Bytes of webhooks one ingress process lets wait for the broker's socket (a slow or stalled
    # broker); past it, 503 at once. A webhook larger than this still goes when nothing waits.
    # The bodies waiting are held in memory: size it to the process's memory limit. 1 GiB lets
    # max_in_flight W2 webhooks of 5 MB wait for a busy but healthy broker without a refusal
    # (a refused webhook's body is still read, and its vendor sends it again).
    publish_buffer_bytes: Annotated[int, msgspec.Meta(gt=0)] = 1024 * 1024 * 1024
    # Messages a worker holds unacknowledged at once (AMQP prefetch, per vendor queue).
    prefetch: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 32
    # The worker's own small HTTP port for /healthz, /readyz and /metrics.
    worker_http_port: Port = 8081
    # How long a stopping process waits for its work in flight: the ingress for requests being
    # answered, the worker for messages being handled (the rest stay unacked for redelivery).
    drain_timeout: Positive = 20.0
    log_level: LogLevel = "info"
    # Seconds a client may take to send a webhook's body before it is cut off with a 408.
    read_timeout: Positive = 30.0
    # Keep every accepted webhook, and every outcome event, on a RabbitMQ stream
    # (<namespace>.archive) for `verdict reclassify` (docs/policy.md). Off by default: the bodies
    # hold personal data. Set it alike for the ingress and the workers.
    archive: bool = False
    # Retention: whichever is reached first removes the oldest (in whole segments of a tenth).
    archive_max_age: RetentionAge = "7D"
    archive_max_bytes: Annotated[int, msgspec.Meta(ge=1024 * 1024)] = 10 * 1024**3
    # Per vendor: authentication, allowed addresses, body limit (shared/vendor_settings.py).
    # ``load`` fills in every vendor; one missing here is treated as not configured.
    vendor: dict[str, Vendor] = msgspec.field(default_factory=dict)
    # Changes to the shipped outcome policy, in the file only (docs/policy.md).
    policy: tuple[PolicyOverride, ...] = ()

    def for_vendor(self, vendor: str) -> Vendor:
        return self.vendor.get(vendor) or vendor_settings.defaults(vendor)


Warn = Callable[[str], None]


def _warn_on_stderr(message: str) -> None:
    # Logging is configured from these very settings, later: a plain line, on stderr (stdout may
    # be a command's data).
    print(f"verdict: warning: {message}", file=sys.stderr)


def load(
    config_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    warn: Warn = _warn_on_stderr,
) -> Settings:
    """Settings from ``config_file`` (or ``VERDICT_CONFIG``), overridden by ``VERDICT_*``.

    Raises ConfigError with every problem found; ``warn`` is told of each unknown variable.
    """
    environ = os.environ if environ is None else environ
    config_file = config_file or environ.get(ENV_PREFIX + "CONFIG") or None
    file_values = _read_toml(Path(config_file)) if config_file is not None else {}
    vendor_table = file_values.pop("vendor", None)
    overrides, problems = policy_settings.load(file_values.pop("policy", []), str(config_file))
    given = {name: Given((name,), value, repr(value)) for name, value in file_values.items()}
    from_environment = {}
    for name in Settings.__struct_fields__:
        if name in _FILE_ONLY:
            continue
        variable = ENV_PREFIX + name.upper()
        if variable in environ:
            raw = environ[variable]
            given[name] = Given((name,), _from_env(name, raw), repr(raw), from_variable=True)
            from_environment[name] = variable

    def locate(path: tuple[str, ...]) -> str:
        return from_environment.get(path[0]) or f"{path[0]!r} in {config_file}"

    bad = check_each(Settings, given.values(), locate)
    problems += unique(bad.values())
    # The values that are good make the settings the rest is checked against: one bad value
    # hides no other problem.
    settings = msgspec.convert(
        {name: item.value for name, item in given.items() if (name,) not in bad},
        Settings,
        strict=False,
    )
    problems += [f"{locate(('amqp_url',))}: {p}" for p in address_problems(settings.amqp_url)]
    known = _known_variables(settings.vendors)
    vendor_keys = vendor_settings.env_keys()
    for message in environment_names.unknown(environ, known, settings.vendors, vendor_keys):
        warn(message)
    vendors: dict[str, Vendor] = {}
    if ("vendors",) not in bad:  # vendor tables checked against a list that is wrong would mislead
        try:
            vendors = vendor_settings.load(
                settings.vendors, vendor_table, str(config_file) if config_file else None, environ
            )
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)
    return msgspec.structs.replace(settings, vendor=vendors, policy=overrides)


# Settings no single variable sets: vendor tables come from VERDICT_<VENDOR>_... variables
# (vendor_settings.load), policy changes only from the file.
_FILE_ONLY = ("vendor", "policy")


def _known_variables(vendors: tuple[str, ...]) -> set[str]:
    names = {
        ENV_PREFIX + name.upper() for name in Settings.__struct_fields__ if name not in _FILE_ONLY
    }
    names.add(ENV_PREFIX + "CONFIG")
    for vendor in vendors:
        names |= vendor_settings.env_names(vendor)
    return names


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = msgspec.toml.decode(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except msgspec.DecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must be a TOML table")
    return data


def _from_env(name: str, raw: str) -> Any:
    if name == "vendors":
        return [part.strip() for part in raw.split(",") if part.strip()]
    if name == "log_level":
        return raw.strip().lower()
    if name == "archive":
        return {"true": True, "1": True, "false": False, "0": False}.get(raw.strip().lower(), raw)
    return raw.strip()
