"""Reading deploy/ for the tests, and what the code says the manifests must agree with."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from shared import settings, vendor_settings
from shared.metrics import REGISTRY
from verdict.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes" / "base"
DEFAULTS = settings.Settings()

# ${NAME:-default} in a compose file.
_INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+):-([^}]*)\}")


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def load_yaml_all(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def load_json(path: Path) -> Any:
    return json.loads(path.read_text())


def manifests() -> list[Path]:
    return sorted(
        path
        for path in DEPLOY.rglob("*")
        if path.is_file() and path.suffix in {".yaml", ".yml", ".json"}
    )


def is_subcommand(argv: list[str]) -> bool:
    """True when ``verdict <argv...> --help`` is accepted by the real CLI parser."""
    with (
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        try:
            main([*argv, "--help"])
        except SystemExit as exc:
            return exc.code == 0
    return False


def known_env_name(name: str, vendors: Iterable[str] = DEFAULTS.vendors) -> bool:
    """A VERDICT_ variable the settings read: a Settings field, or a vendor's own settings."""
    fields = {settings.ENV_PREFIX + field.upper() for field in settings.Settings.__struct_fields__}
    vendor_prefixes = tuple(vendor_settings.env_name(vendor) + "_" for vendor in vendors)
    return name in fields or name.startswith(vendor_prefixes)


def resolve(value: str) -> str:
    """A compose value with ``${NAME:-default}`` replaced by its default."""
    return _INTERPOLATION.sub(lambda match: match.group(2), value)


def load_settings(environ: Mapping[str, str]) -> settings.Settings:
    return settings.load(None, environ)


def metric_sample_names() -> set[str]:
    """Every series name the registry can export (``_total``, ``_bucket``, ... included)."""
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.add(family.name)
        if family.type == "counter":
            names.add(family.name + "_total")
        elif family.type == "histogram":
            names.update(family.name + suffix for suffix in ("_bucket", "_sum", "_count"))
    return names


_METRIC = re.compile(r"\b(verdict_[a-z0-9_]+)")


def verdict_metrics_in(text: str) -> set[str]:
    return set(_METRIC.findall(text))


def walk(value: Any) -> Iterator[Any]:
    """Every value nested in ``value`` (dicts and lists), ``value`` first."""
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)
