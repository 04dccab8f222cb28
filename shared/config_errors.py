"""Configuration problems: every one found in a run, each naming where the value was set and what
is allowed.

msgspec stops decoding at the first error, and an operator would then need one run per mistake.
So each value is first checked on its own against the settings' type (every field has a default:
a struct given that one value is valid unless the value is not), and what msgspec found is said
again in the settings' own words: ``expected an integer 0-65535, got 'abc'``.
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec


class ConfigError(Exception):
    """One or more settings are missing or malformed. Each problem names where it was set and
    what is expected; str() is all of them, one per line, so a caller prints it as it is."""

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems: tuple[str, ...] = (problems,) if isinstance(problems, str) else (*problems,)
        super().__init__(*self.problems)

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return self.problems[0]
        lines = "".join(f"\n  {problem}" for problem in self.problems)
        return f"{len(self.problems)} problems:{lines}"


@dataclass(frozen=True, slots=True)
class Given:
    """One value as the operator gave it: where it goes in the settings, the value decoded from
    the file or the variable, and how to show it in an error (None: a credential, never shown)."""

    path: tuple[str, ...]
    value: Any
    shown: str | None
    from_variable: bool = False  # a list is then written comma-separated


# Where a path of the settings was set: a variable's name, or a key in a file.
Locate = Callable[[tuple[str, ...]], str]


def check_each(
    struct: type[msgspec.Struct],
    given: Iterable[Given],
    locate: Locate,
    dec_hook: Callable[[type, Any], Any] | None = None,
) -> dict[tuple[str, ...], str]:
    """The problem with each value of ``given`` that ``struct`` does not take, by its path."""
    problems: dict[tuple[str, ...], str] = {}
    for item in given:
        try:
            msgspec.convert(_nested(item.path, item.value), struct, strict=False, dec_hook=dec_hook)
        except msgspec.ValidationError as exc:
            problems[item.path] = _explain(struct, item, str(exc), locate)
    return problems


def leaves(struct: type[msgspec.Struct], values: Mapping[str, Any]) -> Iterator[Given]:
    """Each value in ``values`` (a file's nested tables) that is one setting, shown as given."""
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    yield from _leaves(info, values, ())


def _leaves(
    table: msgspec.inspect.StructType, values: Mapping[str, Any], path: tuple[str, ...]
) -> Iterator[Given]:
    for key, value in values.items():
        kind = next((field.type for field in table.fields if field.encode_name == key), None)
        inner = _as_struct(kind)
        if inner is not None and isinstance(value, Mapping):
            yield from _leaves(inner, value, (*path, key))
        else:
            yield Given((*path, key), value, repr(value))


def unique(problems: Iterable[str]) -> list[str]:
    """Each problem once, in order (several values under one misspelled table give one)."""
    return list(dict.fromkeys(problems))


def close_match(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or nothing."""
    matches = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def describe(
    kind: msgspec.inspect.Type,
    *,
    from_variable: bool = False,
    orders: Mapping[frozenset[Any], tuple[Any, ...]] | None = None,
) -> str:
    """What a value of this type may be, as an operator would say it. ``orders``: each Literal's
    values as declared (msgspec sorts them; debug, info, warning, error reads better)."""
    if isinstance(kind, msgspec.inspect.Metadata):
        description = (kind.extra_json_schema or {}).get("description")
        if description:
            return str(description)
        return describe(kind.type, from_variable=from_variable, orders=orders)
    if isinstance(kind, msgspec.inspect.UnionType):  # "X | None": None means the default
        return " or ".join(
            describe(t, from_variable=from_variable, orders=orders)
            for t in kind.types
            if not isinstance(t, msgspec.inspect.NoneType)
        )
    if isinstance(kind, msgspec.inspect.IntType):
        return "an integer" + _bounds(kind)
    if isinstance(kind, msgspec.inspect.FloatType):
        return "a number" + _bounds(kind)
    if isinstance(kind, msgspec.inspect.LiteralType):
        values = (orders or {}).get(frozenset(kind.values), kind.values)
        return "one of: " + ", ".join(str(value) for value in values)
    if isinstance(kind, msgspec.inspect.BoolType):
        return "true or false"
    if isinstance(kind, msgspec.inspect.StrType):
        return "a string" + (f" matching {kind.pattern}" if kind.pattern else "")
    if isinstance(kind, msgspec.inspect.VarTupleType | msgspec.inspect.ListType):
        each = describe(kind.item_type, orders=orders)
        return f"{'comma-separated values' if from_variable else 'a list'}, each {each}"
    if isinstance(kind, msgspec.inspect.StructType | msgspec.inspect.DictType):
        return "a table"
    if isinstance(kind, msgspec.inspect.CustomType):
        return "a non-empty string"
    return "another value"


def literal_orders(struct: type[msgspec.Struct]) -> dict[frozenset[Any], tuple[Any, ...]]:
    """Every Literal in ``struct`` and the structs in it, with its values in declared order."""
    orders: dict[frozenset[Any], tuple[Any, ...]] = {}
    seen: set[type] = set()

    def visit(hint: Any) -> None:
        if typing.get_origin(hint) is typing.Literal:
            orders[frozenset(typing.get_args(hint))] = typing.get_args(hint)
        for inner in typing.get_args(hint):
            visit(inner)
        if isinstance(hint, type) and issubclass(hint, msgspec.Struct) and hint not in seen:
            seen.add(hint)
            for field_hint in typing.get_type_hints(hint, include_extras=True).values():
                visit(field_hint)

    visit(struct)
    return orders


def _bounds(kind: msgspec.inspect.IntType | msgspec.inspect.FloatType) -> str:
    if kind.ge is not None and kind.le is not None:
        return f" {kind.ge}-{kind.le}"
    parts = [
        f"{sign} {bound}"
        for sign, bound in ((">=", kind.ge), (">", kind.gt), ("<=", kind.le), ("<", kind.lt))
        if bound is not None
    ]
    return (" " + " and ".join(parts)) if parts else ""


def _nested(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    for key in reversed(path[1:]):
        value = {key: value}
    return {path[0]: value}


# msgspec ends an error with where it was: " - at `$.hmac.secrets[0]`".
_AT = re.compile(r" - at `\$((?:\.[A-Za-z0-9_-]+|\[\d+\])*)`$")
_UNKNOWN_FIELD = re.compile(r"^Object contains unknown field `([^`]*)`")


def _explain(struct: type[msgspec.Struct], item: Given, error: str, locate: Locate) -> str:
    match = _AT.search(error)
    unknown = _UNKNOWN_FIELD.match(error)
    if match is not None:
        path = tuple(re.findall(r"\.([A-Za-z0-9_-]+)", match.group(1)))
    else:  # msgspec names no place for the top level
        path = () if unknown is not None else item.path
    if unknown is not None:
        table = _struct_at(struct, path)
        known = [field.encode_name for field in table.fields] if table else []
        return (
            f"{locate((*path, unknown.group(1)))}: not a setting; expected one of: "
            f"{', '.join(known)}{close_match(unknown.group(1), known)}"
        )
    kind = _type_at(struct, path)
    if kind is None:  # not expected: every other path is a field's; msgspec's words, then
        return f"{locate(path)}: {error}"
    got = "" if item.shown is None else f", got {_bad_part(item, match)}"
    expected = describe(kind, from_variable=item.from_variable, orders=literal_orders(struct))
    return f"{locate(path)}: expected {expected}{got}"


def _bad_part(item: Given, at: re.Match[str] | None) -> str | None:
    """The item of a list that was refused, or the whole value as given."""
    index = re.search(r"\[(\d+)\]$", at.group(1)) if at else None
    if index is not None and isinstance(item.value, list | tuple):
        position = int(index.group(1))
        if position < len(item.value):
            return repr(item.value[position])
    return item.shown


def _type_at(struct: type[msgspec.Struct], path: tuple[str, ...]) -> msgspec.inspect.Type | None:
    kind: msgspec.inspect.Type | None = msgspec.inspect.type_info(struct)
    for key in path:
        table = _as_struct(kind)
        if table is None:
            return kind  # a value inside a list or table: the whole field's type says it
        kind = next((f.type for f in table.fields if f.encode_name == key), None)
    return kind


def _struct_at(
    struct: type[msgspec.Struct], path: tuple[str, ...]
) -> msgspec.inspect.StructType | None:
    return _as_struct(_type_at(struct, path))


def _as_struct(kind: msgspec.inspect.Type | None) -> msgspec.inspect.StructType | None:
    if isinstance(kind, msgspec.inspect.Metadata):
        kind = kind.type
    return kind if isinstance(kind, msgspec.inspect.StructType) else None
