"""A deployment's changes to the shipped outcome policy: the config file's ``[[policy]]`` tables.

Each entry sets what one value of one vendor field means, in every event that reads the field
or only in ``event``. What the names must be (a vendor, an event and a field its table knows) is
checked against the tables when a worker starts (workers/policies.py); here only the shape.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

import msgspec

# What a value may mean: an outcome, or nothing at all (said as a reason, deciding nothing).
Meaning = Literal["pass", "fail", "refer", "system_error", "pending", "ignore"]

_Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class PolicyOverride(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    vendor: _Text
    field: _Text
    value: _Text
    outcome: Meaning
    # Only this event (its word, as in routing keys); every event that reads the field if unset.
    event: _Text | None = None


def load(entries: object, where: str) -> tuple[tuple[PolicyOverride, ...], list[str]]:
    """The ``[[policy]]`` entries of the file at ``where``, and a problem for each bad one."""
    if not isinstance(entries, list):
        return (), [f"'policy' in {where}: expected [[policy]] tables, got {entries!r}"]
    overrides, problems = [], []
    for number, entry in enumerate(entries, start=1):
        try:
            overrides.append(msgspec.convert(entry, PolicyOverride))
        except msgspec.ValidationError as exc:
            problems.append(f"{describe(number, entry)} in {where}: {_reworded(str(exc))}")
    return tuple(overrides), problems


def describe(number: int, entry: object) -> str:
    """``[[policy]] 2 (metamap identityStatus = 'reviewNeeded')``: which entry, as an operator
    finds it in the file."""
    if not isinstance(entry, dict):
        return f"[[policy]] {number}"
    named = " ".join(str(entry[key]) for key in ("vendor", "event", "field") if entry.get(key))
    value = f" = {entry['value']!r}" if "value" in entry else ""
    return f"[[policy]] {number} ({named}{value})"


def _reworded(message: str) -> str:
    if "`$.outcome`" in message:
        return f"outcome must be one of {', '.join(get_args(Meaning))}"
    return (
        message.replace("Object", "the table")
        .replace(" - at `$.", " (key `")
        .replace("`$`", "the table")
    )
