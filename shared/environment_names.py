"""``VERDICT_*`` variables no setting reads: a misspelled name would otherwise be ignored silently,
and the setting it meant left at its default."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Sequence, Set

PREFIX = "VERDICT_"

# Read by others, in the same shell or .env file as Verdict's own: deploy/compose.yaml's host
# ports and published address.
ELSEWHERE = frozenset(
    {
        "VERDICT_PUBLISH_ADDRESS",
        "VERDICT_AMQP_HOST_PORT",
        "VERDICT_HTTP_HOST_PORT",
        "VERDICT_MANAGEMENT_HOST_PORT",
    }
)
# The test suite's (tests/conftest.py, tests/stack, tests/faults) and the benchmark's (bench/).
OTHER_PREFIXES = ("VERDICT_TEST_", "VERDICT_BENCH_")


def unknown(
    names: Iterable[str], known: Collection[str], vendors: Sequence[str], vendor_keys: Set[str]
) -> list[str]:
    """A warning for each ``VERDICT_*`` name in ``names`` that is not ``known`` nor another
    tool's: one of a vendor not among ``vendors`` (it ends with one of ``vendor_keys``) says so,
    any other names the closest known name."""
    warnings = []
    for name in sorted(names):
        if not name.startswith(PREFIX) or name in known or name in ELSEWHERE:
            continue
        if name.startswith(OTHER_PREFIXES):
            continue
        vendor = _vendor_of(name, vendor_keys)
        if vendor is not None:
            warnings.append(
                f"{name} is ignored: it is a setting of vendor {vendor!r}, which is not one of"
                f" the vendors ({', '.join(vendors)}; set by VERDICT_VENDORS or 'vendors')"
                + _did_you_mean(vendor, vendors)
            )
            continue
        # Compared without the prefix, which every name shares and which would make any two
        # names look alike.
        matches = difflib.get_close_matches(
            name.removeprefix(PREFIX), [k.removeprefix(PREFIX) for k in known], n=1, cutoff=0.7
        )
        hint = f"did you mean {PREFIX}{matches[0]}?" if matches else "see the settings in README.md"
        warnings.append(f"{name} is not a setting Verdict reads, and is ignored: {hint}")
    return warnings


def _vendor_of(name: str, vendor_keys: Set[str]) -> str | None:
    """``acme`` for ``VERDICT_ACME_AUTH``: the vendor a per-vendor variable is for (the longest
    key that fits, so that ``..._SECRETS_FILE`` is not read as vendor ``..._SECRETS``)."""
    rest = name.removeprefix(PREFIX)
    for key in sorted(vendor_keys, key=len, reverse=True):
        if rest.endswith("_" + key) and len(rest) > len(key) + 1:
            return rest[: -len(key) - 1].lower()
    return None


def _did_you_mean(vendor: str, vendors: Sequence[str]) -> str:
    # Variables spell a vendor's name in upper case with "_" for "-".
    spelled = {name.upper().replace("-", "_"): name for name in vendors}
    matches = difflib.get_close_matches(vendor.upper(), list(spelled), n=1, cutoff=0.7)
    return f"; did you mean {spelled[matches[0]]!r}?" if matches else ""
