"""A deployment's effective outcome policy: the shipped tables with its ``[[policy]]`` changes.

Built once when a worker (or ``verdict policy``) starts. A change that names a vendor, event or
field no table knows stops start-up with every such problem at once (a misspelt field would
otherwise change nothing, silently). The digest names the effective tables: it is logged at
start, exported as ``verdict_policy_info``, and carried by every outcome event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import msgspec

from shared.config_errors import ConfigError, close_match
from shared.policy_settings import Meaning, PolicyOverride, describe
from workers.vendors import EXTRACTORS, SHIPPED, policy
from workers.vendors.base import Classifier
from workers.vendors.policy import EventPolicy, FieldPolicy, Table, VendorPolicy

# (vendor, event or None for every event, the table's key for the field, value as it spells it)
Changed = tuple[str, str | None, str, str]


@dataclass(frozen=True)
class Effective:
    shipped: Mapping[str, VendorPolicy]
    tables: Mapping[str, VendorPolicy]
    # Each value a change set, as the effective table spells it.
    changed: frozenset[Changed]
    digest: str

    def classifiers(self) -> dict[str, Classifier]:
        return {
            vendor: policy.classifier(EXTRACTORS[vendor], Table(table))
            for vendor, table in self.tables.items()
        }

    def completers(self) -> dict[str, policy.Completer]:
        """Deciding bodies with their fetched results (workers/fetch/), by the same tables."""
        return {
            vendor: policy.completer(EXTRACTORS[vendor], Table(table))
            for vendor, table in self.tables.items()
        }


def effective(overrides: Sequence[PolicyOverride] = ()) -> Effective:
    """The shipped tables with ``overrides`` applied; ConfigError naming each bad entry."""
    tables = dict(SHIPPED)
    changed: set[Changed] = set()
    problems = []
    for number, override in enumerate(overrides, start=1):
        try:
            tables[override.vendor], rows = _apply(tables, override)
        except _Refused as refused:
            entry = msgspec.structs.asdict(override)
            problems.append(f"{describe(number, entry)}: {refused}")
            continue
        changed |= rows
    if problems:
        raise ConfigError(problems)
    return Effective(SHIPPED, tables, frozenset(changed), policy.digest(tables))


class _Refused(Exception):
    pass


def _apply(
    tables: Mapping[str, VendorPolicy], change: PolicyOverride
) -> tuple[VendorPolicy, set[Changed]]:
    """The vendor's table with ``change`` made, and what it changed as (vendor, event or None,
    table key, value) rows."""
    table = tables.get(change.vendor)
    if table is None:
        raise _Refused(_unknown("vendor", change.vendor, tables))
    if change.event is not None and change.event not in table.events:
        raise _Refused(_unknown(f"event of {change.vendor}", change.event, table.events))
    if "*" in change.value and change.outcome in ("pass", "fail"):
        raise _Refused("a pattern (a value with *) cannot mean pass or fail: name the value")
    events = [change.event] if change.event is not None else list(table.events)
    found = {(event, key) for event in events for key in _fields_named(table, event, change.field)}
    if not found:
        where = f"event {change.event}" if change.event else change.vendor
        known = {_name(table, key) for event in events for key in table.events[event].fields}
        raise _Refused(_unknown(f"field of {where}", change.field, known))
    fields, rows = dict(table.fields), set()
    for event, key in sorted(found):
        target = key
        if change.event is not None and "@" not in key:
            # Only this event: it reads the field under a key of its own (``K@event``), which
            # the evaluator reads as K.
            target = f"{key}@{event}"
            fields[target] = msgspec.structs.replace(fields[key], name=_name(table, key))
            rule = _renamed(table.events[event], key, target)
            table = msgspec.structs.replace(table, events={**table.events, event: rule})
        fields[target], spelled = _set(fields[target], change.value, change.outcome)
        rows.add((change.vendor, change.event, target.partition("@")[0], spelled))
    return msgspec.structs.replace(table, fields=fields), rows


def _set(field: FieldPolicy, value: str, outcome: Meaning) -> tuple[FieldPolicy, str]:
    """The field with ``value`` meaning ``outcome``: the table's own spelling of the value when it
    knows it (``REVIEW_NEEDED`` changes ``reviewNeeded``), else a new value."""
    found = policy.Values(field.values).find(value)
    spelled = found[0] if found is not None else value.strip()
    values = {**field.values, spelled: outcome}
    return msgspec.structs.replace(field, values=values), spelled


def _renamed(event: EventPolicy, old: str, new: str) -> EventPolicy:
    def swap(keys: Iterable[str]) -> tuple[str, ...]:
        return tuple(new if key == old else key for key in keys)

    # `agree` stays as it is: it names the fields by the key they are read under, which a
    # reading for one event (``key@event``) keeps.
    return msgspec.structs.replace(event, fields=swap(event.fields), required=swap(event.required))


def _fields_named(table: VendorPolicy, event: str, field: str) -> list[str]:
    """The keys of ``event``'s fields that read ``field``: by the vendor's name for it (every
    reading the table keeps apart), or by the table's own key (one of them)."""
    return [
        key
        for key in table.events[event].fields
        if field in (key, key.partition("@")[0], _name(table, key))
    ]


def _name(table: VendorPolicy, key: str) -> str:
    return table.fields[key].name or key


def _unknown(what: str, name: str, known: Iterable[str]) -> str:
    names = sorted(known)
    return f"no {what} {name!r}{close_match(name, names)}; known: {', '.join(names)}"
