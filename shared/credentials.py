"""A credential in the settings: never printed, logged or repeated in an error."""

from __future__ import annotations


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


# A list of credentials, tried in turn (rotation); one per line in a ``_FILE``.
Credentials = tuple[Secret, ...]
