"""Broker addresses: ``VERDICT_AMQP_URL`` holds one URL, or several separated by commas.

Every address that reaches a log line, an error or a metric goes through :func:`redact` first.
"""

from __future__ import annotations

from yarl import URL

_SCHEMES = ("amqp", "amqps")


def redact(url: str) -> str:
    """An address without its password."""
    text = url.strip()
    try:
        parsed: URL | None = URL(text)
    except ValueError:
        parsed = None
    if parsed is not None and parsed.password:
        return str(parsed.with_password("***"))
    if "@" in text:  # credentials yarl could not read: hide all of them
        head, _, host = text.rpartition("@")
        scheme, separator, _ = head.partition("://")
        return f"{scheme}://***@{host}" if separator else f"***@{host}"
    return text


_EXPECTED = (
    "expected amqp://user:password@host:port/vhost (or amqps://), several separated by commas"
)


def addresses(text: str) -> tuple[str, ...]:
    """The addresses in ``text``, in order. Raises ValueError naming every address (redacted)
    that is not one, and what is wrong with it."""
    problems = address_problems(text)
    if problems:
        raise ValueError("; ".join(problems))
    return tuple(part.strip() for part in text.split(",") if part.strip())


def address_problems(text: str) -> list[str]:
    """What is wrong with each address in ``text`` (nothing: all are usable), passwords hidden."""
    urls = [part.strip() for part in text.split(",") if part.strip()]
    if not urls:
        return [f"no broker address given: {_EXPECTED}"]
    problems = []
    for url in urls:
        wrong = _what_is_wrong(url)
        if wrong is not None:
            problems.append(f"{redact(url)!r} {wrong}: {_EXPECTED}")
    return problems


def _what_is_wrong(url: str) -> str | None:
    try:
        parsed = URL(url)
    except ValueError as exc:
        reason = str(exc)  # yarl's words, which never repeat the URL
        if "Port out of range" in reason or "port can't be converted" in reason:
            return "has a port that is not a number 1-65535"
        return f"is not a URL ({reason})"
    if not parsed.scheme:
        return "is not a URL"
    if parsed.scheme not in _SCHEMES:
        return f"has the scheme {parsed.scheme!r}, not amqp or amqps"
    if not parsed.host:
        return "names no host"
    if any(character.isspace() for character in parsed.host):
        return "has a space in its host"
    if parsed.explicit_port == 0:
        return "has a port that is not a number 1-65535"
    return None
