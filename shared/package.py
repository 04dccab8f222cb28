"""The installed package's own facts."""

from __future__ import annotations

import importlib.metadata


def version() -> str | None:
    """Verdict's version, or None when it runs without package metadata (not installed)."""
    try:
        return importlib.metadata.version("verdict")
    except importlib.metadata.PackageNotFoundError:
        return None
