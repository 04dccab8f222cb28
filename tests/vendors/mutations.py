"""What every vendor adapter's tests share: the vendor's fixtures, the checks every adapter is
held to, and random mutations of vendor documents for the property tests.

Each mutation is what a sloppy or changed vendor might send: a field dropped, a value replaced by
arbitrary JSON, a number or boolean sent as a string, a word in another letter case, two values
swapped.

The checks here assert with a message that shows the values: pytest rewrites the asserts of test
modules only, not of this one.
"""

from __future__ import annotations

import json
import pathlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from shared.outcome import Outcome, Reason
from workers.vendors.base import (
    UNRECOGNISED_EVENT,
    UNRECOGNISED_VALUE,
    Classification,
    Classifier,
    Undecodable,
)

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)

Path = tuple[str | int, ...]
# A fixture's name and a path in it: where a property test puts its values.
Place = tuple[str, Path]
Draw = Callable[[st.SearchStrategy[Any]], Any]

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
# Bodies that are no JSON object at all: undecodable for every vendor.
NOT_OBJECTS = (b"not json", b"", b"[]", b"42", b"null")
# An event word is one routing-key word (workers/vendors/base.py, slug): capped at 64.
EVENT_WORD = re.compile(r"[a-z0-9_]{1,64}")

# ------------------------------------------------------------------------------ fixtures


class Fixtures:
    """One vendor's fixtures: tests/fixtures/<vendor>/<name>.json, each a body as sent."""

    def __init__(self, vendor: str) -> None:
        self.directory = FIXTURES / vendor

    def names(self) -> set[str]:
        """Every fixture's name: its file name without ``.json``."""
        return {path.stem for path in self.directory.glob("*.json")}

    def load(self, name: str) -> bytes:
        """The fixture's bytes, unchanged."""
        return (self.directory / f"{name}.json").read_bytes()

    def body(self, name: str) -> dict[str, Any]:
        """The fixture decoded: a new copy at every call, free to change."""
        body: dict[str, Any] = json.loads(self.load(name))
        return body

    def changed(self, name: str, path: Path, value: Any) -> bytes:
        """The fixture with the value at ``path`` (keys and indexes from the top) replaced by
        ``value``, as JSON bytes."""
        body = self.body(name)
        parent_of(body, path)[path[-1]] = value
        return encode(body)

    def updated(self, name: str, changes: Mapping[str, Any], within: Path = ()) -> bytes:
        """The fixture with the object at ``within`` (the top by default) updated by
        ``changes``, as JSON bytes."""
        body = self.body(name)
        holder: Any = body
        for key in within:
            holder = holder[key]
        holder.update(changes)
        return encode(body)

    def assert_all_in_table(self, names: Sequence[str]) -> None:
        """A test table's fixture ``names`` name every fixture once, and nothing else."""
        repeated = sorted({name for name in names if names.count(name) > 1})
        assert not repeated, f"named twice in the table: {repeated}"
        on_disk = self.names()
        assert on_disk == set(names), (
            f"not in the table: {sorted(on_disk - set(names))}, "
            f"no such fixture: {sorted(set(names) - on_disk)}"
        )


def encode(document: Any) -> bytes:
    """``document`` as JSON bytes, as a vendor sends it."""
    return json.dumps(document).encode()


