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


def addresses(text: str) -> tuple[str, ...]:
    """The addresses in ``text``, in order. Raises ValueError naming the address (redacted) and
    what is wrong with it."""
    urls = tuple(part.strip() for part in text.split(",") if part.strip())
    if not urls:
        raise ValueError("no broker address given")
    for url in urls:
        try:
            parsed = URL(url)
        except ValueError:
            raise ValueError(f"{redact(url)} is not a URL") from None
        if parsed.scheme not in _SCHEMES or not parsed.host:
            raise ValueError(
                f"{redact(url)} is not a broker address: expected "
                "amqp://user:password@host:port/vhost (or amqps://), several separated by commas"
            )
    return urls
