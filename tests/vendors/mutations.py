"""Random mutations of vendor documents, for every adapter's property tests.

Each mutation is what a sloppy or changed vendor might send: a field dropped, a value replaced by
arbitrary JSON, a number or boolean sent as a string, a word in another letter case, two values
swapped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)

Path = tuple[str | int, ...]
Draw = Callable[[st.SearchStrategy[Any]], Any]


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