def reordered(value: Any) -> Any:
    """``value`` with the keys of every object in it, at any depth, in reverse order."""
    if isinstance(value, dict):
        return {key: reordered(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [reordered(item) for item in value]
    return value


def reserialised(document: Any) -> bytes:
    """``document`` as a retry may send it again: the same JSON, its keys in another order and
    without whitespace."""
    return json.dumps(reordered(document), separators=(",", ":")).encode()


def encoded(result: Classification) -> str:
    """A classification as JSON text: everything of it that an outcome event could carry."""
    return msgspec.json.encode(result).decode()


# ------------------------------------------------------------------------------ checks


def assert_classified(
    result: Classification, outcome: str, event: str, codes: tuple[str, ...]
) -> None:
    """``result`` is what a row of a test table says: the outcome, the event word and the
    reason codes, in their order."""
    assert result.outcome == Outcome(outcome), (result.outcome, outcome)
    assert result.event == event, (result.event, event)
    said = tuple(reason.code for reason in result.reasons)
    assert said == codes, f"reason codes {said}, expected {codes}"


def assert_says_none_of(result: Classification, values: Iterable[str]) -> None:
    """None of ``values`` (personal data, secrets, links) anywhere in ``result``."""
    text = encoded(result)
    leaked = [value for value in values if value in text]
    assert not leaked, f"{leaked} in {text}"


def assert_names_field_and_value(reason: Reason, field: str, value: str) -> None:
    """``reason`` says an unrecognised ``value`` and the field it was read from."""
    assert (reason.code, reason.field) == (UNRECOGNISED_VALUE, field), reason
    assert reason.message is not None, reason
    assert value in reason.message, (value, reason.message)


def assert_an_unknown_event(result: Classification) -> None:
    """An event the table does not know: pending (rule 3), said first as unrecognised_event."""
    assert result.outcome is Outcome.PENDING, result.outcome
    assert result.reasons[0].code == UNRECOGNISED_EVENT, result.reasons


def assert_a_short_unknown_event(result: Classification) -> None:
    """An event under a hostile (huge) name: unknown, under a routable word, said briefly."""
    assert_an_unknown_event(result)
    assert EVENT_WORD.fullmatch(result.event), result.event
    message = result.reasons[0].message
    assert message is not None, result.reasons[0]
    assert len(message) < 100, message


def assert_identities_differ(identities: Mapping[str, tuple[str, ...] | None]) -> None:
    """No two fixtures (name: identity) share an identity: each is another vendor event. None,
    where the body's hash stands in, is no identity and shared with nothing."""
    seen: dict[tuple[str, ...], str] = {}
    for name, identity in identities.items():
        if identity is not None:
            first = seen.setdefault(identity, name)
            assert first == name, f"{first} and {name} share the identity {identity}"


def assert_undecodable(
    classify: Classifier, body: bytes, path: str | None, headers: Mapping[str, str] | None = None
) -> None:
    """``body`` is undecodable; where ``path`` is given, the error names it."""
    with pytest.raises(Undecodable) as caught:
        classify(body, headers or {})
    if path is not None:
        assert path in str(caught.value), f"{path} not named in: {caught.value}"


def classified_or_undecodable(
    classify: Classifier, body: bytes, headers: Mapping[str, str] | None = None
) -> Classification | None:
    """A body, however mutated, is undecodable (None) or classified as a worker can publish it:
    a routable event word, a reason, and a subject and identity of text."""
    try:
        result = classify(body, headers or {})
    except Undecodable:
        return None
    assert isinstance(result, Classification), result
    assert EVENT_WORD.fullmatch(result.event), result.event
    assert result.reasons, result
    assert all(isinstance(value, str) for value in result.subject.values()), result.subject
    assert result.identity is None or all(isinstance(part, str) for part in result.identity), (
        result.identity
    )
    return result


# ------------------------------------------------------------------------------ unknown values


def spelled(value: str) -> str:
    """``value`` as a table tells its values apart, a little more loosely: in upper case, with no
    whitespace, ``_`` or ``-`` anywhere (a table ignores them between words only). Non-ASCII
    text stays as it is: no table matches it (upper-casing would turn a long s into S, a
    ligature into letters)."""
    if not value.isascii():
        return value
    return re.sub(r"[\s_-]+", "", value.strip().upper())


def unknown_words(
    known: Iterable[str], *, max_size: int = 20, blank: bool = False
) -> st.SearchStrategy[str]:
    """Text that no table matches to one of ``known``, however either is spelled (the
    spellings of :func:`spelled` differ).

    Not blank unless ``blank``: a blank value is an absent one, not an unrecognised one.
    """
    spellings = {spelled(value) for value in known}
    if blank:
        return st.text(max_size=max_size).filter(lambda s: spelled(s) not in spellings)
    return st.text(min_size=1, max_size=max_size).filter(
        lambda s: bool(s.strip()) and spelled(s) not in spellings
    )


# ------------------------------------------------------------------------------ mutations


def paths(value: Any, prefix: Path = ()) -> list[Path]:
    """Every key and index path in a JSON document, parents before their children."""
    found: list[Path] = []
    items: list[tuple[str | int, Any]] = []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    for key, child in items:
        found.append((*prefix, key))
        found.extend(paths(child, (*prefix, key)))
    return found


def random_case(text: str, flips: list[bool]) -> str:
    return "".join(c.upper() if flips[i % len(flips)] else c.lower() for i, c in enumerate(text))


def parent_of(document: Any, path: Path) -> Any:
    """The dict or list that holds the value at ``path``."""
    for key in path[:-1]:
        document = document[key]
    return document


def mutate(draw: Draw, document: Any, values: st.SearchStrategy[Any] = JSON_VALUES) -> Any:
    """Apply one to three random mutations to ``document`` in place, and return it.

    ``values``: what a replaced value may become.
    """
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        candidates = paths(document)
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        parent = parent_of(document, path)
        current = parent[path[-1]]
        action = draw(st.sampled_from(["drop", "replace", "stringify", "case", "swap"]))
        if action == "drop":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = draw(values)
        elif action == "stringify" and isinstance(current, bool | int | float):
            parent[path[-1]] = json.dumps(current)
        elif action == "case" and isinstance(current, str):
            parent[path[-1]] = random_case(
                current, draw(st.lists(st.booleans(), min_size=1, max_size=8))
            )
        elif action == "swap":
            other = draw(st.sampled_from(candidates))
            # Neither inside the other: swapping a value with its own child would nest it.
            if other[: len(path)] != path and path[: len(other)] != other:
                other_parent = parent_of(document, other)
                parent[path[-1]], other_parent[other[-1]] = other_parent[other[-1]], current
    return document


def mutated(documents: Callable[[str], Any], names: Sequence[str]) -> st.SearchStrategy[bytes]:
    """Bodies made from ``documents(name)`` for one of ``names``, mutated, as JSON bytes."""

    @st.composite
    def strategy(draw: st.DrawFn) -> bytes:
        document = documents(draw(st.sampled_from(list(names))))
        return json.dumps(mutate(draw, document)).encode()

    return strategy()
